import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderProject } from '../../src/engine/render/render-project.js';
import { tempTree } from '../harness/files.js';
import { git } from '../harness/git-server.js';
import { sharedGitServer, uniqueName } from '../harness/shared.js';

/**
 * Hostile Git URLs against the real loopback Git server (issue 12): the same project renders a Git include, git vars
 * and a Git Helm chart from the server, and every hostile form of the URL (an option, `ext::`, an ssh host that is an
 * option, a local repository outside the project whose config would run a command, an option as the ref) in each of
 * the three places runs no command: the marker file never appears, and each ends with a one-line error naming the
 * project file.
 */
describe('engine: hostile Git URLs against the loopback Git server run no command', function () {
  this.timeout(180_000);

  let tmp: string;
  let marker: string;
  let good: string;
  let hostileRepo: string;
  const dirs: string[] = [];

  before(async () => {
    const gs = await sharedGitServer();
    tmp = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'hostile-git-'));
    marker = path.join(tmp, 'marker');
    const repo = uniqueName('hostile-git');
    await gs.pushTree(repo, {
      files: {
        'inc/deployment.yaml': 'deployments:\n  - path: cm\n',
        'inc/cm/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\n  namespace: default\n',
        'vars/v.yaml': 'fromGit: yes-it-is\n',
        'charts/demo/Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\n',
        'charts/demo/templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-chart\n  namespace: default\n',
      },
    });
    good = gs.url(repo);
    // A local repository outside the project whose config would run the marker command if git honoured it.
    hostileRepo = path.join(tmp, 'outside-repo');
    fs.mkdirSync(hostileRepo);
    git(hostileRepo, 'init', '--quiet', '--initial-branch=main');
    git(hostileRepo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '--allow-empty', '-m', 'x');
    for (const [k, v] of [
      ['core.fsmonitor', `touch ${marker}`],
      ['uploadpack.packObjectsHook', `touch ${marker}`],
      ['core.sshCommand', `touch ${marker}`],
      ['core.hooksPath', path.join(tmp, 'hooks')],
    ])
      git(hostileRepo, 'config', k, v);
    fs.mkdirSync(path.join(tmp, 'hooks'));
    for (const hook of ['post-checkout', 'pre-upload-pack', 'reference-transaction'])
      fs.writeFileSync(path.join(tmp, 'hooks', hook), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
  });
  after(() => {
    for (const d of [...dirs, tmp]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  const project = (files: Record<string, string>): string => {
    const dir = tempTree('hostile-git-project-', files);
    dirs.push(dir);
    return dir;
  };

  /** The three places a Git URL goes, with `url` and an optional ref (YAML flow mapping text). */
  const places = (url: string, ref = '') => ({
    include: {
      files: { 'deployment.yaml': `deployments:\n  - git: {url: ${JSON.stringify(url)}, subDir: inc${ref}}\n` },
      file: /deployment\.yaml: git include /,
    },
    vars: {
      files: {
        'deployment.yaml': `vars:\n  - git: {url: ${JSON.stringify(url)}, path: vars/v.yaml${ref}}\ndeployments:\n  - path: app\n`,
        'app/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: default\ndata:\n  v: "{{ fromGit }}"\n',
      },
      file: /deployment\.yaml: vars source git /,
    },
    chart: {
      files: {
        'deployment.yaml': 'deployments:\n  - path: app\n',
        'app/helm-chart.yaml': `helmChart:\n  git: {url: ${JSON.stringify(url)}, subDir: charts/demo${ref}}\n  releaseName: rel\n  skipPrePull: true\n`,
      },
      file: /app\/helm-chart\.yaml: /,
    },
  });

  const render = async (dir: string) => {
    const { testBinaries } = await import('../harness/paths.js');
    return renderProject({ projectDir: dir, offline: true, helmBinary: testBinaries('helm').helm });
  };

  it('the loopback server itself works: include, git vars and Git Helm chart render from it', async () => {
    const p = places(good);
    assert.deepEqual(
      (await render(project(p.include.files))).objects.map((o) => o.metadata.name),
      ['from-git'],
    );
    const vars = await render(project(p.vars.files));
    assert.equal((vars.objects[0] as { data?: Record<string, string> }).data?.v, 'yes-it-is');
    assert.deepEqual(
      (await render(project(p.chart.files))).objects.map((o) => o.metadata.name),
      ['rel-chart'],
    );
  });

  const hostile = (): Array<[string, string, string]> => [
    ['an option as URL', `--upload-pack=touch ${marker}`, ''],
    ['an -u option as URL', `-u touch ${marker}`, ''],
    ['an ext:: transport', `ext::sh -c touch% ${marker}`, ''],
    ['an ssh host that is an option', `ssh://-oProxyCommand=touch%20${marker}/repo.git`, ''],
    ['a local repository outside the project with a hostile config', `file://${hostileRepo}`, ''],
    ['a local path outside the project with a hostile config', hostileRepo, ''],
    ['an option as the branch', good, `, ref: {branch: "--upload-pack=touch ${marker}"}`],
    ['an option as the tag', good, `, ref: {tag: "--output=${marker}"}`],
    ['an option as the commit', good, `, ref: {commit: "--output=${marker}"}`],
  ];

  for (const place of ['include', 'vars', 'chart'] as const) {
    it(`${place}: every hostile URL or ref ends with a one-line error naming the file, and nothing runs`, async () => {
      for (const [what, url, ref] of hostile()) {
        const p = places(url, ref)[place];
        const started = Date.now();
        let outcome: string;
        try {
          const r = await render(project(p.files));
          outcome = `rendered ${r.objects.length} objects`;
        } catch (e) {
          outcome = (e as Error).message;
        }
        assert.equal(fs.existsSync(marker), false, `${place}, ${what}: the injected command ran (${outcome})`);
        assert.ok(Date.now() - started < 30_000, `${place}, ${what}: took ${Date.now() - started} ms`);
        assert.ok(!outcome.startsWith('rendered'), `${place}, ${what}: expected an error, got: ${outcome}`);
        assert.ok(!outcome.includes('\n'), `${place}, ${what}: one line: ${outcome}`);
        assert.match(outcome, p.file, `${place}, ${what}: ${outcome}`);
      }
    });
  }
});
