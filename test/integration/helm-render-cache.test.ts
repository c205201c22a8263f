import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helmTemplateWasm } from '../../src/engine/helm/helm-wasm.js';
import { HelmRenderCache } from '../../src/engine/helm/render-cache.js';
import { RenderCache } from '../../src/engine/render/incremental.js';
import { printAll } from '../../src/engine/render/print.js';
import { renderProject } from '../../src/engine/render/render-project.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { saveEnv } from '../harness/env.js';
import { writeFiles } from '../harness/files.js';
import { useHelmWasm } from '../harness/helm-wasm.js';
import { testBinaries } from '../harness/paths.js';

/**
 * Renders of the bundled Helm reused across processes (src/engine/helm/render-cache.ts), with the real module: the
 * module reports the volatile functions a render called (at run time), a pure render is stored and reused, and
 * what must not be stored is not (volatile renders, Secrets, SOPS-decrypted values; real sops and age).
 */
describe('helm render cache: renders reused across processes @integration', function () {
  this.timeout(300_000);
  let tmp: string;
  let moduleFile: string;
  let cacheDir: string;
  const restoreEnv = saveEnv('KLUCTL_TS_CACHE_DIR', 'KLUCTL_TS_HELM_RENDER_CACHE');

  before(() => {
    moduleFile = useHelmWasm();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-render-cache-'));
  });

  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(tmp, 'cache-'));
    process.env.KLUCTL_TS_CACHE_DIR = cacheDir;
    delete process.env.KLUCTL_TS_HELM_RENDER_CACHE;
  });

  after(() => {
    restoreEnv();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const entries = () => {
    const dir = path.join(cacheDir, 'helm-renders');
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };

  /** A project with one chart item `app` whose template is `template`. */
  function project(name: string, template: string, values = 'greeting: hello\n', extra: Record<string, string> = {}) {
    const dir = path.join(tmp, name);
    writeFiles(dir, {
      '.kluctl.yaml': 'targets:\n  - name: t\n',
      'deployment.yaml': 'deployments:\n  - path: app\n',
      'app/helm-chart.yaml': 'helmChart:\n  path: ./chart\n  releaseName: rel\n  namespace: ns\n',
      'app/helm-values.yaml': values,
      'app/chart/Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\n',
      'app/chart/values.yaml': 'greeting: default\n',
      'app/chart/templates/t.yaml': template,
      ...extra,
    });
    return dir;
  }
  const render = async (dir: string, env?: NodeJS.ProcessEnv) =>
    (await renderProject({ projectDir: dir, target: 't', offline: true, env })).objects as Array<
      KubeObject & { data?: Record<string, string> }
    >;
  const CONFIGMAP =
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  greeting: {{ .Values.greeting | quote }}\n';

  it('the module reports the volatile functions a render called, not those in a branch it did not take', async () => {
    const volatile = async (name: string, template: string) => {
      const chartDir = path.join(tmp, 'volatile', name);
      writeFiles(chartDir, {
        'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\n',
        'templates/t.yaml': template,
      });
      return (await helmTemplateWasm({ chartDir, releaseName: 'rel', namespace: 'ns', includeCRDs: true })).volatile;
    };
    const cm = (value: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  v: {{ ${value} | quote }}\n`;
    assert.deepEqual(await volatile('pure', `${cm('"x"')}{{ if false }}{{ now }}{{ randAlphaNum 3 }}{{ end }}\n`), []);
    assert.deepEqual(await volatile('rand', cm('randAlphaNum 8')), ['randAlphaNum']);
    assert.deepEqual(await volatile('date', cm('date "2006" now')), ['date', 'now']);
    assert.deepEqual(await volatile('uuid', cm('uuidv4')), ['uuidv4']);
    assert.deepEqual(await volatile('ca', cm('(genCA "ca" 365).Cert')), ['genCA']);
    assert.deepEqual(await volatile('tpl', cm('tpl "{{ randNumeric 4 }}" .')), ['randNumeric']);
  });

  it('a pure render is stored encrypted and reused by the next render; any changed input renders again', async () => {
    const dir = project('pure', CONFIGMAP);
    const first = await render(dir);
    assert.equal(first.find((o) => o.metadata.name === 'cm')?.data?.greeting, 'hello');
    assert.equal(entries().length, 1);
    const stored = fs.readFileSync(path.join(cacheDir, 'helm-renders', entries()[0]), 'latin1');
    assert.doesNotMatch(stored, /greeting|hello|ConfigMap/);

    // The entry is the one of this chart, release and values: another manifest stored under that key is what the
    // next render returns, which proves that it came from the cache and not from Helm.
    const cache = new HelmRenderCache(path.join(cacheDir, 'helm-renders'));
    const key = cache.key(
      {
        chartDir: path.join(dir, 'app', 'chart'),
        releaseName: 'rel',
        namespace: 'ns',
        includeCRDs: true,
        values: 'greeting: hello\n',
      },
      moduleFile,
    )!;
    assert.deepEqual(entries(), [key.name]);
    cache.put(key, CONFIGMAP.replace('{{ .Values.greeting | quote }}', 'from-the-cache'));
    const second = await render(dir);
    assert.equal(second.find((o) => o.metadata.name === 'cm')?.data?.greeting, 'from-the-cache');

    // New values, a changed template: rendered again (and stored too).
    fs.writeFileSync(path.join(dir, 'app', 'helm-values.yaml'), 'greeting: changed\n');
    assert.equal((await render(dir)).find((o) => o.metadata.name === 'cm')?.data?.greeting, 'changed');
    fs.writeFileSync(path.join(dir, 'app', 'chart', 'templates', 't.yaml'), CONFIGMAP.replace('name: cm', 'name: cm2'));
    assert.equal((await render(dir)).find((o) => o.metadata.name === 'cm2')?.data?.greeting, 'changed');
    assert.equal(entries().length, 3);

    // Turned off: nothing read, nothing stored.
    fs.rmSync(path.join(cacheDir, 'helm-renders'), { recursive: true });
    process.env.KLUCTL_TS_HELM_RENDER_CACHE = '0';
    await render(dir);
    assert.deepEqual(entries(), []);
  });

  it('the warm API (RenderCache) renders an item again when its chart changed outside it, reused Helm render or not', async () => {
    const dir = path.join(tmp, 'warm');
    writeFiles(dir, {
      '.kluctl.yaml': 'targets:\n  - name: t\n',
      'deployment.yaml': 'deployments:\n  - path: app\n  - path: other\n',
      'app/helm-chart.yaml': 'helmChart:\n  path: ../charts/demo\n  releaseName: rel\n  namespace: ns\n',
      'charts/demo/Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\n',
      'charts/demo/templates/t.yaml': CONFIGMAP.replace('{{ .Values.greeting | quote }}', 'one'),
      'charts/demo/values.yaml': 'greeting: x\n',
      'other/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  a: "1"\n',
    });
    const cache = new RenderCache();
    const warm = async () =>
      printAll((await renderProject({ projectDir: dir, target: 't', offline: true, cache })).objects);
    const full = async () => printAll((await renderProject({ projectDir: dir, target: 't', offline: true })).objects);
    await warm();
    // Twice: the second warm render lets the quick check of reused builds take over where it may.
    assert.equal(await warm(), await full());
    for (const value of ['two', 'three']) {
      fs.writeFileSync(
        path.join(dir, 'charts', 'demo', 'templates', 't.yaml'),
        CONFIGMAP.replace('{{ .Values.greeting | quote }}', value),
      );
      const out = await warm();
      assert.match(out, new RegExp(`greeting: ${value}`));
      assert.equal(out, await full());
    }
    assert.ok(cache.stats.buildsQuick > 0, 'the item without a chart was reused by the quick check');
  });

  it('a volatile render is never stored: each render makes its own value, as every kluctl run does', async () => {
    const dir = project(
      'volatile',
      CONFIGMAP.replace('{{ .Values.greeting | quote }}', '{{ randAlphaNum 16 | quote }}'),
    );
    const a = (await render(dir)).find((o) => o.metadata.name === 'cm')?.data?.greeting;
    const b = (await render(dir)).find((o) => o.metadata.name === 'cm')?.data?.greeting;
    assert.match(a ?? '', /^[0-9A-Za-z]{16}$/);
    assert.notEqual(a, b);
    assert.deepEqual(entries(), []);
  });

  it('a render holding a Secret is never stored, not even encrypted', async () => {
    const dir = project(
      'secret',
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {{ .Values.greeting | quote }}\n',
    );
    const secret = (await render(dir)).find((o) => o.kind === 'Secret') as { stringData?: Record<string, string> };
    assert.equal(secret.stringData?.password, 'hello');
    assert.deepEqual(entries(), []);
  });

  it('SOPS-decrypted values are never stored (real sops and age)', async () => {
    const bins = testBinaries('sops', 'age-keygen');
    const keyFile = path.join(tmp, 'age.txt');
    execFileSync(bins['age-keygen'], ['-o', keyFile], { stdio: 'pipe' });
    const recipient = /public key: (age1[0-9a-z]+)/.exec(fs.readFileSync(keyFile, 'utf8'))![1];
    const dir = project('sops', CONFIGMAP, 'greeting: from-sops\n');
    execFileSync(bins.sops, ['-e', '-i', '--age', recipient, 'app/helm-values.yaml'], {
      cwd: dir,
      stdio: 'pipe',
      env: { PATH: process.env.PATH, HOME: tmp },
    });
    assert.match(fs.readFileSync(path.join(dir, 'app', 'helm-values.yaml'), 'utf8'), /ENC\[AES256_GCM/);
    const objs = await render(dir, { SOPS_AGE_KEY_FILE: keyFile, HOME: tmp });
    assert.equal(objs.find((o) => o.metadata.name === 'cm')?.data?.greeting, 'from-sops');
    assert.deepEqual(entries(), []);
  });
});
