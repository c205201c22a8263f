import * as fs from 'node:fs';
import * as path from 'node:path';
import * as https from 'node:https';
import { generateClusterCerts } from './certs.js';
import { testBinaries } from './paths.js';
import { freePort, ManagedProcess, waitUntil } from './processes.js';

/**
 * The real OCI registry (distribution v3's `registry`, built by test/k8s-bins/build.sh) on 127.0.0.1 with a random
 * port, TLS from a test CA (test/harness/certs.ts) and htpasswd basic auth. The registry makes the htpasswd file
 * itself (bcrypt, user `docker`, a random password it logs once), so no bcrypt is needed here.
 */
export class TestRegistry {
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

  static async start(dir: string): Promise<TestRegistry> {
    const { registry } = testBinaries('registry');
    fs.mkdirSync(dir, { recursive: true });
    const certs = generateClusterCerts(path.join(dir, 'pki'));
    const port = await freePort();
    const debugPort = await freePort();
    const host = `127.0.0.1:${port}`;
    const htpasswd = path.join(dir, 'auth', 'htpasswd');
    const config = path.join(dir, 'config.yml');
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
        'auth:',
        '  htpasswd:',
        '    realm: test-registry',
        `    path: ${JSON.stringify(htpasswd)}`,
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
    const password = await waitUntil(
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
    return new TestRegistry(proc, host, certs.caCert, 'docker', password, dir);
  }

  async stop(): Promise<void> {
    await this.process.stop();
  }
}
