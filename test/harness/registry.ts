import { createSign, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as https from 'node:https';
import { generateClusterCerts, type ClusterCerts } from './certs.js';
import { testBinaries } from './paths.js';
import { freePort, ManagedProcess, waitUntil } from './processes.js';

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/**
 * A token service as Docker Hub's or GHCR's (the `Bearer realm=…` flow of the distribution auth spec), for the real
 * registry's `auth: token` mode: HTTPS on 127.0.0.1, Basic credentials checked, RS256 JWTs with the signing
 * certificate in `x5c` (the registry trusts it through `rootcertbundle`). Anonymous requests get pull access when
 * `anonymousPull`, else no access; a wrong password gets 401.
 */
class TokenService {
  private constructor(
    private readonly server: https.Server,
    readonly realm: string,
    readonly certFile: string,
  ) {}

  static async start(
    dir: string,
    tls: ClusterCerts,
    users: Record<string, string>,
    o: { issuer: string; service: string; anonymousPull: boolean },
  ): Promise<TokenService> {
    const key = path.join(dir, 'token.key');
    const cert = path.join(dir, 'token.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        '/CN=test-token-signer',
      ],
      { stdio: 'pipe' },
    );
    const keyPem = fs.readFileSync(key, 'utf8');
    const der = Buffer.from(
      fs
        .readFileSync(cert, 'utf8')
        .replace(/-----[^-]+-----/g, '')
        .replace(/\s+/g, ''),
      'base64',
    ).toString('base64');
    const server = https.createServer(
      { cert: fs.readFileSync(tls.serverCert), key: fs.readFileSync(tls.serverKey) },
      (req, res) => {
        const url = new URL(req.url ?? '/', 'https://127.0.0.1');
        let subject = '';
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        if (basic) {
          const [user, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
          if (users[user] === undefined || users[user] !== rest.join(':')) {
            res.writeHead(401, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ details: 'incorrect username or password' }));
            return;
          }
          subject = user;
        }
        const access = url.searchParams
          .getAll('scope')
          .map((scope) => /^repository:([^:]+):(.+)$/.exec(scope))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => ({
            type: 'repository',
            name: m[1],
            actions: subject ? m[2].split(',') : o.anonymousPull ? m[2].split(',').filter((a) => a === 'pull') : [],
          }));
        const now = Math.floor(Date.now() / 1000);
        const header = { alg: 'RS256', typ: 'JWT', x5c: [der] };
        const claims = {
          iss: o.issuer,
          sub: subject,
          aud: o.service,
          exp: now + 300,
          nbf: now - 10,
          iat: now,
          jti: randomUUID(),
          access,
        };
        const signing = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
        const signature = createSign('RSA-SHA256').update(signing).sign(keyPem);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ token: `${signing}.${b64url(signature)}`, expires_in: 300 }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return new TokenService(server, `https://127.0.0.1:${port}/token`, cert);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

export interface TestRegistryOptions {
  /**
   * `htpasswd` (default): Basic auth, the user `docker` the registry provisions itself. `token`: the Bearer token
   * flow through a token service started here, the user `docker` with a random password.
   */
  auth?: 'htpasswd' | 'token';
  /** Token mode: anonymous clients may pull. */
  anonymousPull?: boolean;
  /** A registry binary to run instead of the testbin cache's. */
  binary?: string;
}

/**
 * The real OCI registry (distribution v3's `registry`, built by test/k8s-bins/build.sh) on 127.0.0.1 with a random
 * port, TLS from a test CA (test/harness/certs.ts) and htpasswd basic auth. The registry makes the htpasswd file
 * itself (bcrypt, user `docker`, a random password it logs once), so no bcrypt is needed here.
 */
export class TestRegistry {
  private tokenService?: TokenService;

  private constructor(
    private readonly process: ManagedProcess,
    /** `127.0.0.1:<port>`, as credentials and `oci://` URLs name it. */
    readonly host: string,
    readonly caFile: string,
    readonly username: string,
    readonly password: string,
    readonly dir: string,
  ) {}

  get pid(): number {
    return this.process.pid;
  }

  static async start(dir: string, o: TestRegistryOptions = {}): Promise<TestRegistry> {
    const registry = o.binary ?? testBinaries('registry').registry;
    fs.mkdirSync(dir, { recursive: true });
    const certs = generateClusterCerts(path.join(dir, 'pki'));
    const port = await freePort();
    const debugPort = await freePort();
    const host = `127.0.0.1:${port}`;
    const htpasswd = path.join(dir, 'auth', 'htpasswd');
    const config = path.join(dir, 'config.yml');
    let tokenService: TokenService | undefined;
    let tokenPassword = '';
    if (o.auth === 'token') {
      tokenPassword = randomBytes(12).toString('hex');
      tokenService = await TokenService.start(
        dir,
        certs,
        { docker: tokenPassword },
        {
          issuer: 'test-token-issuer',
          service: 'test-registry',
          anonymousPull: o.anonymousPull ?? false,
        },
      );
    }
    const authConfig = tokenService
      ? [
          'auth:',
          '  token:',
          `    realm: ${tokenService.realm}`,
          '    service: test-registry',
          '    issuer: test-token-issuer',
          `    rootcertbundle: ${JSON.stringify(tokenService.certFile)}`,
        ]
      : ['auth:', '  htpasswd:', '    realm: test-registry', `    path: ${JSON.stringify(htpasswd)}`];
    fs.writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        '  formatter: json',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${JSON.stringify(path.join(dir, 'data'))}`,
        '  delete:',
        '    enabled: true',
        ...authConfig,
        'http:',
        `  addr: 127.0.0.1:${port}`,
        `  debug:`,
        `    addr: 127.0.0.1:${debugPort}`,
        '  tls:',
        `    certificate: ${JSON.stringify(certs.serverCert)}`,
        `    key: ${JSON.stringify(certs.serverKey)}`,
        '',
      ].join('\n'),
    );
    const logFile = path.join(dir, 'registry.log');
    const proc = ManagedProcess.start({
      name: 'registry',
      command: registry,
      args: ['serve', config],
      logFile,
      env: { PATH: process.env.PATH ?? '', HOME: dir, OTEL_TRACES_EXPORTER: 'none' },
    });
    let password: string;
    try {
      password = tokenService
        ? tokenPassword
        : await waitUntil(
            'the registry to provision its htpasswd user',
            () => {
              for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
                if (!line.includes('provisioning with default user')) continue;
                const entry = JSON.parse(line) as { password?: string };
                if (entry.password) return entry.password;
              }
              return undefined;
            },
            { timeoutMs: 60_000, intervalMs: 200, process: proc },
          );
      await waitUntil(
        'the registry to answer /v2/',
        () =>
          new Promise<true | undefined>((resolve) => {
            const req = https.get(
              { host: '127.0.0.1', port, path: '/v2/', ca: fs.readFileSync(certs.caCert), timeout: 2000 },
              (res) => {
                res.resume();
                resolve(res.statusCode === 401 ? true : undefined);
              },
            );
            req.on('error', () => resolve(undefined));
            req.on('timeout', () => req.destroy());
          }),
        { timeoutMs: 60_000, intervalMs: 200, process: proc },
      );
    } catch (error) {
      await proc.stop();
      await tokenService?.stop();
      throw error;
    }
    const started = new TestRegistry(proc, host, certs.caCert, 'docker', password, dir);
    started.tokenService = tokenService;
    return started;
  }

  async stop(): Promise<void> {
    await this.process.stop();
    await this.tokenService?.stop();
  }
}
