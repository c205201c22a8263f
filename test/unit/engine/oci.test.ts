import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runRender } from '../../../src/cli/render.js';
import { parseChallenge, verifyDigest } from '../../../src/engine/oci/client.js';
import {
  entriesFromEnv,
  entriesFromFlags,
  envConfigSets,
  globToRegExp,
  RegistryCredentials,
} from '../../../src/engine/oci/credentials.js';
import { chartVersionTag } from '../../../src/engine/oci/helm-chart.js';
import { formatReference, parseOciUrl, withRef } from '../../../src/engine/oci/reference.js';
import { extractEntries, readTarGz } from '../../../src/engine/oci/untar.js';
import { captureCli } from '../../harness/cli.js';
import { tempTree, writeFiles } from '../../harness/files.js';
import { tarEntry, tarGz as tgz } from '../../harness/tar.js';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'oci-unit-'));
}

describe('engine/oci: references', () => {
  it('parses oci:// URLs as go-containerregistry names them', () => {
    assert.deepEqual(parseOciUrl('oci://127.0.0.1:5000/org/proj'), {
      registry: '127.0.0.1:5000',
      repository: 'org/proj',
    });
    assert.deepEqual(parseOciUrl('oci://ghcr.io/kluctl/x'), { registry: 'ghcr.io', repository: 'kluctl/x' });
    assert.deepEqual(parseOciUrl('oci://localhost/x'), { registry: 'localhost', repository: 'x' });
    assert.deepEqual(parseOciUrl('oci://org/x'), { registry: 'index.docker.io', repository: 'org/x' });
    assert.throws(() => parseOciUrl('https://ghcr.io/x'), /must start with oci:\/\//);
    assert.throws(() => parseOciUrl('oci://ghcr.io/UPPER'), /invalid repository/);
    assert.throws(() => parseOciUrl('oci://ghcr.io/a/../b'), /invalid repository/);
  });

  it("takes the ref as kluctl's OciRef: latest by default, the digest wins", () => {
    const base = parseOciUrl('oci://r.io/p');
    assert.equal(formatReference(withRef(base, undefined)), 'r.io/p:latest');
    assert.equal(formatReference(withRef(base, { tag: 'v1' })), 'r.io/p:v1');
    const d = `sha256:${'a'.repeat(64)}`;
    assert.equal(withRef(base, { tag: 'v1', digest: d }).digest, d);
    assert.equal(withRef(base, { digest: d }).tag, undefined);
    assert.throws(() => withRef(base, { digest: 'sha256:xyz' }), /invalid digest/);
    assert.throws(() => withRef(base, { tag: '../x' }), /invalid tag/);
    assert.equal(chartVersionTag('1.2.3+build.4'), '1.2.3_build.4');
  });
});

describe('engine/oci: credentials as kluctl v2.22 matches them', () => {
  it('globs with / as separator (gobwas/glob)', () => {
    assert.ok(globToRegExp('org/*').test('org/a'));
    assert.ok(!globToRegExp('org/*').test('org/a/b'));
    assert.ok(globToRegExp('org/**').test('org/a/b'));
    assert.ok(globToRegExp('{a,b}/x?').test('b/x1'));
    assert.ok(!globToRegExp('a.b').test('aXb'));
  });

  it('groups --registry-* flags by <registry>/<repo> and matches registry exactly, repo by glob', () => {
    const creds = new RegistryCredentials(
      {
        username: ['r.io:5000/org/*=alice', 'r.io:5000=bob'],
        password: ['r.io:5000/org/*=pw=with=eq', 'r.io:5000=bobpw'],
        creds: ['other.io/x=u:p', 'tok.io=jwt'],
        insecureSkipTlsVerify: ['r.io:5000'],
      },
      {},
    );
    const a = creds.find(parseOciUrl('oci://r.io:5000/org/proj'));
    assert.equal(a?.username, 'alice');
    assert.equal(a?.password, 'pw=with=eq');
    assert.equal(a?.insecureSkipTlsVerify, undefined);
    const b = creds.find(parseOciUrl('oci://r.io:5000/org/deep/proj'));
    assert.equal(b?.username, 'bob');
    assert.equal(b?.insecureSkipTlsVerify, true);
    assert.equal(creds.find(parseOciUrl('oci://r.io/org/proj')), undefined);
    assert.equal(creds.find(parseOciUrl('oci://other.io/x'))?.password, 'p');
    assert.equal(creds.find(parseOciUrl('oci://tok.io/any/thing'))?.registryToken, 'jwt');
    assert.throws(() => entriesFromFlags({ username: ['r.io'] }), /expected <registry>\/<repo>=<value>/);
  });

  it('reads KLUCTL_REGISTRY[_n]_* sets in index order, HOST or REPOSITORY', () => {
    const env = {
      KLUCTL_REGISTRY_HOST: 'a.io',
      KLUCTL_REGISTRY_USERNAME: 'ua',
      KLUCTL_REGISTRY_2_REPOSITORY: 'b.io/team/*',
      KLUCTL_REGISTRY_2_PASSWORD: 'pb',
      KLUCTL_REGISTRY_2_PLAIN_HTTP: 'true',
      KLUCTL_REGISTRY_1_HOST: 'c.io',
      KLUCTL_REGISTRY_DEFAULT_INSECURE_SKIP_TLS_VERIFY: '1',
    };
    assert.deepEqual(
      envConfigSets('KLUCTL_REGISTRY', env).map((s) => s.index),
      [-1, 1, 2],
    );
    const entries = entriesFromEnv(env);
    assert.deepEqual(
      entries.map((e) => [e.registry, e.repoGlob, e.plainHttp, e.insecureSkipTlsVerify]),
      [
        ['a.io', undefined, undefined, true],
        ['c.io', undefined, undefined, true],
        ['b.io', 'team/*', true, true],
      ],
    );
    const creds = new RegistryCredentials(undefined, env);
    assert.equal(creds.find(parseOciUrl('oci://b.io/team/x'))?.password, 'pb');
    assert.equal(creds.find(parseOciUrl('oci://b.io/other/x')), undefined);
  });

  it('falls back to the Docker config auths (host/repo, then host), flags first', () => {
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'r.io': { auth: Buffer.from('docker-user:docker-pw').toString('base64') },
          'https://index.docker.io/v1/': { username: 'hub', password: 'hubpw' },
        },
      }),
    );
    const env = { DOCKER_CONFIG: dir, HOME: tmp() };
    const creds = new RegistryCredentials(undefined, env);
    const e = creds.find(parseOciUrl('oci://r.io/x/y'));
    assert.equal(e?.username, 'docker-user');
    assert.equal(e?.password, 'docker-pw');
    assert.match(e.origin, /config\.json/);
    assert.equal(creds.find(parseOciUrl('oci://org/x'))?.username, 'hub');
    assert.equal(
      new RegistryCredentials({ username: ['r.io=flag'], password: ['r.io=x'] }, env).find(parseOciUrl('oci://r.io/x'))
        ?.username,
      'flag',
    );
    // A flag entry with only TLS settings keeps them and takes the Docker login (kluctl's crane default keychain).
    const tlsOnly = new RegistryCredentials({ insecureSkipTlsVerify: ['r.io'] }, env).find(parseOciUrl('oci://r.io/x'));
    assert.equal(tlsOnly?.insecureSkipTlsVerify, true);
    assert.equal(tlsOnly?.username, 'docker-user');
  });
});

