import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runRender } from '../../src/cli/render.js';
import { captureCli, type CliRun } from '../harness/cli.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { serverSideApply } from '../../src/kube/apply.js';
import { type KubeObject } from '../../src/kube/objects.js';
import { git, type GitServer } from '../harness/git-server.js';
import { runKluctl } from '../harness/kluctl.js';
import { REPO_ROOT, testBinaries } from '../harness/paths.js';
import { sharedCluster, sharedGitServer, uniqueName } from '../harness/shared.js';

/**
 * `kluctl render --print-all` (the real kluctl v2.22.1) against `kluctl-ts render --print-all` on
 * test/conformance/vars/<case>: git includes and git vars from the loopback Git server, cluster vars from the test
 * cluster, http vars from a local server. Same exit status and the same text; for error cases both fail and ours
 * names the deployment.yaml and the source (the `error` regexes).
 *
 * Fixture placeholders: `@GIT_URL:<repo>@`, `@HTTP_URL@`, `@NAMESPACE@` (project, repo and cluster-object files).
 */

interface RepoRef {
  /** Pushed as the new tip of main, then given these branch and tag names. */
  dir: string;
  branches?: string[];
  tags?: string[];
  annotatedTags?: string[];
}

interface HttpRoute {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  response: string;
}

interface Case {
  args: string[];
  /** Repo name → its commits in push order (the last one stays on main). */
  repos?: Record<string, RepoRef[]>;
  /** Render against the test cluster; `cluster-objects.yaml` is applied into a fresh namespace first. */
  cluster?: boolean;
  http?: Record<string, HttpRoute>;
  /** Both must fail; our stderr must match every regex. */
  error?: string[];
}

type Run = CliRun;

const FIXTURES = path.join(REPO_ROOT, 'test', 'conformance', 'vars');

async function runOurs(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return captureCli((io) => runRender(args, io, { env, cwd }));
}

const objects = (text: string): unknown[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o) => o !== null && o !== undefined);

/** Copies `from` to `to`, replacing the placeholders in every file. */
function copySubstituted(from: string, to: string, vars: Record<string, string>): void {
  fs.cpSync(from, to, { recursive: true });
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else fs.writeFileSync(p, substitute(fs.readFileSync(p, 'utf8'), vars));
    }
  };
  walk(to);
}

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/@([A-Z_]+(?::[\w-]+)?)@/g, (m, key: string) => {
    if (!(key in vars)) throw new Error(`fixture placeholder ${m} has no value`);
    return vars[key];
  });
}

/** Pushes each ref's tree as main, names it, and leaves main at the last one. */
async function pushRepo(
  gs: GitServer,
  name: string,
  refs: RepoRef[],
  caseDir: string,
  scratch: string,
  vars: Record<string, string>,
): Promise<void> {
  const bare = path.join(gs.root, `${name}.git`);
  for (const ref of refs) {
    const tree = fs.mkdtempSync(path.join(scratch, 'tree-'));
    fs.rmSync(tree, { recursive: true });
    copySubstituted(path.join(caseDir, ref.dir), tree, vars);
    const sha = await gs.pushTree(name, { sourceDir: tree });
    for (const b of ref.branches ?? []) git(bare, 'branch', '--force', b, sha);
    for (const t of ref.tags ?? []) git(bare, 'tag', t, sha);
    for (const t of ref.annotatedTags ?? [])
      git(bare, '-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', 'tag', '-a', '-m', `tag ${t}`, t, sha);
  }
}

function serveRoutes(routes: () => Record<string, HttpRoute>): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const route = routes()[new URL(req.url ?? '/', 'http://x').pathname];
      if (!route) return void res.writeHead(404).end('not found');
      if ((route.method ?? 'GET') !== req.method) return void res.writeHead(542).end('wrong method');
      if (route.body !== undefined && route.body !== body) return void res.writeHead(543).end('wrong body');
      for (const [k, v] of Object.entries(route.headers ?? {}))
        if (req.headers[k] !== v) return void res.writeHead(544).end('wrong header');
      res.writeHead(200, { 'content-type': 'application/yaml' }).end(route.response);
    });
  });
}

