import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../../src/cli/run.js';
import type { HelmCredentialArgs } from '../../src/engine/helm/credentials.js';
import { printAll } from '../../src/engine/render/print.js';
import { renderProject } from '../../src/engine/render/render-project.js';
import { captureCli } from '../harness/cli.js';
import { tempTree } from '../harness/files.js';
import { configureIdentity, git } from '../harness/git-server.js';
import { useHelmWasm } from '../harness/helm-wasm.js';
import { HelmRepoServer } from '../harness/helm-repo.js';
import { runKluctl } from '../harness/kluctl.js';

/**
 * Charts from a Helm repository (issue 15), against real peers: a chart repository on 127.0.0.1 whose charts the
 * real helm packaged and indexed (basic auth on /private, HTTPS from a test CA), and the real kluctl v2.22.1 as the
 * oracle for the `.helm-charts` tree, the rewritten helm-chart.yaml and the rendered objects.
 */
describe('engine: Helm repository pulls against a chart repository and kluctl v2.22.1 @integration', function () {
  this.timeout(300_000);
  const repo = new HelmRepoServer();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-pull-test-'));
  let kluctlTmp = '';
  const savedCache = process.env.KLUCTL_TS_CACHE_DIR;

  before(async () => {
    await repo.start();
    repo.addChart('public', 'demo', '1.0.0');
    repo.addChart('private', 'secret-demo', '0.1.0');
    useHelmWasm();
    process.env.KLUCTL_TS_CACHE_DIR = path.join(scratch, 'kluctl-ts-cache');
  });
  after(async () => {
    if (savedCache === undefined) delete process.env.KLUCTL_TS_CACHE_DIR;
    else process.env.KLUCTL_TS_CACHE_DIR = savedCache;
    await repo.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });
  beforeEach(() => {
    // A fresh cache for both tools in every test.
    fs.rmSync(path.join(scratch, 'kluctl-ts-cache'), { recursive: true, force: true });
    kluctlTmp = fs.mkdtempSync(path.join(scratch, 'kluctl-tmp-'));
  });

  const host = () => `127.0.0.1:${repo.httpPort}`;
  const credFlags = (password = repo.password) => [
    '--helm-username',
    `${host()}/private=${repo.username}`,
    '--helm-password',
    `${host()}/private=${password}`,
  ];
  const credArgs = (password = repo.password): HelmCredentialArgs => ({
    username: [`${host()}/private=${repo.username}`],
    password: [`${host()}/private=${password}`],
  });

  const chartFile = (repoUrl: string, chartName: string, version: string, release: string, extra = '') =>
    `helmChart:\n  repo: ${repoUrl}\n  chartName: ${chartName}\n  chartVersion: ${version}\n  releaseName: ${release}\n  namespace: apps\n${extra}`;

  function project(o: { skipPrePull?: boolean; demoVersion?: string; privateRepo?: string } = {}): string {
    const extra = o.skipPrePull ? '  skipPrePull: true\n' : '';
    return tempTree('helm-pull-project-', {
      '.kluctl.yaml': 'targets:\n  - name: test\n',
      'deployment.yaml': 'deployments:\n  - path: pub\n  - path: priv\n',
      'pub/helm-chart.yaml': chartFile(repo.url('public'), 'demo', o.demoVersion ?? '1.0.0', 'pub', extra),
      'pub/helm-values.yaml': 'greeting: from values\n',
      'pub/kustomization.yaml': 'resources:\n  - helm-rendered.yaml\n',
      'priv/helm-chart.yaml': chartFile(o.privateRepo ?? repo.url('private'), 'secret-demo', '0.1.0', 'priv', extra),
      'priv/kustomization.yaml': 'resources:\n  - helm-rendered.yaml\n',
    });
  }
  const copy = (dir: string) => {
    const to = fs.mkdtempSync(path.join(scratch, 'copy-'));
    fs.cpSync(dir, to, { recursive: true });
    return to;
  };
  const kluctl = (args: string[], cwd: string) =>
    runKluctl(args, {
      kubeconfig: path.join(scratch, 'no-kubeconfig'),
      cwd,
      env: {
        TMPDIR: kluctlTmp,
        HELM_CACHE_HOME: path.join(kluctlTmp, 'helm-cache'),
        HELM_CONFIG_HOME: path.join(kluctlTmp, 'helm-config'),
        HELM_DATA_HOME: path.join(kluctlTmp, 'helm-data'),
      },
    });
  /** kluctl-ts in this process; every path it is given is absolute. */
  const ours = (args: string[], _cwd?: string) => captureCli((io) => runCli(args, io));
  /** Every file under `dir` (relative path → content). */
  const tree = (dir: string): Record<string, string> => {
    const out: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
      }
    };
    if (fs.existsSync(dir)) walk(dir);
    return out;
  };
  const docs = (text: string) =>
    parseAllDocuments(text)
      .map((d) => d.toJS() as unknown)
      .filter((d) => d !== null);

  it('helm-pull writes the same .helm-charts tree as kluctl helm-pull (public chart, and private with --helm-username/--helm-password)', async () => {
    const a = project();
    const b = copy(a);
    const mine = await ours(['helm-pull', '--project-dir', a, ...credFlags()], a);
    assert.equal(mine.code, 0, mine.stderr);
    const theirs = await kluctl(['helm-pull', '--project-dir', b, ...credFlags()], b);
    assert.equal(theirs.code, 0, theirs.stderr);

    const t = tree(path.join(a, '.helm-charts'));
    assert.deepEqual(t, tree(path.join(b, '.helm-charts')));
    const demoDir = `http_${repo.httpPort}_127.0.0.1/public/demo/1.0.0`;
    assert.match(t[`${demoDir}/Chart.yaml`], /version: 1\.0\.0/);
    assert.ok(t[`http_${repo.httpPort}_127.0.0.1/private/secret-demo/0.1.0/templates/configmap.yaml`]);
    assert.match(mine.stderr, /demo: Pulling Chart with version 1\.0\.0/);
    // The private repository's credentials went to /private only.
    assert.ok(repo.requests.filter((r) => r.path.startsWith('/public/')).every((r) => !r.sentAuth));

    // Pre-pulled: rendered without network, object-identical to kluctl's render of the same project.
    const before = repo.requests.length;
    const rendered = await renderProject({ projectDir: a, target: 'test', offline: true });
    assert.equal(repo.requests.length, before, 'a pre-pulled chart is read from .helm-charts');
    const kr = await kluctl(['render', '--offline-kubernetes', '--print-all', '-t', 'test'], b);
    assert.equal(kr.code, 0, kr.stderr);
    assert.deepEqual(docs(printAll(rendered.objects)), docs(kr.stdout));
    assert.equal(rendered.objects.length, 2);
  });

  it('renders a project whose charts are not pre-pulled (skipPrePull) like kluctl render, pulling once into the cache', async () => {
    const a = project({ skipPrePull: true });
    const b = copy(a);
    const before = repo.requests.length;
    const rendered = await renderProject({ projectDir: a, target: 'test', offline: true, helmCredentials: credArgs() });
    const pulled = repo.requests.length - before;
    assert.ok(pulled >= 4, 'index.yaml and archive of both charts were downloaded');
    assert.equal(
      fs.existsSync(path.join(a, '.helm-charts')),
      false,
      'skipPrePull charts go to the cache, not the project',
    );
    const cached = path.join(
      process.env.KLUCTL_TS_CACHE_DIR!,
      'helm-charts',
      `http_${repo.httpPort}_127.0.0.1`,
      'public',
      'demo',
      '1.0.0',
      'Chart.yaml',
    );
    assert.ok(fs.existsSync(cached), cached);

    const kr = await kluctl(['render', '--offline-kubernetes', '--print-all', '-t', 'test', ...credFlags()], b);
    assert.equal(kr.code, 0, kr.stderr);
    assert.deepEqual(docs(printAll(rendered.objects)), docs(kr.stdout));
    const cm = rendered.objects.find((o) => o.metadata.name === 'pub-demo') as { data?: Record<string, string> };
    assert.deepEqual(cm.data, { greeting: 'from values', version: '1.0.0', namespace: 'apps' });

    const again = repo.requests.length;
    await renderProject({ projectDir: a, target: 'test', offline: true, helmCredentials: credArgs() });
    assert.equal(repo.requests.length, again, 'the second render uses the cache');
  });

  it('says what is wrong, naming the chart and its helm-chart.yaml: 401, missing credentials, unknown version and chart, unreachable, not pre-pulled, outdated pre-pull', async () => {
    const render = (dir: string, helmCredentials?: HelmCredentialArgs) =>
      renderProject({ projectDir: dir, target: 'test', offline: true, helmCredentials });
    await assert.rejects(render(project({ skipPrePull: true }), credArgs('wrong')), (e: Error) => {
      assert.match(e.message, /priv\/helm-chart\.yaml/);
      assert.match(e.message, /secret-demo/);
      assert.match(e.message, /401 Unauthorized.*wrong or missing credentials/);
      return true;
    });
    await assert.rejects(render(project({ skipPrePull: true })), /priv\/helm-chart\.yaml.*secret-demo.*401/s);
    await assert.rejects(
      render(project({ skipPrePull: true, demoVersion: '9.9.9' }), credArgs()),
      /pub\/helm-chart\.yaml.*chart "demo" version "9\.9\.9" not found in http:\/\/127\.0\.0\.1:\d+\/public repository/s,
    );
    const unknown = tempTree('helm-pull-unknown-', {
      '.kluctl.yaml': 'targets:\n  - name: test\n',
      'deployment.yaml': 'deployments:\n  - path: x\n',
      'x/helm-chart.yaml': chartFile(repo.url('public'), 'nope', '1.0.0', 'x', '  skipPrePull: true\n'),
    });
    await assert.rejects(render(unknown), /x\/helm-chart\.yaml.*chart "nope" version "1\.0\.0" not found/s);
    await assert.rejects(
      render(project({ skipPrePull: true, privateRepo: 'http://127.0.0.1:1/private' }), credArgs()),
      /priv\/helm-chart\.yaml.*repository unreachable/s,
    );
    await assert.rejects(render(project()), /helm-chart\.yaml.*has not been pre-pulled.*kluctl helm-pull/s);

    // A pre-pulled directory whose Chart.yaml says another version.
    const stale = project({ demoVersion: '1.1.0' });
    const pulled = project();
    assert.equal((await ours(['helm-pull', '--project-dir', pulled, ...credFlags()], pulled)).code, 0);
    const base = path.join(`http_${repo.httpPort}_127.0.0.1`, 'public', 'demo');
    fs.cpSync(path.join(pulled, '.helm-charts'), path.join(stale, '.helm-charts'), { recursive: true });
    fs.renameSync(path.join(stale, '.helm-charts', base, '1.0.0'), path.join(stale, '.helm-charts', base, '1.1.0'));
    await assert.rejects(
      render(stale),
      /pub\/helm-chart\.yaml.*Desired version is 1\.1\.0 while pre-pulled version is 1\.0\.0/s,
    );

    // helm-pull's errors name the file too, and kluctl fails on the same project. (Like kluctl's, a chart in the
    // cache is reused for a day without asking the repository: the cache is emptied first.)
    fs.rmSync(process.env.KLUCTL_TS_CACHE_DIR!, { recursive: true, force: true });
    const bad = project();
    const mine = await ours(['helm-pull', '--project-dir', bad, ...credFlags('wrong')], bad);
    assert.equal(mine.code, 1);
    assert.match(mine.stderr, /secret-demo version 0\.1\.0 \(priv\/helm-chart\.yaml\).*401/);
    assert.notEqual((await kluctl(['helm-pull', '--project-dir', copy(bad), ...credFlags('wrong')], bad)).code, 0);
  });

  it('pulls over HTTPS with --helm-ca-file or --helm-insecure-skip-tls-verify, and names a TLS failure', async () => {
    const tlsHost = `127.0.0.1:${repo.httpsPort}`;
    const dir = () =>
      tempTree('helm-pull-tls-', {
        '.kluctl.yaml': 'targets:\n  - name: test\n',
        'deployment.yaml': 'deployments:\n  - path: pub\n',
        'pub/helm-chart.yaml': chartFile(repo.url('public', true), 'demo', '1.0.0', 'pub'),
      });
    const untrusted = dir();
    const r1 = await ours(['helm-pull', '--project-dir', untrusted], untrusted);
    assert.equal(r1.code, 1);
    assert.match(r1.stderr, /demo version 1\.0\.0 \(pub\/helm-chart\.yaml\).*TLS failure.*--helm-ca-file/);

    const a = dir();
    const b = copy(a);
    const withCa = await ours(
      ['helm-pull', '--project-dir', a, '--helm-ca-file', `${tlsHost}=${repo.certs.caCert}`],
      a,
    );
    assert.equal(withCa.code, 0, withCa.stderr);
    const theirs = await kluctl(
      ['helm-pull', '--project-dir', b, '--helm-ca-file', `${tlsHost}=${repo.certs.caCert}`],
      b,
    );
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.deepEqual(tree(path.join(a, '.helm-charts')), tree(path.join(b, '.helm-charts')));
    assert.ok(
      Object.keys(tree(path.join(a, '.helm-charts'))).some((f) =>
        f.startsWith(`https_${repo.httpsPort}_127.0.0.1/public/demo/1.0.0/`),
      ),
    );

    const insecure = dir();
    const r3 = await ours(
      ['helm-pull', '--project-dir', insecure, '--helm-insecure-skip-tls-verify', tlsHost],
      insecure,
    );
    assert.equal(r3.code, 0, r3.stderr);
  });

  it('helm-update finds a newer version like kluctl; --upgrade rewrites helm-chart.yaml as kluctl does; --commit commits', async () => {
    const a = project();
    git(a, 'init', '--quiet', '--initial-branch=main');
    configureIdentity(a);
    assert.equal((await ours(['helm-pull', '--project-dir', a, ...credFlags()], a)).code, 0);
    git(a, 'add', '-A');
    git(a, 'commit', '--quiet', '-m', 'initial');
    repo.addChart('public', 'demo', '1.1.0');
    repo.addChart('public', 'demo', '2.0.0-rc.1');

    const b = copy(a);
    const check = await ours(['helm-update', '--project-dir', a, ...credFlags()], a);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stderr, /pub: Chart demo has new version 1\.1\.0 available/);
    assert.doesNotMatch(check.stderr, /secret-demo has new version/);
    const kcheck = await kluctl(['helm-update', '--project-dir', b, ...credFlags()], b);
    assert.equal(kcheck.code, 0, kcheck.stderr);
    assert.match(kcheck.stderr, /pub: Chart demo has new version 1\.1\.0 available/);
    assert.equal(git(a, 'status', '--porcelain'), '', 'without --upgrade nothing changes');

    const up = await ours(['helm-update', '--project-dir', a, '--upgrade', ...credFlags()], a);
    assert.equal(up.code, 0, up.stderr);
    const kup = await kluctl(['helm-update', '--project-dir', b, '--upgrade', ...credFlags()], b);
    assert.equal(kup.code, 0, kup.stderr);
    assert.equal(
      fs.readFileSync(path.join(a, 'pub/helm-chart.yaml'), 'utf8'),
      fs.readFileSync(path.join(b, 'pub/helm-chart.yaml'), 'utf8'),
    );
    assert.match(fs.readFileSync(path.join(a, 'pub/helm-chart.yaml'), 'utf8'), /chartVersion: 1\.1\.0/);
    assert.deepEqual(tree(path.join(a, '.helm-charts')), tree(path.join(b, '.helm-charts')));
    assert.ok(
      !Object.keys(tree(path.join(a, '.helm-charts'))).some((f) => f.includes('/demo/1.0.0/')),
      'the old version is removed',
    );

    // --commit from the committed state: one commit with kluctl's message, the worktree clean afterwards.
    const c = project();
    git(c, 'init', '--quiet', '--initial-branch=main');
    configureIdentity(c);
    assert.equal((await ours(['helm-pull', '--project-dir', c, ...credFlags()], c)).code, 0);
    git(c, 'add', '-A');
    git(c, 'commit', '--quiet', '-m', 'initial');
    const commit = await ours(['helm-update', '--project-dir', c, '--upgrade', '--commit', ...credFlags()], c);
    assert.equal(commit.code, 0, commit.stderr);
    assert.equal(
      git(c, 'log', '-1', '--format=%s').trim(),
      'Updated helm chart demo from version 1.0.0 to version 1.1.0',
    );
    assert.equal(git(c, 'status', '--porcelain'), '');
    assert.deepEqual(
      git(c, 'show', '--name-status', '--no-renames', '--format=', 'HEAD')
        .trim()
        .split('\n')
        .map((l) => l.replace(/http_\d+_/, 'http_P_'))
        .sort(),
      [
        'A\t.helm-charts/http_P_127.0.0.1/public/demo/1.1.0/Chart.yaml',
        'A\t.helm-charts/http_P_127.0.0.1/public/demo/1.1.0/templates/_helpers.tpl',
        'A\t.helm-charts/http_P_127.0.0.1/public/demo/1.1.0/templates/configmap.yaml',
        'A\t.helm-charts/http_P_127.0.0.1/public/demo/1.1.0/values.yaml',
        'D\t.helm-charts/http_P_127.0.0.1/public/demo/1.0.0/Chart.yaml',
        'D\t.helm-charts/http_P_127.0.0.1/public/demo/1.0.0/templates/_helpers.tpl',
        'D\t.helm-charts/http_P_127.0.0.1/public/demo/1.0.0/templates/configmap.yaml',
        'D\t.helm-charts/http_P_127.0.0.1/public/demo/1.0.0/values.yaml',
        'M\tpub/helm-chart.yaml',
      ].sort(),
    );

    fs.writeFileSync(path.join(c, 'dirty.txt'), 'x');
    git(c, 'add', 'dirty.txt');
    const dirty = await ours(['helm-update', '--project-dir', c, '--upgrade', '--commit', ...credFlags()], c);
    assert.equal(dirty.code, 1);
    assert.match(dirty.stderr, /--commit can only be used when the git worktree is unmodified/);
  });

  it('helm-update honours updateConstraints (pre-releases only when named) and skipUpdate as kluctl does', async () => {
    // Runs after the test above added demo 1.1.0 and 2.0.0-rc.1 (mocha runs a file's tests in order).
    const a = tempTree('helm-update-constraints-', {
      '.kluctl.yaml': 'targets:\n  - name: test\n',
      'deployment.yaml': 'deployments:\n  - path: pre\n  - path: tilde\n  - path: skip\n',
      'pre/helm-chart.yaml': chartFile(
        repo.url('public'),
        'demo',
        '1.0.0',
        'pre',
        "  updateConstraints: '>=1.0.0-0'\n",
      ),
      'tilde/helm-chart.yaml': chartFile(
        repo.url('public'),
        'demo',
        '1.0.0',
        'tilde',
        "  updateConstraints: '~1.0.0'\n",
      ),
      'skip/helm-chart.yaml': chartFile(repo.url('public'), 'demo', '1.0.0', 'skip', '  skipUpdate: true\n'),
    });
    git(a, 'init', '--quiet', '--initial-branch=main');
    configureIdentity(a);
    const b = copy(a);
    const lines = (stderr: string) =>
      stderr
        .split('\n')
        .filter((l) => /has new version|Skipped update|Updated Chart version/.test(l))
        .sort();
    const mine = await ours(['helm-update', '--project-dir', a, '--upgrade'], a);
    assert.equal(mine.code, 0, mine.stderr);
    const theirs = await kluctl(['helm-update', '--project-dir', b, '--upgrade'], b);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.deepEqual(lines(mine.stderr), lines(theirs.stderr));
    assert.deepEqual(lines(mine.stderr), [
      'pre: Chart demo has new version 2.0.0-rc.1 available',
      'pre: Updated Chart version to 2.0.0-rc.1',
      'skip: Skipped update to version 1.1.0',
    ]);
    for (const f of ['pre/helm-chart.yaml', 'tilde/helm-chart.yaml', 'skip/helm-chart.yaml'])
      assert.equal(fs.readFileSync(path.join(a, f), 'utf8'), fs.readFileSync(path.join(b, f), 'utf8'), f);
    assert.deepEqual(tree(path.join(a, '.helm-charts')), tree(path.join(b, '.helm-charts')));
  });
});
