import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listSourceTree } from '../../../../src/gitops/sourceOverride/sourceTree.js';
import { writeFiles } from '../../../harness/files.js';

describe('source override .gitignore semantics', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'so-ignore-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const tree = (files: Record<string, string>): void => writeFiles(root, files);
  const files = async (): Promise<string[]> =>
    (await listSourceTree(root)).filter((e) => e.type === 'file').map((e) => e.path);

  /** What Git itself would add: every file not ignored (the oracle). */
  const gitFiles = (): string[] => {
    const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    execFileSync('git', ['init', '--quiet', root], { env });
    const out = execFileSync('git', ['ls-files', '--others', '--exclude-standard', '-z'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    return out
      .split('\0')
      .filter(Boolean)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  };

  it('applies patterns and negations of the root .gitignore', async () => {
    tree({
      '.gitignore': '*.log\n!keep.log\n# comment\n\\#hash\n',
      'a.log': '',
      'keep.log': '',
      'x/b.log': '',
      'x/keep.log': '',
      '#hash': '',
      'ok.txt': '',
    });
    assert.deepEqual(await files(), ['.gitignore', 'keep.log', 'ok.txt', 'x/keep.log']);
  });

  it('scopes a nested .gitignore to its directory (anchored patterns included)', async () => {
    tree({
      'sub/.gitignore': '*.txt\n/build\n',
      'a.txt': '',
      'build/x': '',
      'sub/a.txt': '',
      'sub/build/x': '',
      'sub/deep/build/y': '',
      'sub/deep/b.txt': '',
      'sub/c.yaml': '',
    });
    assert.deepEqual(await files(), ['a.txt', 'build/x', 'sub/.gitignore', 'sub/c.yaml', 'sub/deep/build/y']);
  });

  it('lets a deeper .gitignore re-include what a shallower one excludes, not the other way round', async () => {
    tree({
      '.gitignore': '*.env\n',
      'sub/.gitignore': '!local.env\n',
      'local.env': '',
      'sub/local.env': '',
      'sub/other.env': '',
      'sub/deeper/.gitignore': 'local.env\n',
      'sub/deeper/local.env': '',
    });
    assert.deepEqual(await files(), ['.gitignore', 'sub/.gitignore', 'sub/deeper/.gitignore', 'sub/local.env']);
  });

  it('never re-includes a file inside an excluded directory; directory-only patterns spare files', async () => {
    tree({
      '.gitignore': 'build/\n!build/keep.txt\nout/\n',
      'build/keep.txt': '',
      'build/x': '',
      out: 'a file named out',
      'src/out/y': '',
    });
    assert.deepEqual(await files(), ['.gitignore', 'out']);
    assert.deepEqual(
      (await listSourceTree(root)).map((e) => e.path),
      ['.gitignore', 'out', 'src'],
    );
  });

  it('reads a .gitignore that ignores itself', async () => {
    tree({ '.gitignore': '.gitignore\nsecret\n', secret: 's', kept: '' });
    assert.deepEqual(await files(), ['kept']);
  });

  it('errs on the side of leaving out below a directory re-included by a deeper .gitignore (documented difference)', async () => {
    tree({ '.gitignore': 'd/\n', 'sub/.gitignore': '!d/\n', 'sub/d/x.txt': '' });
    assert.deepEqual(await files(), ['.gitignore', 'sub/.gitignore']);
    assert.deepEqual(gitFiles(), ['.gitignore', 'sub/.gitignore', 'sub/d/x.txt'], 'git would upload sub/d/x.txt');
  });

  it('agrees with git on a mixed tree', async () => {
    tree({
      '.gitignore': '*.log\n!important.log\n/vendor/\ndocs/**/draft-*\n**/tmp\nsecrets.*\n!secrets.example\n',
      'important.log': '',
      'debug.log': '',
      'vendor/lib.js': '',
      'app/vendor/lib.js': '',
      'docs/a/b/draft-1.md': '',
      'docs/a/final.md': '',
      'docs/draft-top.md': '',
      'x/tmp/t': '',
      tmp: 'a file',
      'secrets.yaml': '',
      'secrets.example': '',
      'charts/.gitignore': '*.tgz\n!keep-*.tgz\nvalues-local.yaml\n',
      'charts/a.tgz': '',
      'charts/keep-1.tgz': '',
      'charts/values-local.yaml': '',
      'charts/sub/values-local.yaml': '',
      'charts/sub/.gitignore': '!values-local.yaml\n*.lock\n',
      'charts/sub/x.lock': '',
      'charts/Chart.yaml': '',
      'spaces/with space.txt': '',
      'spaces/.gitignore': 'with\\ space.txt\n',
    });
    assert.deepEqual(await files(), gitFiles());
  });
});
