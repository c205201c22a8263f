import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { FileLoader } from '../../../../src/engine/kustomize/file-loader.js';
import { MemTree } from '../../../../src/engine/render/mem-tree.js';

/** What FileLoader.resolve answered before its plain-name fast path: path.resolve and path.relative. */
function byRelative(loader: FileLoader, baseDir: string, p: string): string {
  const real = loader.fs.realpath(path.resolve(baseDir, p));
  const rel = path.relative(loader.root, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error('outside');
  return real;
}

describe('engine/kustomize/file-loader: resolve', () => {
  it('answers as path.resolve and path.relative do, for generated dirs and entries (links, dot names, slashes)', () => {
    const root = '/r/root';
    const tree = new MemTree(root);
    tree.writeFile(`${root}/a/x.yaml`, 'x');
    tree.writeFile(`${root}/a/..b/y.yaml`, 'y');
    tree.symlink('../a', `${root}/c/up`);
    tree.symlink('/etc', `${root}/a/out`);
    const loader = new FileLoader(root, undefined, tree);
    const names = [
      'x.yaml',
      'y.yaml',
      'a',
      '..b',
      '...',
      '.',
      '..',
      '',
      'up',
      'out',
      'a/x.yaml',
      '../a',
      '/etc',
      'c/up',
    ];
    const dirs = [
      root,
      `${root}/a`,
      `${root}/a/..b`,
      `${root}/c`,
      `${root}/c/up`,
      `${root}/a/`,
      `${root}//a`,
      '/r',
      'a',
    ];
    let seed = 11;
    const pick = <T>(xs: T[]): T => xs[((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16) % xs.length];
    const outcomes = { inside: 0, outside: 0 };
    for (let i = 0; i < 5_000; i++) {
      const dir = pick(dirs);
      const entry = i % 3 === 0 ? `${pick(names)}/${pick(names)}` : pick(names);
      const expected = (() => {
        try {
          return byRelative(loader, dir, entry);
        } catch {
          return 'outside';
        }
      })();
      const actual = (() => {
        try {
          return loader.resolve(dir, entry);
        } catch (error) {
          assert.match((error as Error).message, /is outside of the root/);
          return 'outside';
        }
      })();
      assert.equal(actual, expected, `${dir} + ${entry}`);
      outcomes[actual === 'outside' ? 'outside' : 'inside']++;
    }
    // Both answers, often.
    assert.ok(outcomes.inside > 1_000 && outcomes.outside > 1_000, JSON.stringify(outcomes));
  });
});