describe('engine/oci: protocol pieces', () => {
  it('parses WWW-Authenticate challenges', () => {
    assert.deepEqual(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
      ),
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' },
      },
    );
    assert.deepEqual(parseChallenge('Basic realm="test-registry"'), {
      scheme: 'basic',
      params: { realm: 'test-registry' },
    });
    assert.equal(parseChallenge(undefined), undefined);
  });

  it('verifies digests', () => {
    const data = Buffer.from('hello');
    assert.ok(verifyDigest(data, 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'));
    assert.ok(!verifyDigest(data, 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9825'));
    assert.ok(!verifyDigest(data, 'md5:5d41402abc4b2a76b9719d911017c592'));
  });
});

describe('engine/oci: unpacking artifacts safely', () => {
  it('writes files and dirs, skips symlinks', () => {
    const out = path.join(tmp(), 'x');
    extractEntries(
      readTarGz(
        tgz(
          tarEntry('dir/', '', '5'),
          tarEntry('dir/a.yaml', 'a: 1\n'),
          tarEntry('link', '', '2', '/etc/passwd'),
          tarEntry('deployment.yaml', 'deployments: []\n'),
        ),
      ),
      out,
    );
    assert.equal(fs.readFileSync(path.join(out, 'dir', 'a.yaml'), 'utf8'), 'a: 1\n');
    assert.equal(fs.existsSync(path.join(out, 'link')), false);
    assert.deepEqual(fs.readdirSync(out).sort(), ['deployment.yaml', 'dir']);
  });

  for (const [name, why] of [
    ['../evil', /invalid name/],
    ['/etc/evil', /invalid name/],
    ['a/../../evil', /invalid name/],
    ['a\\..\\evil', /invalid name/],
  ] as const)
    it(`refuses the entry name ${name}`, () => {
      const out = path.join(tmp(), 'x');
      assert.throws(() => extractEntries(readTarGz(tgz(tarEntry(name, 'x'))), out), why);
      assert.equal(fs.existsSync(path.join(out, '..', 'evil')), false);
    });

  it('refuses hard links and devices, sizes and counts over the limits, and bad gzip', () => {
    assert.throws(
      () => extractEntries(readTarGz(tgz(tarEntry('h', '', '1', '/etc/passwd'))), path.join(tmp(), 'x')),
      /unsupported file type '1'/,
    );
    assert.throws(
      () => extractEntries(readTarGz(tgz(tarEntry('c', '', '3'))), path.join(tmp(), 'x')),
      /unsupported file type '3'/,
    );
    assert.throws(
      () => readTarGz(tgz(tarEntry('big', Buffer.alloc(300_000))), { maxBytes: 100_000, maxEntries: 10 }),
      /more than the limit of 100000 bytes/,
    );
    assert.throws(
      () =>
        readTarGz(tgz(tarEntry('a', 'x'), tarEntry('b', 'x'), tarEntry('c', 'x')), { maxBytes: 1e6, maxEntries: 2 }),
      /more than the limit of 2 entries/,
    );
    assert.throws(() => readTarGz(Buffer.from('not gzip')), /gzip/);
  });

  it('does not write through a symlinked dir already in the target', () => {
    const root = tmp();
    const outside = tmp();
    const out = path.join(root, 'x');
    fs.mkdirSync(out);
    fs.symlinkSync(outside, path.join(out, 'd'));
    assert.throws(() => extractEntries(readTarGz(tgz(tarEntry('d/f', 'x'))), out), /leads out of the archive/);
    assert.deepEqual(fs.readdirSync(outside), []);
  });
});

describe('engine/oci: includes in project loading (no registry involved)', () => {
  const saved = process.env.KLUCTL_TS_CACHE_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.KLUCTL_TS_CACHE_DIR;
    else process.env.KLUCTL_TS_CACHE_DIR = saved;
  });

  const render = (dir: string) =>
    captureCli((io) =>
      runRender(['--print-all', '--offline-kubernetes', '--project-dir', dir], io, {
        env: { PATH: process.env.PATH, HOME: tmp() },
        cwd: dir,
      }),
    );

  it('names the deployment.yaml of an invalid oci include', async () => {
    const dir = tempTree('oci-bad-', { 'deployment.yaml': 'deployments:\n  - oci:\n      url: https://r.example/x\n' });
    const r = await render(dir);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /deployment\.yaml: oci include https:\/\/r\.example\/x: invalid oci url .*must start with oci:\/\//,
    );
  });

  it('renders an include by digest from the unpacked cache without any network', async () => {
    const cache = tmp();
    process.env.KLUCTL_TS_CACHE_DIR = cache;
    const digest = `sha256:${'c'.repeat(64)}`;
    const unpacked = path.join(cache, 'oci', 'r.example-5000', 'team', 'proj', digest.replace(':', '-'));
    writeFiles(unpacked, {
      '.kluctl-ts-complete.json': '{"annotations":{}}',
      'content/deployment.yaml': 'deployments:\n  - path: cm\n',
      'content/cm/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-cache\n  namespace: default\n',
      'content/cm/kustomization.yaml': 'resources:\n  - cm.yaml\n',
    });
    const dir = tempTree('oci-cached-', {
      'deployment.yaml': `deployments:\n  - oci:\n      url: oci://r.example:5000/team/proj\n      ref:\n        digest: ${digest}\n`,
    });
    const r = await render(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /name: from-cache/);
  });
});
