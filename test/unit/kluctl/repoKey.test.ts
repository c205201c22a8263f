import * as assert from 'node:assert/strict';
import {
  deploymentProjectKeys,
  kdRepoKeyKluctl,
  matchesDeployment,
  normalizeGitUrl,
  normalizeSubDir,
  parseGitUrl,
  redactGitUrl,
  repoKeyString,
  type GitProjectKey,
} from '../../../src/kluctl/repoKey.js';
import type { DeploymentSource } from '../../../src/kluctl/types.js';
import { kluctlDeployment } from '../gitops/kdFixtures.js';

const localKey = (url: string): string => repoKeyString(normalizeGitUrl(url));
const cliKdKey = (url: string): string => repoKeyString(kdRepoKeyKluctl(url));

describe('gitops/repoKey', () => {
  describe('normalizeGitUrl and kdRepoKeyKluctl reproduce every worked example of protocol §4.4', () => {
    const examples: Array<[url: string, local: string, cliKd: string]> = [
      ['git@github.com:Org/Repo.git', 'git://github.com/org/repo', 'git://github.com/Org/Repo'],
      ['https://github.com/org/repo.git', 'git://github.com/org/repo', 'git://github.com/org/repo'],
      ['https://user:tok@github.com/org/repo', 'git://github.com/org/repo', 'git://github.com/org/repo'],
      [
        'ssh://git@gitlab.example.com:22/g/s/r.git',
        'git://gitlab.example.com/g/s/r',
        'git://gitlab.example.com:22/g/s/r',
      ],
      ['ssh://git@host:2222/x/y.git', 'git://host:2222/x/y', 'git://host:2222/x/y'],
      ['git@host:2222:x/y.git', 'git://host:2222/x/y', 'git://host:2222/x/y'],
      ['https://github.com/org/repo.git/', 'git://github.com/org/repo.git', 'git://github.com/org/repo.git'],
    ];
    for (const [url, local, cliKd] of examples) {
      it(`${url} → local ${local}, CLI KD side ${cliKd}`, () => {
        assert.equal(localKey(url), local);
        assert.equal(cliKdKey(url), cliKd);
      });
    }
  });

  describe('normalizeGitUrl', () => {
    it('reads scp-like addresses with and without user as ssh', () => {
      assert.equal(localKey('github.com:org/repo.git'), 'git://github.com/org/repo');
      assert.equal(localKey('git@host:/srv/git/repo.git'), 'git://host/srv/git/repo');
      assert.deepEqual(parseGitUrl('git@host:2222:x/y.git'), {
        scheme: 'ssh',
        hostname: 'host',
        port: '2222',
        path: '/x/y.git',
      });
    });

    it('lower-cases scheme, host and path', () => {
      assert.equal(localKey('HTTPS://GitHub.COM/Org/Repo.GIT'), 'git://github.com/org/repo');
    });

    it('strips .git only when the last segment is not .git itself (v2.23+)', () => {
      assert.equal(localKey('https://host/org/.git'), 'git://host/org/.git');
      assert.equal(localKey('https://host/org/repo.git'), 'git://host/org/repo');
    });

    it('strips the trailing slash after the .git strip, so .git/ keeps its .git', () => {
      assert.equal(localKey('https://host/x//'), 'git://host/x');
      assert.equal(localKey('https://host/x.git//'), 'git://host/x.git');
    });

    it('drops the default port of each scheme and keeps every other port', () => {
      assert.equal(localKey('https://host:443/x'), 'git://host/x');
      assert.equal(localKey('http://host:80/x'), 'git://host/x');
      assert.equal(localKey('ssh://git@host:22/x'), 'git://host/x');
      assert.equal(localKey('git+ssh://host:22/x'), 'git://host/x');
      assert.equal(localKey('ftp://host:21/x'), 'git://host/x');
      assert.equal(localKey('rsync://host:873/x'), 'git://host/x');
      assert.equal(localKey('http://host:443/x'), 'git://host:443/x');
      assert.equal(localKey('https://host:8443/x'), 'git://host:8443/x');
      assert.equal(localKey('foo://host:22/x'), 'git://host:22/x');
    });

    it('treats git:// with Kluctl’s default port 22, so 9418 is kept', () => {
      assert.equal(localKey('git://host/x.git'), 'git://host/x');
      assert.equal(localKey('git://host:22/x'), 'git://host/x');
      assert.equal(localKey('git://host:9418/x'), 'git://host:9418/x');
    });

    it('drops user info and never keeps it in the parsed URL', () => {
      assert.deepEqual(parseGitUrl('https://user:s3cret@host/x'), {
        scheme: 'https',
        hostname: 'host',
        port: '',
        path: '/x',
      });
      assert.equal(localKey('https://oauth2:glpat-xyz@GitLab.example.com/g/r.git'), 'git://gitlab.example.com/g/r');
    });

    it('brackets IPv6 hosts, with and without port, in URL and scp form', () => {
      assert.equal(localKey('https://[2001:DB8::1]/org/repo.git'), 'git://[2001:db8::1]/org/repo');
      assert.equal(localKey('ssh://git@[::1]:2222/x'), 'git://[::1]:2222/x');
      assert.equal(localKey('ssh://git@[::1]:22/x'), 'git://[::1]/x');
      assert.equal(localKey('git@[::1]:org/repo.git'), 'git://[::1]/org/repo');
    });

    it('decodes percent-escapes and ignores query and fragment', () => {
      assert.equal(localKey('https://host/org/my%20repo.git'), 'git://host/org/my repo');
      assert.equal(localKey('https://host/org/repo.git?ref=main#readme'), 'git://host/org/repo');
    });

    it('gives an empty path for a bare host', () => {
      assert.deepEqual(normalizeGitUrl('https://github.com'), { type: 'git', host: 'github.com', path: '' });
      assert.equal(repoKeyString({ type: 'git', host: '', path: '' }), '');
    });

    it('rejects file:// URLs and local paths, as Kluctl does', () => {
      assert.throws(() => normalizeGitUrl('file:///srv/git/repo.git'), /file:\/\//);
      for (const local of ['/srv/git/repo', './repo', 'repo', 'C:/repos/x', 'C:\\repos\\x']) {
        assert.throws(() => normalizeGitUrl(local), /local paths are not supported/, local);
      }
    });

    it('rejects malformed URLs with a message that does not leak credentials', () => {
      assert.throws(() => normalizeGitUrl('ssh://git@github.com:org/repo.git'), /invalid port "org"/);
      assert.throws(
        () => normalizeGitUrl('https://user:s3cret@host:abc/x'),
        (error: Error) => /invalid port/.test(error.message) && !error.message.includes('s3cret'),
      );
      assert.throws(() => normalizeGitUrl('https://host/%zz'), /%-escape/);
      assert.throws(() => normalizeGitUrl('ssh://[::1/x'), /IPv6/);
    });
  });

  describe('redactGitUrl', () => {
    it('removes user info from scheme URLs and leaves scp-like addresses alone', () => {
      assert.equal(redactGitUrl('https://user:tok@github.com/org/repo'), 'https://github.com/org/repo');
      assert.equal(redactGitUrl('git@github.com:org/repo.git'), 'git@github.com:org/repo.git');
    });
  });

  describe('normalizeSubDir', () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, ''],
      ['', ''],
      ['.', ''],
      ['./', ''],
      ['/', ''],
      ['./apps/foo/', 'apps/foo'],
      ['apps/foo', 'apps/foo'],
      ['/apps/foo', 'apps/foo'],
      ['apps\\foo\\', 'apps/foo'],
      ['apps//foo/./bar/', 'apps/foo/bar'],
      ['apps/x/../foo', 'apps/foo'],
      ['Apps/Foo', 'Apps/Foo'],
    ];
    for (const [input, expected] of cases) {
      it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () =>
        assert.equal(normalizeSubDir(input), expected));
    }
  });

  describe('matchesDeployment', () => {
    const local = (url: string, subDir = 'simple'): GitProjectKey => ({ repoKey: normalizeGitUrl(url), subDir });
    const kdWith = (source: DeploymentSource) => kluctlDeployment({ spec: { source } });
    const gitKd = (url: string, path?: string) => kdWith({ git: { url, path } });

    it('matches upper case and ./path/ that the CLI cannot match', () => {
      const kd = gitKd('https://GitHub.com/Kluctl/Kluctl-Examples.git', './simple/');
      assert.ok(matchesDeployment(local('git@github.com:kluctl/kluctl-examples.git'), kd));
      // The real CLI compares NewRepoKeyFromGitUrl and the raw path: both differ.
      assert.notEqual(
        cliKdKey('https://GitHub.com/Kluctl/Kluctl-Examples.git'),
        localKey('git@github.com:kluctl/kluctl-examples.git'),
      );
    });

    it('matches ssh://host:22/x and git@host:x, which the v2.28 CLI does not', () => {
      assert.ok(matchesDeployment(local('git@host:x', ''), gitKd('ssh://git@host:22/x')));
      assert.notEqual(cliKdKey('ssh://git@host:22/x'), localKey('git@host:x'));
    });

    it('matches one repository across https, http and ssh transports', () => {
      const kd = gitKd('https://github.com/org/repo.git', 'simple');
      for (const url of [
        'git@github.com:org/repo.git',
        'http://github.com/org/repo',
        'ssh://git@github.com/org/repo',
      ]) {
        assert.ok(matchesDeployment(local(url), kd), url);
      }
    });

    it('matches repo, repo.git and repo.git/ as one repository', () => {
      assert.ok(
        matchesDeployment(local('git@github.com:org/repo.git'), gitKd('https://github.com/org/repo.git/', 'simple')),
      );
      assert.ok(
        matchesDeployment(local('https://github.com/org/repo.git/'), gitKd('https://github.com/org/repo', 'simple')),
      );
    });

    it('keeps non-default ports significant: other port, other server', () => {
      assert.equal(
        matchesDeployment(local('ssh://git@gitlab.corp:2222/g/r.git'), gitKd('https://gitlab.corp/g/r.git', 'simple')),
        false,
      );
      assert.equal(
        matchesDeployment(local('http://127.0.0.1:4001/repo.git'), gitKd('http://127.0.0.1:4002/repo.git', 'simple')),
        false,
      );
    });

    it('requires the same sub-directory, the root being ""', () => {
      assert.equal(
        matchesDeployment(
          local('https://github.com/org/repo', 'other'),
          gitKd('https://github.com/org/repo', 'simple'),
        ),
        false,
      );
      assert.equal(
        matchesDeployment(local('https://github.com/org/repo', ''), gitKd('https://github.com/org/repo', 'simple')),
        false,
      );
      assert.ok(matchesDeployment(local('https://github.com/org/repo', ''), gitKd('https://github.com/org/repo')));
      assert.ok(matchesDeployment(local('https://github.com/org/repo', ''), gitKd('https://github.com/org/repo', '.')));
    });

    it('matches the deprecated spec.source.url and spec.source.path', () => {
      assert.ok(
        matchesDeployment(
          local('git@github.com:org/repo.git'),
          kdWith({ url: 'https://github.com/org/repo.git', path: 'simple/' }),
        ),
      );
    });

    it('matches status.projectKey, lower-cased and with the explicit :22 the controller keeps', () => {
      const kd = kluctlDeployment({
        spec: { source: { git: { url: 'not a url' } } },
        status: { projectKey: { repoKey: 'git://GitLab.example.com:22/G/R', subDir: 'simple' } },
      });
      assert.ok(matchesDeployment(local('git@gitlab.example.com:g/r.git'), kd));
    });

    it('never matches an OCI source or an oci:// project key', () => {
      const kd = kluctlDeployment({
        spec: { source: { oci: { url: 'oci://ghcr.io/org/repo', path: 'simple' } } },
        status: { projectKey: { repoKey: 'oci://ghcr.io/org/repo', subDir: 'simple' } },
      });
      assert.deepEqual(deploymentProjectKeys(kd), []);
      assert.equal(matchesDeployment(local('https://ghcr.io/org/repo'), kd), false);
    });

    it('lists the keys of spec.source.git, the legacy source and status.projectKey, skipping unparsable URLs', () => {
      const kd = kluctlDeployment({
        spec: { source: { git: { url: '/local/path' }, url: 'https://host/legacy.git', path: './l' } },
        status: { projectKey: { repoKey: 'git://host/from-status', subDir: 's' } },
      });
      assert.deepEqual(
        deploymentProjectKeys(kd).map((k) => `${repoKeyString(k.repoKey)} ${k.subDir}`),
        ['git://host/legacy l', 'git://host/from-status s'],
      );
    });
  });
});