describe('engine vars and git includes: conformance with kluctl render --print-all @integration @conformance', function () {
  this.timeout(600_000);
  const saved = {
    helm: process.env.KLUCTL_HELM_BINARY,
    kustomize: process.env.KLUCTL_KUSTOMIZE_BINARY,
    cache: process.env.KLUCTL_TS_CACHE_DIR,
  };
  let tmp: string;
  let httpServer: http.Server;
  let httpUrl: string;
  let routes: Record<string, HttpRoute> = {};

  before(async () => {
    const bins = testBinaries('helm', 'kustomize');
    process.env.KLUCTL_HELM_BINARY = bins.helm;
    process.env.KLUCTL_KUSTOMIZE_BINARY = bins.kustomize;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vars-conformance-'));
    process.env.KLUCTL_TS_CACHE_DIR = path.join(tmp, 'kluctl-ts-cache');
    httpServer = serveRoutes(() => routes);
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    httpUrl = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const [k, v] of [
      ['KLUCTL_HELM_BINARY', saved.helm],
      ['KLUCTL_KUSTOMIZE_BINARY', saved.kustomize],
      ['KLUCTL_TS_CACHE_DIR', saved.cache],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const name of fs.readdirSync(FIXTURES).sort()) {
    it(name, async () => {
      const caseDir = path.join(FIXTURES, name);
      const c = JSON.parse(fs.readFileSync(path.join(caseDir, 'case.json'), 'utf8')) as Case;
      const vars: Record<string, string> = { HTTP_URL: httpUrl };
      routes = c.http ?? {};

      if (c.repos) {
        const gs = await sharedGitServer();
        for (const repo of Object.keys(c.repos)) vars[`GIT_URL:${repo}`] = gs.url(uniqueName(`vars-${name}-${repo}`));
        for (const [repo, refs] of Object.entries(c.repos)) {
          await pushRepo(gs, vars[`GIT_URL:${repo}`].replace(/^.*\/(.*)\.git$/, '$1'), refs, caseDir, tmp, vars);
        }
      }

      let online: string[] = ['--offline-kubernetes'];
      let kubeconfig = path.join(tmp, 'no-kubeconfig');
      if (c.cluster) {
        const cluster = await sharedCluster();
        const client = cluster.client();
        const mapper = new ResourceMapper(client);
        vars.NAMESPACE = uniqueName(`vars-${name}`);
        await serverSideApply(
          client,
          mapper,
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: vars.NAMESPACE } },
          { fieldManager: 'test' },
        );
        const objectsFile = path.join(caseDir, 'cluster-objects.yaml');
        if (fs.existsSync(objectsFile)) {
          for (const obj of objects(substitute(fs.readFileSync(objectsFile, 'utf8'), vars))) {
            await serverSideApply(client, mapper, obj as KubeObject, { fieldManager: 'test' });
          }
        }
        online = ['--context', cluster.context];
        kubeconfig = cluster.kubeconfig;
      }

      const projectDir = path.join(tmp, name);
      copySubstituted(path.join(caseDir, 'project'), projectDir, vars);
      const args = ['--print-all', '--project-dir', projectDir, ...online, ...c.args];
      const kluctl = await runKluctl(['render', ...args], { kubeconfig, cwd: projectDir });
      const ours = await runOurs(args, { ...process.env, KUBECONFIG: kubeconfig }, projectDir);

      if (c.error) {
        assert.notEqual(kluctl.code, 0, `kluctl was expected to fail:\n${kluctl.stdout}`);
        assert.notEqual(ours.code, 0, `kluctl-ts was expected to fail:\n${ours.stdout}`);
        for (const re of c.error) assert.match(ours.stderr, new RegExp(re), `our error message: ${ours.stderr}`);
        return;
      }
      assert.equal(kluctl.code, 0, `kluctl failed: ${kluctl.stderr}`);
      assert.equal(ours.code, 0, `kluctl-ts failed: ${ours.stderr}`);
      assert.deepEqual(objects(ours.stdout), objects(kluctl.stdout), 'objects differ');
      assert.equal(ours.stdout, kluctl.stdout, 'text differs');
    });
  }
});
