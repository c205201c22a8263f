import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gitEnv } from '../../../src/util/git-command.js';
import { GitRepoCache } from '../../../src/engine/git/repo-cache.js';
import { releaseNameProblem } from '../../../src/engine/helm/helm-chart.js';
import { confineBinaryBuild } from '../../../src/engine/kustomize/confine.js';
import { FileLoader } from '../../../src/engine/kustomize/file-loader.js';
import { secureJoin } from '../../../src/engine/project/paths.js';
import { renderProject } from '../../../src/engine/render/render-project.js';
import { runProcess } from '../../../src/util/run-process.js';
import { tempTree } from '../../harness/files.js';

/**
 * Hostile projects must not run anything: option-like Git URLs (includes, git vars, gitFiles, Git Helm charts),
 * `ext::` URLs, option-like commits and Helm release names, kustomize binary builds reaching outside the project,
 * symlinks out of the project. Each ends within 30 s with a one-line error naming the file, and the marker file
 * that the injected command would create never appears.
 */
describe('engine: hostile input never runs a command', function () {
  this.timeout(30_000);

  let tmp: string;
  let marker: string;
  let fakeHelm: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-exec-'));
    marker = path.join(tmp, 'marker');
    // A "helm" that would leave the marker if it were ever started.
    fakeHelm = path.join(tmp, 'helm');
    fs.writeFileSync(fakeHelm, `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const render = (files: Record<string, string>) => {
    const dir = tempTree('hostile-project-', files);
    return {
      dir,
      run: () =>
        renderProject({ projectDir: dir, offline: true, helmBinary: fakeHelm }).finally(() =>
          fs.rmSync(dir, { recursive: true, force: true }),
        ),
    };
  };

  /** Rejects with one line that names `file` and matches `pattern`; the marker is not there. */
  async function refused(run: () => Promise<unknown>, file: RegExp, pattern: RegExp): Promise<void> {
    const started = Date.now();
    await assert.rejects(run(), (error: Error) => {
      assert.equal(error.message.includes('\n'), false, `one line: ${error.message}`);
      assert.match(error.message, file);
      assert.match(error.message, pattern);
      return true;
    });
    assert.ok(Date.now() - started < 30_000);
    assert.equal(fs.existsSync(marker), false, 'the injected command ran');
  }

  const inject = () => `--upload-pack=touch ${marker}`;

  it('a Git include URL that is an option (object and string form)', async () => {
    for (const git of [`{url: "${inject()}"}`, `"${inject()}"`, `{url: "--exec=touch ${marker}"}`]) {
      const p = render({ 'deployment.yaml': `deployments:\n  - git: ${git}\n` });
      await refused(p.run, /deployment\.yaml: git include --/, /invalid git URL '--.*': it must not start with '-'/);
    }
  });

  it('a git vars URL and a gitFiles URL that are options', async () => {
    const git = render({
      'deployment.yaml': `vars:\n  - git:\n      url: "${inject()}"\n      path: v.yaml\ndeployments: []\n`,
    });
    await refused(git.run, /deployment\.yaml: vars source git --upload-pack/, /invalid git URL/);
    const gitFiles = render({
      'deployment.yaml': `vars:\n  - gitFiles:\n      url: "${inject()}"\n    targetPath: f\ndeployments: []\n`,
    });
    await refused(gitFiles.run, /deployment\.yaml: vars source gitFiles --upload-pack/, /invalid git URL/);
  });

  it('a Git Helm chart URL that is an option', async () => {
    const p = render({
      'deployment.yaml': 'deployments:\n  - path: app\n',
      'app/helm-chart.yaml': `helmChart:\n  git:\n    url: "${inject()}"\n  releaseName: rel\n  skipPrePull: true\n`,
    });
    await refused(p.run, /app\/helm-chart\.yaml: git Helm chart --upload-pack/, /invalid git URL/);
  });

  it('a helm-chart.yaml releaseName that is a flag never reaches helm; release names are checked as Helm does', async () => {
    for (const name of ['--post-renderer=/bin/sh', '-x', 'Upper_Case', 'a'.repeat(54)]) {
      const p = render({
        'deployment.yaml': 'deployments:\n  - path: app\n',
        'app/helm-chart.yaml': `helmChart:\n  path: chart\n  releaseName: "${name}"\n`,
        'app/chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.0.0\n',
      });
      await refused(
        p.run,
        /app\/helm-chart\.yaml: helmChart\.releaseName: release name "/,
        /invalid release name, must match regex/,
      );
    }
    const outsideChart = render({
      'deployment.yaml': 'deployments:\n  - path: app\n',
      'app/helm-chart.yaml': `helmChart:\n  path: ../../${path.basename(tmp)}/chart\n  releaseName: rel\n`,
    });
    fs.mkdirSync(path.join(tmp, 'chart'));
    fs.writeFileSync(path.join(tmp, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 1.0.0\n');
    await refused(outsideChart.run, /app\/helm-chart\.yaml: /, /local chart .* is not inside the project/);
    for (const ok of ['rel', 'my-release', 'a.b-c', 'x1', 'a'.repeat(53)])
      assert.equal(releaseNameProblem(ok), undefined);
  });

  it('an ext:: URL (which git would run as a command) and an option-like commit are refused', async () => {
    const p = render({ 'deployment.yaml': `deployments:\n  - git: {url: "ext::sh -c touch% ${marker}"}\n` });
    await refused(p.run, /deployment\.yaml: git include ext::/, /transport 'ext' not allowed/);
    const cache = new GitRepoCache(path.join(tmp, 'cache'));
    await assert.rejects(cache.checkoutCommit('/some/repo', `--output=${marker}`), /invalid commit '--output=/);
    await assert.rejects(cache.repoInfo(`-u touch ${marker}`), /invalid git URL '-u touch/);
    assert.equal(fs.existsSync(marker), false);
  });

  it("git runs without prompts: ssh in BatchMode (keeping the user's ssh command), no terminal prompt, no GIT_DIR", () => {
    const base = { PATH: '/bin', GIT_DIR: '/x', GIT_WORK_TREE: '/y', GIT_EDITOR: 'vi' };
    assert.deepEqual(gitEnv(base), {
      PATH: '/bin',
      GIT_TERMINAL_PROMPT: '0',
      GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    });
    assert.equal(gitEnv({ GIT_SSH_COMMAND: 'ssh -i k' }).GIT_SSH_COMMAND, 'ssh -i k -o BatchMode=yes');
    assert.equal(gitEnv({}, 'ssh -F cfg').GIT_SSH_COMMAND, 'ssh -F cfg -o BatchMode=yes');
    assert.equal(gitEnv({ GIT_SSH: '/my/ssh' }).GIT_SSH_COMMAND, undefined);
  });

  it('git gives up on a server that never answers (timeout), instead of hanging', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/repo.git`;
      const started = Date.now();
      await assert.rejects(new GitRepoCache(path.join(tmp, 'cache'), 1500).repoInfo(url), /git ls-remote timed out/);
      assert.ok(Date.now() - started < 10_000);
    } finally {
      sockets.forEach((s) => s.destroy());
      server.close();
    }
  });

  it('a process group is killed on abort and on timeout (children included)', async () => {
    const script = `sleep 60 & echo $! > ${tmp}/child; wait`;
    const controller = new AbortController();
    const run = runProcess('sh', ['-c', script], { signal: controller.signal });
    const deadline = Date.now() + 5000;
    while (!fs.existsSync(`${tmp}/child`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await assert.rejects(run, { name: 'AbortError' });
    const gone = (pid: number) => {
      try {
        process.kill(pid, 0);
      } catch {
        return true;
      }
      return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    };
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(gone(Number(fs.readFileSync(`${tmp}/child`, 'utf8'))));
    await assert.rejects(runProcess('sleep', ['60'], { timeoutMs: 300 }), /did not finish within 300ms/);
  });

  it('a kustomize binary build is confined to the project like the native builder', () => {
    const root = path.join(tmp, 'root');
    fs.mkdirSync(path.join(root, 'app'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'outside.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    fs.symlinkSync('/etc/hostname', path.join(root, 'app', 'link.yaml'));
    const k = (body: string) => fs.writeFileSync(path.join(root, 'app', 'kustomization.yaml'), body);
    const check = () => confineBinaryBuild(path.join(root, 'app'), new FileLoader(root));
    k('resources:\n  - ../../outside.yaml\n');
    assert.throws(check, /app\/kustomization\.yaml:2: '\.\.\/\.\.\/outside\.yaml' is outside of the root/);
    k('resources:\n  - link.yaml\n');
    assert.throws(check, /'link\.yaml' is outside of the root/);
    k('configMapGenerator:\n  - name: c\n    files:\n      - k=/etc/passwd\n');
    assert.throws(check, /'\/etc\/passwd' is outside of the root/);
    k('resources:\n  - github.com/org/repo//dir?ref=main\n');
    assert.throws(check, /remote resource 'github\.com\/org\/repo/);
    k('helmCharts:\n  - name: x\n');
    assert.throws(check, /'helmCharts' is not supported/);
    fs.mkdirSync(path.join(root, 'base'));
    fs.writeFileSync(path.join(root, 'base', 'kustomization.yaml'), 'resources:\n  - ../../outside.yaml\n');
    k('resources:\n  - ../base\n');
    assert.throws(check, /base\/kustomization\.yaml:2: '\.\.\/\.\.\/outside\.yaml' is outside/);
    fs.writeFileSync(path.join(root, 'base', 'kustomization.yaml'), 'resources:\n  - cm.yaml\n');
    assert.doesNotThrow(check); // `../base` inside the project stays allowed, as with Kluctl
  });

  it('symlinks resolve inside the project root (securejoin), and an item or vars file linked outside is refused', async () => {
    const root = path.join(tmp, 'p');
    fs.mkdirSync(path.join(root, 'real'), { recursive: true });
    fs.symlinkSync('/etc', path.join(root, 'abs'));
    fs.symlinkSync('../../..', path.join(root, 'up'));
    fs.symlinkSync('real', path.join(root, 'rel'));
    assert.equal(secureJoin(root, 'abs/hostname'), path.join(root, 'etc', 'hostname'));
    assert.equal(secureJoin(root, 'up/x'), path.join(root, 'x'));
    assert.equal(secureJoin(root, 'rel/y'), path.join(root, 'real', 'y'));
    assert.equal(secureJoin(root, '../../z'), path.join(root, 'z'));

    const outside = fs.mkdtempSync(path.join(tmp, 'outside-'));
    fs.writeFileSync(path.join(outside, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leaked\n');
    fs.writeFileSync(path.join(outside, 'vars.yaml'), 'secret: leaked\n');
    const p = render({ 'deployment.yaml': 'deployments:\n  - path: app\n' });
    fs.symlinkSync(outside, path.join(p.dir, 'app'));
    await refused(
      p.run,
      /deployment\.yaml: /,
      /deployment directory does not exist: app$/, // kluctl v2.22.1's words for it
    );
    // A `..` path whose securejoin namesake exists inside: kluctl would render the dir outside; refused here.
    const namesake = render({
      'deployment.yaml': `deployments:\n  - path: ../${path.basename(outside)}\n`,
      [`${path.basename(outside)}/cm.yaml`]: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inside\n',
    });
    await refused(namesake.run, /deployment\.yaml: /, /path\/include is not part of the deployment project: \.\.\//);
    // Includes: a symlink out of the project names a dir inside it, which does not exist (kluctl's message).
    const inc = render({ 'deployment.yaml': 'deployments:\n  - include: inc\n' });
    fs.writeFileSync(path.join(outside, 'deployment.yaml'), 'deployments: []\n');
    fs.symlinkSync(outside, path.join(inc.dir, 'inc'));
    await refused(inc.run, new RegExp(`${inc.dir}${outside}`), /does not exist or is not a directory/);

    const v = render({ 'deployment.yaml': 'vars:\n  - file: vars.yaml\ndeployments: []\n' });
    fs.symlinkSync(path.join(outside, 'vars.yaml'), path.join(v.dir, 'vars.yaml'));
    // kluctl v2.22.1 reads a vars file linked outside the project (measured: it renders its values); refused here on
    // purpose (README, Compatibility), with the link's target named.
    await refused(
      v.run,
      /deployment\.yaml: vars source file vars\.yaml/,
      /vars\.yaml links to .*outside-.*\/vars\.yaml, outside the project \(kluctl-ts reads no file outside the project\)$/,
    );
  });
});
