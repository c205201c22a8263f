/** One bounded HTTP(S) exchange for the registry client: timeouts, a body size cap, cancellation, TLS settings. */

import type * as http from 'node:http';
import type * as https from 'node:https';
import { CancelledError } from '../../util/errors.js';

export interface TlsSettings {
  /** PEM; replaces the system roots when given (as Go's RootCAs). */
  ca?: string;
  cert?: string;
  key?: string;
  insecureSkipTlsVerify?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered (after redirects). */
  url: string;
}

export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The body is refused beyond this many bytes. */
  maxBytes: number;
  /** The whole exchange, body included. */
  timeoutMs: number;
  signal?: AbortSignal;
  tls?: TlsSettings;
  /** Redirects followed (the Authorization header is dropped when the host changes); 0 = none. */
  maxRedirects?: number;
  /** Named in errors (e.g. `oci://host/repo`). */
  what: string;
}

/** A network or TLS failure before any HTTP status. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly tls: boolean,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'EPROTO',
]);

export function isTlsError(error: NodeJS.ErrnoException): boolean {
  return TLS_CODES.has(error.code ?? '') || /certificate|SSL|TLS/i.test(error.message);
}

export async function httpRequest(url: string, o: HttpRequest): Promise<HttpResponse> {
  let current = url;
  let headers = { ...o.headers };
  for (let hop = 0; ; hop++) {
    const res = await once(current, headers, o);
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && location && (o.method ?? 'GET') !== 'POST') {
      if (hop >= (o.maxRedirects ?? 5)) throw new TransportError(`${o.what}: too many redirects`, undefined, false);
      const next = new URL(location, current);
      if (next.protocol !== 'https:' && next.protocol !== 'http:')
        throw new TransportError(`${o.what}: redirect to unsupported URL ${next.protocol}`, undefined, false);
      if (next.host !== new URL(current).host) {
        headers = { ...headers };
        delete headers.Authorization;
      }
      current = next.toString();
      continue;
    }
    return res;
  }
}

function once(url: string, headers: Record<string, string>, o: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new CancelledError(o.what));
      return;
    }
    const u = new URL(url);
    const isHttps = u.protocol === 'https:';
    const options: https.RequestOptions = {
      method: o.method ?? 'GET',
      headers: { 'User-Agent': 'kluctl-ts', ...headers },
    };
    if (isHttps) {
      if (o.tls?.ca) options.ca = o.tls.ca;
      if (o.tls?.cert && o.tls?.key) {
        options.cert = o.tls.cert;
        options.key = o.tls.key;
      }
      options.rejectUnauthorized = !o.tls?.insecureSkipTlsVerify;
    }
    let settled = false;
    const finish = (error: Error | undefined, value?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else resolve(value!);
    };
    const onAbort = (): void => finish(new CancelledError(o.what));
    const tooLarge = () =>
      new TransportError(`${o.what}: the response of ${u.host} is larger than ${o.maxBytes} bytes`, undefined, false);
    const timer = setTimeout(
      () =>
        finish(new TransportError(`${o.what}: ${u.host} did not answer within ${o.timeoutMs} ms`, 'ETIMEDOUT', false)),
      o.timeoutMs,
    );
    // Node's HTTP stack is loaded on first use (process.getBuiltinModule), not when the engine loads: most renders
    // fetch nothing, and the engine worker's start is part of every CLI command.
    const req = process.getBuiltinModule(isHttps ? 'node:https' : 'node:http').request(u, options, (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > o.maxBytes) {
        finish(tooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > o.maxBytes) {
          finish(tooLarge());
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url }),
      );
      res.on('error', (error) => finish(new TransportError(`${o.what}: ${error.message}`, undefined, false)));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const tls = isHttps && isTlsError(error);
      finish(
        new TransportError(
          tls
            ? `${o.what}: TLS verification of ${u.protocol}//${u.host} failed: ${error.message}${error.code ? ` (${error.code})` : ''}`
            : `${o.what}: cannot reach ${u.protocol}//${u.host}: ${error.message}`,
          error.code,
          tls,
        ),
      );
    });
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.body !== undefined) req.end(o.body);
    else req.end();
  });
}
