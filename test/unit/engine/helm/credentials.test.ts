import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compileGlob, helmAuthProvider } from '../../../../src/engine/helm/credentials.js';
import {
  findVersion,
  parseIndex,
  RemoteChart,
  remoteChart,
  type ChartSource,
} from '../../../../src/engine/helm/chart-pull.js';

describe('engine/helm credentials (kluctl v2.22.1 --helm-* flags and KLUCTL_HELM_*)', () => {
  it('matches host/path globs and the deprecated credentialsId form', () => {
    const p = helmAuthProvider({
      username: ['127.0.0.1:8080/private/*=alice', 'legacy:bob'],
      password: ['127.0.0.1:8080/private/*=secret', 'legacy:pw'],
      insecureSkipTlsVerify: ['example.com'],
    });
    assert.deepEqual(
      [
        p.find(new URL('http://127.0.0.1:8080/private/repo'))?.username,
        p.find(new URL('http://127.0.0.1:8080/private/repo'))?.password,
      ],
      ['alice', 'secret'],
    );
    assert.equal(p.find(new URL('http://127.0.0.1:8080/private/a/b')), undefined, '* stays in one segment');
    assert.equal(p.find(new URL('http://127.0.0.1:8080/public')), undefined);
    assert.equal(p.find(new URL('http://127.0.0.1:9999/private/repo')), undefined, 'the host includes the port');
    // credentialsId entries come first and match only charts that name them.
    assert.equal(p.find(new URL('http://127.0.0.1:8080/private/repo'), 'legacy')?.username, 'bob');
    assert.equal(p.find(new URL('https://example.com/x'))?.insecureSkipTlsVerify, true);
  });

  it('reads files once, and says which flag could not be read', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-creds-'));
    try {
      fs.writeFileSync(path.join(dir, 'ca.pem'), 'PEM');
      const p = helmAuthProvider({ caFile: [`h:1=${path.join(dir, 'ca.pem')}`] });
      assert.equal(p.find(new URL('https://h:1/'))?.caPem, 'PEM');
      assert.throws(
        () => helmAuthProvider({ caFile: [`h=${path.join(dir, 'missing')}`] }),
        /--helm-ca-file: cannot read/,
      );
      assert.throws(() => helmAuthProvider({ username: ['novalue'] }), /--helm-username: expected value: novalue/);
      assert.throws(() => helmAuthProvider({ creds: ['h=nocolon'] }), /--helm-creds values must be/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads KLUCTL_HELM_* sets after the flags', () => {
    const p = helmAuthProvider(
      { username: ['h=flag'], password: ['h=flagpw'] },
      {
        KLUCTL_HELM_1_HOST: 'h',
        KLUCTL_HELM_1_USERNAME: 'env',
        KLUCTL_HELM_2_HOST: 'other',
        KLUCTL_HELM_2_USERNAME: 'o',
        KLUCTL_HELM_2_PASSWORD: 'p',
      },
    );
    assert.equal(p.find(new URL('http://h/'))?.username, 'flag');
    assert.equal(p.find(new URL('http://other/'))?.password, 'p');
  });

  it('compiles gobwas globs with / as separator', () => {
    assert.ok(compileGlob('a/**').test('a/b/c'));
    assert.ok(!compileGlob('a/*').test('a/b/c'));
    assert.ok(compileGlob('{x,y}/?').test('y/z'));
    assert.ok(!compileGlob('a.b').test('axb'));
  });
});

describe('engine/helm repository index and layout', () => {
  const source: ChartSource = { queryVersions: () => Promise.resolve([]), pullTo: () => Promise.resolve() };

  it("builds kluctl's .helm-charts layout", () => {
    const c = new RemoteChart('https://Charts.Example.com:443/Bitnami/', 'nginx', source);
    assert.equal(
      c.pulledChartDir('/p/.helm-charts', '1.2.3'),
      '/p/.helm-charts/https_charts.example.com/bitnami/nginx/1.2.3',
    );
    assert.equal(
      new RemoteChart('http://127.0.0.1:8080/private', 'demo', source).pulledChartDir('/b'),
      '/b/http_8080_127.0.0.1/private/demo',
    );
    assert.equal(
      new RemoteChart('oci://r.io/charts/podinfo', undefined, source).pulledChartDir('/b', '6.0.0'),
      '/b/oci_r.io/charts/podinfo/6.0.0',
    );
    assert.throws(() => new RemoteChart('http://h/x', undefined, source), /chartName is missing/);
    assert.throws(() => new RemoteChart('oci://h/x', 'x', source), /chartName can't be specified/);
    assert.throws(() => new RemoteChart('ftp://h/x', 'x', source).pulledChartDir('/b'), /unsupported scheme/);
    assert.throws(
      () => new RemoteChart('http://h/x', '../../..', source).pulledChartDir('/b', '1.0.0'),
      /is not inside/,
    );
  });

  it('finds versions as Helm does: the exact string first, else the newest the constraint allows', () => {
    const idx = parseIndex(
      'apiVersion: v1\nentries:\n  demo:\n  - version: 1.0.0\n    urls: [demo-1.0.0.tgz]\n  - version: 1.2.0\n    urls: [demo-1.2.0.tgz]\n  - version: 2.0.0-rc.1\n    urls: [x]\n',
      'index.yaml',
    );
    const demo = idx.get('demo')!;
    assert.deepEqual(
      demo.map((e) => e.version),
      ['2.0.0-rc.1', '1.2.0', '1.0.0'],
    );
    assert.equal(findVersion(demo, '1.0.0')?.version, '1.0.0');
    assert.equal(findVersion(demo, '^1')?.version, '1.2.0');
    assert.equal(findVersion(demo, '9.9.9'), undefined);
    assert.throws(() => parseIndex('entries: {}\n', 'index.yaml'), /no API version specified/);
  });

  it('refuses OCI with credentialsId (registry credentials only, as kluctl); an OCI chart is named by its last segment', () => {
    assert.throws(() => remoteChart({ repo: 'oci://r/x', credentialsId: 'c' }, undefined), /registry login/);
    assert.throws(() => remoteChart({ repo: 'oci://r/x', chartName: 'x' }, undefined), /chartName can't be specified/);
    assert.equal(remoteChart({ repo: 'oci://r/charts/x' }, undefined).chartName, 'x');
    assert.throws(
      () => remoteChart({ repo: 'http://h/x', chartName: 'c', credentialsId: 'nope' }, helmAuthProvider({})),
      /no credentials found for Chart c/,
    );
  });
});
