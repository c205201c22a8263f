import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFiles } from './files.js';

/**
 * Git's smart HTTP protocol on 127.0.0.1, served by `git http-backend` (CGI) behind a Node HTTP server.
 * Repositories are bare repos `<root>/<name>.git`; clone, fetch and push work, without authentication.
 */
export class GitServer {
  private constructor(
    readonly root: string,
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  url(repo: string): string {
    return `${this.baseUrl}/${repo}.git`;
  }

  static async start(root: string, port = 0): Promise<GitServer> {
    fs.mkdirSync(root, { recursive: true });
    const server = http.createServer((req, res) => serveCgi(root, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            error.code === 'EADDRINUSE'
              ? `git server: port 127.0.0.1:${port} is already in use`
              : `git server: ${error.message}`,
          ),
        ),
      );
      server.listen(port, '127.0.0.1', resolve);
    });
    return new GitServer(root, server, (server.address() as AddressInfo).port);
  }

  /** Creates an empty bare repository (idempotent). */
  createRepo(name: string): string {
    const dir = path.join(this.root, `${name}.git`);
    if (!fs.existsSync(dir)) {
      git(this.root, 'init', '--bare', '--quiet', '--initial-branch=main', dir);
      git(dir, 'config', 'http.receivepack', 'true');
    }
    return this.url(name);
  }

  /**
   * Commits the contents of `sourceDir` (or the given files) as the new tip of `main` and pushes it through
   * the HTTP server, as a user would. Returns the commit id. Git runs asynchronously: this process serves it.
   */
  async pushTree(
    repo: string,
    content: { sourceDir?: string; files?: Record<string, string> },
    message = 'update',
  ): Promise<string> {
    const url = this.createRepo(repo);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-test-push-'));
    try {
      await gitAsync(work, 'init', '--quiet', '--initial-branch=main');
      configureIdentity(work);
      await gitAsync(work, 'remote', 'add', 'origin', url);
      if ((await gitAsync(work, 'ls-remote', '--heads', 'origin', 'main')).trim() !== '') {
        await gitAsync(work, 'fetch', '--quiet', 'origin', 'main');
        await gitAsync(work, 'reset', '--quiet', '--soft', 'FETCH_HEAD');
      }
      if (content.sourceDir)
        fs.cpSync(content.sourceDir, work, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
      writeFiles(work, content.files ?? {});
      await gitAsync(work, 'add', '--all');
      await gitAsync(work, 'commit', '--quiet', '--allow-empty', '-m', message);
      await gitAsync(work, 'push', '--quiet', 'origin', 'HEAD:main');
      return (await gitAsync(work, 'rev-parse', 'HEAD')).trim();
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function git(cwd: string, ...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: gitEnv() });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${stderr.trim() || (error as Error).message}`, {
      cause: error,
    });
  }
}

/** Like `git` but without blocking the event loop (needed when this process also serves the repository). */
export function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'utf8', env: gitEnv(), timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

export function configureIdentity(repoDir: string): void {
  git(repoDir, 'config', 'user.email', 'test@example.invalid');
  git(repoDir, 'config', 'user.name', 'Kluctl Test');
}

/** Git must not read the developer's config or prompt for anything. */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_GLOBAL: '/dev/null' };
}

function serveCgi(root: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const cgi = spawn('git', ['http-backend'], {
    env: {
      ...gitEnv(),
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_USER: 'test',
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  let stderr = '';
  cgi.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  cgi.on('close', (code) => {
    if (!headersDone) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`git http-backend failed (${code}): ${stderr}`);
    } else {
      res.end();
    }
  });
}
