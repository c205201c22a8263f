import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateClusterCerts, type ClusterCerts } from './certs.js';
import { writeFiles } from './files.js';
import { testBinaries } from './paths.js';

export interface HelmRepoRequest {
  path: string;
  authorized: boolean;
  /** The Authorization header was sent at all. */
  sentAuth: boolean;
}

/**
 * A Helm chart repository on 127.0.0.1: a static server over a directory (`index.yaml` + `.tgz`), basic auth on
 * `/private/…`, HTTP and HTTPS (a serving certificate for 127.0.0.1 from a test CA) on two ports. Charts are
 * packaged and indexed by the real `helm` (`helm package`, `helm repo index`).
 */
export class HelmRepoServer {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-repo-'));
  readonly requests: HelmRepoRequest[] = [];
  readonly username = 'chart-user';
  readonly password = 'chart-pass';
  certs!: ClusterCerts;
  private servers: (http.Server | https.Server)[] = [];
  httpPort = 0;
  httpsPort = 0;

  url(repo: 'public' | 'private', tls = false): string {
    return tls ? `https://127.0.0.1:${this.httpsPort}/${repo}` : `http://127.0.0.1:${this.httpPort}/${repo}`;
  }

  async start(): Promise<this> {
    this.certs = generateClusterCerts(path.join(this.root, 'pki'));
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.serve(req, res);
    const plain = http.createServer(handler);
    const secure = https.createServer(
      { cert: fs.readFileSync(this.certs.serverCert), key: fs.readFileSync(this.certs.serverKey) },
      handler,
    );
    for (const s of [plain, secure]) {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
      this.servers.push(s);
    }
    this.httpPort = (plain.address() as AddressInfo).port;
    this.httpsPort = (secure.address() as AddressInfo).port;
    return this;
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const header = req.headers.authorization;
    const want = `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}`;
    const authorized = header === want;
    this.requests.push({ path: p, authorized, sentAuth: header !== undefined });
    if (p.startsWith('/private/') && !authorized) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="charts"' }).end('unauthorized\n');
      return;
    }
    const file = path.join(this.root, 'repos', ...p.split('/').filter((s) => s && s !== '..'));
    if (!p.match(/^\/(public|private)\//) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { 'Content-Length': body.length, 'Content-Type': 'application/octet-stream' }).end(body);
  }

  /**
   * Packages a chart `name` at `version` (a ConfigMap naming the chart version, and the release's namespace)
   * with the real helm into `repo`, and re-indexes that repo (`helm repo index`, relative URLs).
   */
  addChart(
    repo: 'public' | 'private',
    name: string,
    version: string,
    extraTemplates: Record<string, string> = {},
  ): void {
    const { helm } = testBinaries('helm');
    const src = path.join(this.root, 'src', `${name}-${version}`);
    writeFiles(src, {
      'Chart.yaml': `apiVersion: v2\nname: ${name}\ndescription: a test chart\ntype: application\nversion: ${version}\nappVersion: "${version}"\n`,
      'values.yaml': 'greeting: hello\n',
      'templates/_helpers.tpl': `{{- define "${name}.fullname" -}}{{ .Release.Name }}-${name}{{- end -}}\n`,
      'templates/configmap.yaml':
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "${name}.fullname" . }}\n  labels:\n    chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}\n` +
        `data:\n  greeting: {{ .Values.greeting | quote }}\n  version: {{ .Chart.Version | quote }}\n  namespace: {{ .Release.Namespace | quote }}\n`,
      ...extraTemplates,
    });
    const dir = path.join(this.root, 'repos', repo);
    fs.mkdirSync(dir, { recursive: true });
    const env = {
      ...process.env,
      HELM_CACHE_HOME: path.join(this.root, 'helm-home', 'cache'),
      HELM_CONFIG_HOME: path.join(this.root, 'helm-home', 'config'),
      HELM_DATA_HOME: path.join(this.root, 'helm-home', 'data'),
    };
    execFileSync(helm, ['package', src, '--destination', dir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    execFileSync(helm, ['repo', 'index', dir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  }

  async stop(): Promise<void> {
    for (const s of this.servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    this.servers = [];
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
