import * as assert from 'node:assert/strict';
import { normalizeGitUrl } from '../../../../src/kluctl/repoKey.js';
import { parseRepoKeyString, requestMatchesRepo } from '../../../../src/gitops/sourceOverride/repoKeyMatch.js';

describe('source override repo key matching', () => {
  it("parses the controller's repo keys, which always carry a type", () => {
    assert.deepEqual(parseRepoKeyString('git://github.com/org/repo'), {
      type: 'git',
      host: 'github.com',
      path: 'org/repo',
    });
    assert.deepEqual(parseRepoKeyString('git://127.0.0.1:8080/a/b/'), {
      type: 'git',
      host: '127.0.0.1:8080',
      path: 'a/b',
    });
    assert.deepEqual(parseRepoKeyString('oci://ghcr.io/org/art'), { type: 'oci', host: 'ghcr.io', path: 'org/art' });
    assert.equal(parseRepoKeyString('github.com/org/repo'), undefined);
    assert.equal(parseRepoKeyString('git://github.com'), undefined);
    assert.equal(parseRepoKeyString(''), undefined);
  });

  const ours = normalizeGitUrl('git@github.com:Acme/Deploy.git');

  it("matches our repository by type, host and path after the controller's normalisation", () => {
    assert.ok(requestMatchesRepo('git://github.com/acme/deploy', ours));
    assert.ok(requestMatchesRepo('git://GitHub.com/Acme/Deploy', ours), 'case');
    assert.ok(
      requestMatchesRepo('git://github.com/acme/deploy.git', ours),
      'kluctl < v2.23 stripped .git, later keeps none here either',
    );
    assert.ok(requestMatchesRepo('git://github.com/acme/deploy/', ours));
    const local = normalizeGitUrl('http://127.0.0.1:41983/so-repo-1.git');
    assert.ok(requestMatchesRepo('git://127.0.0.1:41983/so-repo-1', local));
  });

  it('answers nothing else: other paths, hosts, ports, types, and no prefix (group) matching', () => {
    assert.ok(!requestMatchesRepo('git://github.com/acme/deploy-lib', ours));
    assert.ok(!requestMatchesRepo('git://github.com/acme/deploy/sub', ours));
    assert.ok(!requestMatchesRepo('git://github.com/acme', ours));
    assert.ok(!requestMatchesRepo('git://gitlab.com/acme/deploy', ours));
    assert.ok(!requestMatchesRepo('git://github.com:2222/acme/deploy', ours));
    assert.ok(!requestMatchesRepo('oci://github.com/acme/deploy', ours));
    assert.ok(!requestMatchesRepo('github.com/acme/deploy', ours), 'a key without type is invalid');
    const local = normalizeGitUrl('http://127.0.0.1:41983/so-repo-1.git');
    assert.ok(!requestMatchesRepo('git://127.0.0.1:41984/so-repo-1', local));
  });

  it('matches IPv6 hosts with or without brackets (Kluctl drops them)', () => {
    const v6 = normalizeGitUrl('ssh://git@[::1]:2222/x/y.git');
    assert.ok(requestMatchesRepo('git://::1:2222/x/y', v6));
    assert.ok(requestMatchesRepo('git://[::1]:2222/x/y', v6));
  });
});
