import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultHelmRenderCache, HelmRenderCache, MAX_ENTRIES } from '../../../../src/engine/helm/render-cache.js';
import type { HelmTemplateRequest } from '../../../../src/engine/helm/helm-wasm.js';
import { writeFiles } from '../../../harness/files.js';

/** The store of Helm renders (render-cache.ts): keys from every input, encrypted entries, bounded, fail-safe. */
describe('engine/helm/render-cache', () => {
  let tmp: string;
  let chartDir: string;
  let moduleFile: string;
  let cache: HelmRenderCache;
  let request: HelmTemplateRequest;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-render-cache-'));
    chartDir = path.join(tmp, 'chart');
    writeFiles(chartDir, {
      'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.0.0\n',
      'templates/cm.yaml': 'kind: ConfigMap\n',
      'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 1.0.0\n',
    });
    moduleFile = path.join(tmp, 'helm.wasm');
    fs.writeFileSync(moduleFile, 'module');
    cache = new HelmRenderCache(path.join(tmp, 'cache'));
    request = { chartDir, releaseName: 'rel', namespace: 'ns', includeCRDs: true, values: 'a: 1\n' };
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const name = (r: HelmTemplateRequest = request) => cache.key(r, moduleFile)?.name;

  it('the same inputs give the same key wherever the chart is; every input changes it', () => {
    const base = name()!;
    assert.match(base, /^[0-9a-f]{64}$/);
    const copy = path.join(tmp, 'elsewhere');
    fs.cpSync(chartDir, copy, { recursive: true });
    assert.equal(name({ ...request, chartDir: copy }), base, 'the chart’s place is not an input');
    const changed = [
      name({ ...request, values: 'a: 2\n' }),
      name({ ...request, values: undefined }),
      name({ ...request, releaseName: 'other' }),
      name({ ...request, namespace: 'other' }),
      name({ ...request, includeCRDs: false }),
      name({ ...request, kubeVersion: 'v1.30.0' }),
      name({ ...request, apiVersions: ['v1'] }),
    ];
    fs.writeFileSync(path.join(copy, 'templates', 'cm.yaml'), 'kind: Secret\n');
    changed.push(name({ ...request, chartDir: copy }));
    fs.renameSync(path.join(copy, 'templates', 'cm.yaml'), path.join(copy, 'templates', 'cm2.yaml'));
    changed.push(name({ ...request, chartDir: copy }));
    fs.writeFileSync(path.join(copy, 'charts', 'sub', 'values.yaml'), '');
    changed.push(name({ ...request, chartDir: copy }));
    fs.writeFileSync(moduleFile, 'another module');
    changed.push(name());
    assert.equal(new Set([base, ...changed]).size, changed.length + 1, 'all different');
  });

  it('a chart with a symlink, or one that cannot be read, has no key (not cached)', () => {
    fs.symlinkSync('/etc/passwd', path.join(chartDir, 'templates', 'link.yaml'));
    assert.equal(name(), undefined);
    assert.equal(name({ ...request, chartDir: path.join(tmp, 'missing') }), undefined);
    assert.equal(cache.key(request, path.join(tmp, 'no-module.wasm')), undefined);
  });

  it('put then get returns the manifest; the entry is encrypted, private to the user, and another key cannot read it', () => {
    const key = cache.key(request, moduleFile)!;
    const manifest = '---\n# Source: demo/templates/cm.yaml\nkind: ConfigMap\ndata:\n  marker: plain-text-marker\n';
    assert.equal(cache.get(key), undefined);
    cache.put(key, manifest);
    assert.equal(cache.get(key), manifest);
    const file = path.join(cache.dir, key.name);
    const stored = fs.readFileSync(file);
    assert.doesNotMatch(stored.toString('latin1'), /plain-text-marker|ConfigMap/);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(cache.dir).mode & 0o777, 0o700);
    // An entry under this name that the key does not decrypt (another input set) is a miss, and goes.
    const other = cache.key({ ...request, values: 'a: 2\n' }, moduleFile)!;
    fs.copyFileSync(file, path.join(cache.dir, other.name));
    assert.equal(cache.get(other), undefined);
    assert.equal(fs.existsSync(path.join(cache.dir, other.name)), false);
  });

  it('a damaged entry is a miss and is removed; a hit marks the entry as recently used', () => {
    const key = cache.key(request, moduleFile)!;
    cache.put(key, 'kind: ConfigMap\n');
    const file = path.join(cache.dir, key.name);
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(file, old, old);
    assert.equal(cache.get(key), 'kind: ConfigMap\n');
    assert.ok(fs.statSync(file).mtimeMs > old.getTime() + 1000);
    const data = fs.readFileSync(file);
    data[data.length - 1] ^= 1;
    fs.writeFileSync(file, data);
    assert.equal(cache.get(key), undefined);
    assert.equal(fs.existsSync(file), false);
    fs.writeFileSync(file, 'not an entry');
    assert.equal(cache.get(key), undefined);
    assert.equal(fs.existsSync(file), false);
  });

  it(`keeps at most ${MAX_ENTRIES} entries, dropping the least recently used`, () => {
    const keys = Array.from({ length: MAX_ENTRIES + 3 }, (_, i) =>
      cache.key({ ...request, values: `n: ${i}\n` }, moduleFile)!,
    );
    keys.slice(0, MAX_ENTRIES).forEach((key, i) => {
      cache.put(key, `n: ${i}\n`);
      const t = new Date(Date.now() - (keys.length - i) * 1000);
      fs.utimesSync(path.join(cache.dir, key.name), t, t);
    });
    // The oldest is used now: it stays; the next three oldest go as three more come.
    cache.get(keys[0]);
    for (const i of [0, 1, 2]) cache.put(keys[MAX_ENTRIES + i], `n: ${MAX_ENTRIES + i}\n`);
    assert.equal(fs.readdirSync(cache.dir).length, MAX_ENTRIES);
    assert.equal(cache.get(keys[0]), 'n: 0\n');
    for (const i of [1, 2, 3]) assert.equal(cache.get(keys[i]), undefined, `entry ${i} dropped`);
    assert.equal(cache.get(keys[4]), 'n: 4\n');
  });

  it('a cache dir that cannot be written only means no cache', () => {
    const blocked = new HelmRenderCache(path.join(tmp, 'file-not-dir', 'cache'));
    fs.writeFileSync(path.join(tmp, 'file-not-dir'), '');
    const key = blocked.key(request, moduleFile)!;
    blocked.put(key, 'x');
    assert.equal(blocked.get(key), undefined);
  });

  it('KLUCTL_TS_HELM_RENDER_CACHE=0 turns it off; it lives under the engine cache dir', () => {
    assert.equal(defaultHelmRenderCache({ KLUCTL_TS_HELM_RENDER_CACHE: '0' }), undefined);
    assert.equal(defaultHelmRenderCache({ KLUCTL_TS_HELM_RENDER_CACHE: 'off' }), undefined);
    const saved = process.env.KLUCTL_TS_CACHE_DIR;
    process.env.KLUCTL_TS_CACHE_DIR = path.join(tmp, 'engine-cache');
    try {
      assert.equal(defaultHelmRenderCache({})?.dir, path.join(tmp, 'engine-cache', 'helm-renders'));
    } finally {
      if (saved === undefined) delete process.env.KLUCTL_TS_CACHE_DIR;
      else process.env.KLUCTL_TS_CACHE_DIR = saved;
    }
  });
});
