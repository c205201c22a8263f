/** The scheme the controller requires for `spec.sourceOverrides[].url`. */
export const SOURCE_OVERRIDE_SCHEME = 'grpc+source-override';

/**
 * `grpc+source-override://<host>:<port>/<serverId>`: where the controller dials to reach our stream (a pod IP and
 * its source-override port, or `localhost` for a local controller) and which stream it wants. IPv6 addresses
 * are bracketed (the Kluctl CLI does not, which breaks them).
 */
export function buildProxyUrl(host: string, port: number, serverId: string): string {
  if (!/^[0-9a-f]{64}$/.test(serverId))
    throw new Error(`"${serverId}" is not a source-override server id (hex SHA-256)`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${port} is not a TCP port`);
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return `${SOURCE_OVERRIDE_SCHEME}://${bare.includes(':') ? `[${bare}]` : bare}:${port}/${serverId}`;
}
