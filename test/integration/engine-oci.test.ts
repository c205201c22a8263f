import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runRender } from '../../src/cli/render.js';
import { runCli } from '../../src/cli/run.js';
import { OciError, RegistryClient } from '../../src/engine/oci/client.js';
import { RegistryCredentials } from '../../src/engine/oci/credentials.js';
import { listOciChartVersions, pullOciChart } from '../../src/engine/oci/helm-chart.js';
import { captureCli, type CliRun } from '../harness/cli.js';
import { writeFiles } from '../harness/files.js';
import { runKluctl } from '../harness/kluctl.js';
import { testBinaries } from '../harness/paths.js';
import { TestRegistry } from '../harness/registry.js';

/**
 * OCI includes and Helm OCI charts against the real peers: the distribution v3 registry (TLS from a test CA,
 * htpasswd basic auth) on 127.0.0.1, artifacts pushed by the real kluctl v2.22.1 (`kluctl oci push`) and charts by
 * the real helm (`helm push` after `helm registry login`). A project including the artifact renders with the real
 * kluctl and with kluctl-ts, and the outputs must be the same text; wrong credentials, a missing tag, a missing CA
 * fail with clear errors in both.
 */
describe('engine OCI: includes and Helm charts against a real registry @integration @conformance', function () {
  this.timeout(300_000);
  let tmp: string;
  let registry: TestRegistry;
  let bins: Record<'helm' | 'kustomize', string>;
  /** Env of every run: no Docker config or Helm login of the user. */
  let baseEnv: Record<string, string>;
  let digest: string;
  const saved = {
    cache: process.env.KLUCTL_TS_CACHE_DIR,
    helm: process.env.KLUCTL_HELM_BINARY,
    kustomize: process.env.KLUCTL_KUSTOMIZE_BINARY,
  };

  const git = (cwd: string, ...args: string[]): void => {
    execFileSync('git', args, { cwd, stdio: 'pipe', env: { ...process.env, ...baseEnv } });
  };

  before(async function () {
    bins = testBinaries('helm', 'kustomize');
    testBinaries('kluctl', 'registry');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-'));
    process.env.KLUCTL_TS_CACHE_DIR = path.join(tmp, 'ts-cache');
    process.env.KLUCTL_HELM_BINARY = bins.helm;
    process.env.KLUCTL_KUSTOMIZE_BINARY = bins.kustomize;
    registry = await TestRegistry.start(path.join(tmp, 'registry'));
    const emptyDocker = path.join(tmp, 'docker-empty');
    fs.mkdirSync(emptyDocker);
    baseEnv = {
      DOCKER_CONFIG: emptyDocker,
      HOME: path.join(tmp, 'home'),
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
    };
    fs.mkdirSync(baseEnv.HOME);

    // The included project: a library-less project whose templates see the parent's vars.
    const inc = path.join(tmp, 'included');
    writeFiles(inc, {
      'deployment.yaml': 'vars:\n  - values:\n      inner: from-artifact\ndeployments:\n  - path: cm\n',
      'cm/configmap.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: included-{{ outer }}\n  namespace: default\ndata:\n  inner: "{{ inner }}"\n  outer: "{{ outer }}"\n',
      'cm/kustomization.yaml': 'resources:\n  - configmap.yaml\n',
    });
    git(inc, 'init', '-q', '-b', 'main');
    git(inc, 'add', '.');
    git(inc, 'commit', '-qm', 'included project');
    // kluctl v2.22.1's `oci push` dereferences the origin URL for its git_info annotation (a nil pointer without one).
    git(inc, 'remote', 'add', 'origin', 'https://example.invalid/included.git');
    const pushed = await runKluctl(
      [
        'oci',
        'push',
        '--url',
        `oci://${registry.host}/projects/included:v1`,
        '--project-dir',
        inc,
        '--output',
        'json',
        ...kluctlCreds(registry.password),
      ],
      { kubeconfig: path.join(tmp, 'no-kubeconfig'), cwd: inc, env: baseEnv },
    );
    assert.equal(pushed.code, 0, `kluctl oci push failed: ${pushed.stderr}`);
    digest = (JSON.parse(pushed.stdout) as { digest: string }).digest;
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  });

  after(async function () {
    await registry?.stop();
    for (const [k, v] of Object.entries({
      KLUCTL_TS_CACHE_DIR: saved.cache,
      KLUCTL_HELM_BINARY: saved.helm,
      KLUCTL_KUSTOMIZE_BINARY: saved.kustomize,
    })) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  function kluctlCreds(password: string, withCa = true): string[] {
    return [
      `--registry-username=${registry.host}=${registry.username}`,
      `--registry-password=${registry.host}=${password}`,
      ...(withCa ? [`--registry-ca-file=${registry.host}=${registry.caFile}`] : []),
    ];
  }

  /** A root project including the artifact. */
  function rootProject(name: string, ref: string): string {
    const dir = path.join(tmp, name);
    writeFiles(dir, {
      'deployment.yaml': [
        'vars:',
        '  - values:',
        '      outer: root',
        'commonLabels:',
        '  example.com/root: yes',
        'deployments:',
        '  - oci:',
        `      url: oci://${registry.host}/projects/included`,
        `      ref: ${ref}`,
        '',
      ].join('\n'),
    });
    return dir;
  }

  async function both(dir: string, flags: string[], env: Record<string, string> = {}): Promise<[CliRun, CliRun]> {
    const args = ['--print-all', '--offline-kubernetes', '--project-dir', dir, ...flags];
    const noKubeconfig = path.join(tmp, 'no-kubeconfig');
    const kluctl = await runKluctl(['render', ...args], {
      kubeconfig: noKubeconfig,
      cwd: dir,
      env: { ...baseEnv, ...env },
    });
    const ours = await captureCli((io) =>
      runRender(args, io, { env: { ...process.env, KUBECONFIG: noKubeconfig, ...baseEnv, ...env }, cwd: dir }),
    );
    return [kluctl, ours];
  }

  it('renders an OCI include by tag like kluctl (credentials and CA from --registry-* flags)', async () => {
    const [kluctl, ours] = await both(rootProject('by-tag', '{tag: v1}'), kluctlCreds(registry.password));
    assert.equal(kluctl.code, 0, `kluctl failed: ${kluctl.stderr}`);
    assert.equal(ours.code, 0, `kluctl-ts failed: ${ours.stderr}`);
    assert.match(ours.stdout, /name: included-root/);
    assert.match(ours.stdout, /inner: from-artifact/);
    assert.equal(ours.stdout, kluctl.stdout, 'rendered text differs');
  });

  it('renders an OCI include by digest like kluctl (credentials and CA from KLUCTL_REGISTRY_*)', async () => {
    const env = {
      KLUCTL_REGISTRY_HOST: registry.host,
      KLUCTL_REGISTRY_USERNAME: registry.username,
      KLUCTL_REGISTRY_PASSWORD: registry.password,
      KLUCTL_REGISTRY_CA_FILE: registry.caFile,
    };
    const [kluctl, ours] = await both(rootProject('by-digest', `{digest: "${digest}"}`), [], env);
    assert.equal(kluctl.code, 0, `kluctl failed: ${kluctl.stderr}`);
    assert.equal(ours.code, 0, `kluctl-ts failed: ${ours.stderr}`);
    assert.equal(ours.stdout, kluctl.stdout, 'rendered text differs');
    const cached = path.join(process.env.KLUCTL_TS_CACHE_DIR!, 'oci', registry.host.replace(':', '-'), 'projects');
    assert.ok(fs.existsSync(path.join(cached, 'included', digest.replace(':', '-'), 'content', 'deployment.yaml')));
  });

  it('fails with a clear 401 on a wrong password, as kluctl fails', async () => {
    const dir = rootProject('wrong-password', '{tag: v1}');
    const [kluctl, ours] = await both(dir, kluctlCreds('not-the-password'));
    assert.notEqual(kluctl.code, 0, 'kluctl fails too');
    assert.match(kluctl.stderr, /UNAUTHORIZED|401/);
    assert.equal(ours.code, 1);
    assert.match(
      ours.stderr,
      new RegExp(
        `deployment.yaml: oci include oci://${registry.host}/projects/included: .*401 Unauthorized: the registry refused the credentials from --registry-\\* ${registry.host} \\(wrong username or password\\?\\)`,
      ),
    );
    assert.doesNotMatch(ours.stderr, /not-the-password/);
  });

  it('fails with a clear 401 without credentials', async () => {
    const [kluctl, ours] = await both(rootProject('anonymous', '{tag: v1}'), [
      `--registry-ca-file=${registry.host}=${registry.caFile}`,
    ]);
    assert.notEqual(kluctl.code, 0);
    assert.equal(ours.code, 1);
    assert.match(ours.stderr, /401 Unauthorized: the registry refused anonymous access: credentials are needed/);
  });

  it('names a missing tag', async () => {
    const [kluctl, ours] = await both(rootProject('missing-tag', '{tag: v9}'), kluctlCreds(registry.password));
    assert.notEqual(kluctl.code, 0);
    assert.match(kluctl.stderr, /MANIFEST_UNKNOWN|manifest unknown/);
    assert.equal(ours.code, 1);
    assert.match(ours.stderr, /tag 'v9' not found in oci:\/\/127\.0\.0\.1:\d+\/projects\/included/);
  });

  it('names a TLS failure and how to pass the CA', async () => {
    const [kluctl, ours] = await both(rootProject('no-ca', '{tag: v1}'), kluctlCreds(registry.password, false));
    assert.notEqual(kluctl.code, 0);
    assert.match(kluctl.stderr, /certificate/);
    assert.equal(ours.code, 1);
    assert.match(ours.stderr, /TLS verification of https:\/\/127\.0\.0\.1:\d+ failed: .*--registry-ca-file=/);
  });

  describe('a registry with token auth (the Bearer realm flow)', () => {
    let tokenRegistry: TestRegistry;
    before(async function () {
      tokenRegistry = await TestRegistry.start(path.join(tmp, 'token-registry'), {
        auth: 'token',
        anonymousPull: true,
      });
      const pushed = await runKluctl(
        [
          'oci',
          'push',
          '--url',
          `oci://${tokenRegistry.host}/projects/included:v1`,
          '--project-dir',
          path.join(tmp, 'included'),
          `--registry-creds=${tokenRegistry.host}=${tokenRegistry.username}:${tokenRegistry.password}`,
          `--registry-ca-file=${tokenRegistry.host}=${tokenRegistry.caFile}`,
        ],
        { kubeconfig: path.join(tmp, 'no-kubeconfig'), cwd: path.join(tmp, 'included'), env: baseEnv },
      );
      assert.equal(pushed.code, 0, `kluctl oci push (token auth) failed: ${pushed.stderr}`);
    });
    after(async () => tokenRegistry?.stop());

    function project(name: string): string {
      const dir = path.join(tmp, name);
      writeFiles(dir, {
        'deployment.yaml': `vars:\n  - values:\n      outer: tok\ndeployments:\n  - oci:\n      url: oci://${tokenRegistry.host}/projects/included\n      ref: {tag: v1}\n`,
      });
      return dir;
    }

    it('renders anonymously (an anonymous token) and with credentials like kluctl', async () => {
      const ca = `--registry-ca-file=${tokenRegistry.host}=${tokenRegistry.caFile}`;
      for (const flags of [
        [ca],
        [ca, `--registry-creds=${tokenRegistry.host}/projects/*=docker:${tokenRegistry.password}`],
      ]) {
        const [kluctl, ours] = await both(project(`token-${flags.length}`), flags);
        assert.equal(kluctl.code, 0, `kluctl failed: ${kluctl.stderr}`);
        assert.equal(ours.code, 0, `kluctl-ts failed: ${ours.stderr}`);
        assert.match(ours.stdout, /name: included-tok/);
        assert.equal(ours.stdout, kluctl.stdout, 'rendered text differs');
      }
    });

    it('names the token service that refused a wrong password', async () => {
      const [kluctl, ours] = await both(project('token-wrong'), [
        `--registry-ca-file=${tokenRegistry.host}=${tokenRegistry.caFile}`,
        `--registry-creds=${tokenRegistry.host}=docker:wrong`,
      ]);
      assert.notEqual(kluctl.code, 0);
      assert.equal(ours.code, 1);
      assert.match(
        ours.stderr,
        /401 Unauthorized: the token service 127\.0\.0\.1:\d+ refused the credentials from --registry-\* 127\.0\.0\.1:\d+ \(wrong username or password\?\)/,
      );
    });
  });

  describe('Helm charts (helm push, then pulled back)', () => {
    let helmEnv: Record<string, string>;
    let packaged: Map<string, Buffer>;
    const helm = (args: string[], input?: string): string =>
      execFileSync(bins.helm, args, { env: { ...process.env, ...helmEnv }, input, stdio: 'pipe', cwd: tmp }).toString();

    before(function () {
      // helm's registry login writes a Docker config.json: the same file is then our client's Docker config.
      const dockerDir = path.join(tmp, 'helm-docker');
      fs.mkdirSync(dockerDir);
      helmEnv = {
        ...baseEnv,
        HELM_REGISTRY_CONFIG: path.join(dockerDir, 'config.json'),
        HELM_CACHE_HOME: path.join(tmp, 'helm-cache'),
        HELM_CONFIG_HOME: path.join(tmp, 'helm-config'),
        HELM_DATA_HOME: path.join(tmp, 'helm-data'),
      };
      helm(
        [
          'registry',
          'login',
          registry.host,
          '--username',
          registry.username,
          '--password-stdin',
          '--ca-file',
          registry.caFile,
        ],
        registry.password,
      );
      packaged = new Map();
      for (const version of ['0.1.0', '0.2.0+build.7']) {
        const chartDir = path.join(tmp, 'charts', version, 'mychart');
        writeFiles(chartDir, {
          'Chart.yaml': `apiVersion: v2\nname: mychart\nversion: ${version}\ntype: application\n`,
          'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
        });
        const out = path.join(tmp, 'charts', version);
        helm(['package', chartDir, '--destination', out]);
        const tgz = path.join(out, `mychart-${version}.tgz`);
        helm(['push', tgz, `oci://${registry.host}/charts`, '--ca-file', registry.caFile]);
        packaged.set(version, fs.readFileSync(tgz));
      }
    });

    const client = (env: NodeJS.ProcessEnv, flags = {}) =>
      new RegistryClient({
        credentials: new RegistryCredentials({ caFile: [`${registry.host}=${registry.caFile}`], ...flags }, env),
      });

    it('pulls a chart pushed by helm, byte for byte, with the helm login (Docker config)', async () => {
      const c = client({ ...baseEnv, DOCKER_CONFIG: path.dirname(helmEnv.HELM_REGISTRY_CONFIG) });
      for (const version of ['0.1.0', '0.2.0+build.7']) {
        const chart = await pullOciChart(c, `oci://${registry.host}/charts/mychart`, version);
        assert.ok(chart.tgz.equals(packaged.get(version)!), `${version}: the pulled .tgz is the pushed one`);
        assert.equal(chart.config.name, 'mychart');
        assert.equal(chart.config.version, version);
      }
      assert.deepEqual((await listOciChartVersions(c, `oci://${registry.host}/charts/mychart`)).sort(), [
        '0.1.0',
        '0.2.0+build.7',
      ]);
    });

    it('pulls with --registry-* credentials; a wrong password and a missing version are clear errors', async () => {
      const url = `oci://${registry.host}/charts/mychart`;
      const ok = client(baseEnv, {
        username: [`${registry.host}=docker`],
        password: [`${registry.host}=${registry.password}`],
      });
      assert.ok((await pullOciChart(ok, url, '0.1.0')).tgz.equals(packaged.get('0.1.0')!));
      await assert.rejects(
        pullOciChart(ok, url, '9.9.9'),
        (e: Error) =>
          e instanceof OciError &&
          e.kind === 'not-found' &&
          /chart .*mychart version 9\.9\.9: .*tag '9\.9\.9' not found/.test(e.message),
      );
      const wrong = client(baseEnv, { username: [`${registry.host}=docker`], password: [`${registry.host}=nope`] });
      await assert.rejects(
        pullOciChart(wrong, url, '0.1.0'),
        (e: Error) =>
          e instanceof OciError &&
          e.kind === 'unauthorized' &&
          /401 Unauthorized.*wrong username or password/.test(e.message),
      );
      const anonymous = client(baseEnv);
      await assert.rejects(pullOciChart(anonymous, url, '0.1.0'), /credentials are needed/);
    });

    // The oracle cannot be asked here: kluctl v2.22.1 pulls OCI charts through Helm's registry client, which speaks
    // plain HTTP to a registry on 127.0.0.1 ("unexpected status from HEAD request to http://127.0.0.1:…: 400"),
    // while this registry serves TLS. The layout is kluctl's BuildPulledChartDir (checked against kluctl for
    // repository charts in engine-helm-pull.test.ts), the render is Helm's (the bundled engine).
    it("an oci:// chart in helm-chart.yaml: helm-pull into kluctl's layout, helm-update --upgrade, a skipPrePull render", async () => {
      const chart = (version: string, extra = '') =>
        `helmChart:\n  repo: oci://${registry.host}/charts/mychart\n  chartVersion: ${version}\n  releaseName: rel\n  namespace: apps\n${extra}`;
      const projectDir = (name: string, helmChart: string) => {
        const dir = path.join(tmp, name);
        writeFiles(dir, {
          '.kluctl.yaml': 'targets:\n  - name: test\n',
          'deployment.yaml': 'deployments:\n  - path: app\n',
          'app/helm-chart.yaml': helmChart,
          'app/kustomization.yaml': 'resources:\n  - helm-rendered.yaml\n',
        });
        return dir;
      };
      const creds = kluctlCreds(registry.password);
      const ours = (args: string[]) => captureCli((io) => runCli(args, io, {}));
      const port = registry.host.split(':')[1];

      const a = projectDir('oci-chart-a', chart('0.1.0'));
      const pulled = await ours(['helm-pull', '--project-dir', a, ...creds]);
      assert.equal(pulled.code, 0, pulled.stderr);
      const chartDir = path.join(a, '.helm-charts', `oci_${port}_127.0.0.1`, 'charts', 'mychart', '0.1.0');
      assert.equal(
        fs.readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8'),
        'apiVersion: v2\nname: mychart\ntype: application\nversion: 0.1.0\n',
      );
      assert.ok(fs.existsSync(path.join(chartDir, 'templates', 'cm.yaml')));

      const check = await ours(['helm-update', '--project-dir', a, ...creds]);
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stderr, /Chart mychart has new version 0\.2\.0\+build\.7 available/);
      const up = await ours(['helm-update', '--project-dir', a, '--upgrade', ...creds]);
      assert.equal(up.code, 0, up.stderr);
      assert.match(fs.readFileSync(path.join(a, 'app/helm-chart.yaml'), 'utf8'), /chartVersion: 0\.2\.0\+build\.7/);
      assert.ok(fs.existsSync(path.join(path.dirname(chartDir), '0.2.0+build.7', 'Chart.yaml')));
      assert.ok(!fs.existsSync(chartDir), 'the old version is removed');

      // Without credentials (and a fresh cache: like kluctl, a chart cached less than a day ago is not asked for
      // again): a clear 401 naming the chart.
      process.env.KLUCTL_TS_CACHE_DIR = path.join(tmp, 'ts-cache-fresh');
      const b = projectDir('oci-chart-b', chart('0.1.0'));
      const denied = await ours([
        'helm-pull',
        '--project-dir',
        b,
        `--registry-ca-file=${registry.host}=${registry.caFile}`,
      ]);
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /mychart/);
      assert.match(denied.stderr, /credentials|401/);
      process.env.KLUCTL_TS_CACHE_DIR = path.join(tmp, 'ts-cache');

      // skipPrePull: pulled on demand into the cache, nothing written into the project.
      const c = projectDir('oci-chart-c', chart('0.1.0', '  skipPrePull: true\n'));
      const [, render] = await both(c, ['-t', 'test', ...creds]);
      assert.equal(render.code, 0, render.stderr);
      assert.match(render.stdout, /kind: ConfigMap\nmetadata:\n(?: {2}.*\n)* {2}name: rel\n/);
      assert.ok(!fs.existsSync(path.join(c, '.helm-charts')), 'nothing written into the project');
    });

    it('is cancellable', async () => {
      const c = client({ ...baseEnv, DOCKER_CONFIG: path.dirname(helmEnv.HELM_REGISTRY_CONFIG) });
      const abort = new AbortController();
      abort.abort();
      await assert.rejects(
        pullOciChart(c, `oci://${registry.host}/charts/mychart`, '0.1.0', { signal: abort.signal }),
        (e: Error) => e.name === 'CancelledError',
      );
    });
  });
});
