import * as assert from 'node:assert/strict';
import { compareVersions, latestVersion, parseConstraints, parseVersion } from '../../../../src/engine/helm/semver.js';

/** Expected values are Masterminds/semver v3's (its README and constraint tests), which Helm and kluctl use. */
describe('engine/helm semver (Masterminds v3)', () => {
  const v = (s: string) => {
    const x = parseVersion(s);
    assert.ok(x, s);
    return x;
  };

  it('parses loose versions and rejects what is none', () => {
    assert.deepEqual([v('v1.2').major, v('v1.2').minor, v('v1.2').patch], [1, 2, 0]);
    assert.equal(v('1.2.3-beta.1+build.5').prerelease, 'beta.1');
    assert.equal(v('1.2.3-beta.1+build.5').metadata, 'build.5');
    for (const bad of ['', 'x', '1.2.3.4', '1.2.3-01', 'latest', '1..2', ' 1.2.3'])
      assert.equal(parseVersion(bad), undefined, bad);
  });

  it('orders like semver 2 (pre-releases before the release, numeric before alphanumeric)', () => {
    const order = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.10.0',
      '2.0.0',
    ];
    for (let i = 1; i < order.length; i++)
      assert.equal(compareVersions(v(order[i - 1]), v(order[i])), -1, `${order[i - 1]} < ${order[i]}`);
    assert.equal(compareVersions(v('1.0.0+a'), v('1.0.0+b')), 0);
  });

  const cases: [string, string, boolean][] = [
    ['1.2.3', '1.2.3', true],
    ['=1.2.3', '1.2.4', false],
    ['!=1.2.3', '1.2.4', true],
    ['>1.2', '1.2.9', false],
    ['>1.2', '1.3.0', true],
    ['>1.x', '1.9.0', false],
    ['>1.x', '2.0.0', true],
    ['>=1.2.3', '1.2.3', true],
    ['<2', '1.99.0', true],
    ['<2', '2.0.0', false],
    ['<=1.2', '1.2.9', true],
    ['<=1.2.3', '1.2.4', false],
    ['>=1.2 <2', '1.9.9', true],
    ['>=1.2, <2', '2.0.0', false],
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.3.0', false],
    ['~1', '1.9.0', true],
    ['~1', '2.0.0', false],
    ['^1.2.3', '1.9.0', true],
    ['^1.2.3', '2.0.0', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.4', false],
    ['1.2.x', '1.2.7', true],
    ['1.2.x', '1.3.0', false],
    ['*', '5.0.0', true],
    ['*', '5.0.0-beta', false],
    ['1.2 - 1.4.5', '1.4.5', true],
    ['1.2 - 1.4.5', '1.4.6', false],
    ['<1 || >=3', '3.1.0', true],
    ['<1 || >=3', '2.0.0', false],
    ['>=1.0.0', '1.5.0-beta', false],
    ['>=1.0.0-0', '1.5.0-beta', true],
  ];
  for (const [c, ver, want] of cases)
    it(`${c} ${want ? 'accepts' : 'rejects'} ${ver}`, () => assert.equal(parseConstraints(c).check(v(ver)), want));

  it('rejects improper constraints', () => {
    assert.throws(() => parseConstraints('>>1'), /improper constraint/);
    assert.throws(() => parseConstraints('latest'), /improper constraint/);
  });

  it("picks the latest version as kluctl's helm-update does", () => {
    const vs = ['0.1.0', '0.2.0', '0.3.0-rc.1', 'junk', '0.2.1'];
    assert.equal(latestVersion(vs), '0.2.1');
    assert.equal(latestVersion(vs, '>=0.3.0-0'), '0.3.0-rc.1');
    assert.equal(latestVersion(vs, '~0.1'), '0.1.0');
    assert.equal(latestVersion(['v1.0', '1.0.0']), '1.0.0');
    assert.throws(() => latestVersion(vs, '>5'), /no version found that satisfies constraints '>5'/);
    assert.throws(() => latestVersion(vs, 'bad'), /invalid constraints 'bad'/);
    assert.throws(() => latestVersion([]), /no versions found or queried/);
  });
});
