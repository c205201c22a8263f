import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GitRepoCache } from '../../src/engine/git/repo-cache.js';
import { renderProject } from '../../src/engine/render/render-project.js';
import type { VarsSource } from '../../src/engine/project/types.js';
import type { JsonObject } from '../../src/kluctl/uo/merge.js';
import { loadVarsList, type VarsLoaderContext } from '../../src/engine/vars/vars-loader.js';
import { tempTree } from '../harness/files.js';
import { git, type GitServer } from '../harness/git-server.js';
import { sharedGitServer, uniqueName } from '../harness/shared.js';

/**
 * `gitFiles` vars exist only since Kluctl v2.23, so the v2.22.1 oracle cannot judge them: these tests follow the
 * v2.28.2 implementation and its `TestGitFiles` (vars_loader_git_files_test.go) against the loopback Git server.
 */

const yamlFile = (v: number) => `test1:\n  test2: ${v}\n`;

/** main plus branches b1, b2, c1 and tags v1.0 (lightweight, on b1) and v1.1 (annotated, on b2). */
async function createRepo(gs: GitServer): Promise<{ url: string; commits: Record<string, string> }> {
  const name = uniqueName('git-files');
  const bare = path.join(gs.root, `${name}.git`);
  const dirs = { 'dir1/test.yaml': yamlFile(1), 'dir2/test.yaml': yamlFile(2) };
  const b1 = await gs.pushTree(name, { files: { ...dirs, 'test1.yaml': yamlFile(142), 'test2.yaml': yamlFile(143) } });
  git(bare, 'branch', 'b1', b1);
  git(bare, 'tag', 'v1.0', b1);
  const b2 = await gs.pushTree(name, { files: { ...dirs, 'test1.yaml': yamlFile(242), 'test2.yaml': yamlFile(243) } });
  git(bare, 'branch', 'b2', b2);
  git(bare, '-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'tag', '-a', '-m', 'v1.1', 'v1.1', b2);
  const c1 = await gs.pushTree(name, {
    files: {
      ...dirs,
      'test3.yaml': yamlFile(342),
      'test4.yaml': yamlFile(343),
      'multidoc.yaml': '\ntest1:\n  test2: 1000\n---\ntest1:\n  test2: 2000\n',
      'rendered.yaml': '\ntest1:\n  test2: {{ 1 + 2 }}\n---\ntest1:\n  test2: {{ myVar }}\n',
      'secret.yaml': 'a: ENC[AES256_GCM,data:x]\nsops:\n  mac: ENC[x]\n  lastmodified: "2024-01-01T00:00:00Z"\n',
    },
  });
  git(bare, 'branch', 'c1', c1);
  const main = await gs.pushTree(name, { files: { ...dirs, 'test1.yaml': yamlFile(42), 'test2.yaml': yamlFile(43) } });
  return { url: gs.url(name), commits: { b1, b2, c1, main } };
}

describe('engine vars: gitFiles (v2.28 semantics) @integration', function () {
  this.timeout(300_000);
  let tmp: string;
  let ctx: VarsLoaderContext;
  let repo: { url: string; commits: Record<string, string> };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vars-git-files-'));
    ctx = { gitCache: new GitRepoCache(path.join(tmp, 'cache')), env: {} };
    repo = await createRepo(await sharedGitServer());
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function load(
    gitFiles: Partial<NonNullable<VarsSource['gitFiles']>>,
    extra: Partial<VarsSource> = { targetPath: 'my.target' },
    vars: JsonObject = {},
  ): Promise<JsonObject> {
    return loadVarsList(
      ctx,
      vars,
      [{ gitFiles: { url: repo.url, ...gitFiles }, ...extra }],
      [],
      path.join(tmp, 'deployment.yaml'),
    );
  }
  const results = (vars: JsonObject) => (vars.my as JsonObject).target as Array<JsonObject & { files: JsonObject[] }>;
  const paths = (r: { files: JsonObject[] }) => r.files.map((f) => f.path);

  it('default branch, one file: the full result shape', async () => {
    const vars = await load({ files: [{ glob: 'test1.yaml' }] });
    const file = { file: { glob: 'test1.yaml' }, path: 'test1.yaml', size: yamlFile(42).length, content: yamlFile(42) };
    assert.deepEqual(results(vars), [
      {
        ref: { branch: 'main' },
        refStr: 'refs/heads/main',
        files: [file],
        filesByPath: { 'test1.yaml': file },
        filesTree: { 'test1.yaml': file },
      },
    ]);
  });

  it('globs: `*` stays in one directory, files come in walk order and form a tree', async () => {
    assert.deepEqual(paths(results(await load({ files: [{ glob: 'test*.yaml' }] }))[0]), ['test1.yaml', 'test2.yaml']);
    const [r] = results(await load({ files: [{ glob: 'dir*/*.yaml' }] }));
    assert.deepEqual(paths(r), ['dir1/test.yaml', 'dir2/test.yaml']);
    assert.deepEqual(Object.keys(r.filesByPath as JsonObject), ['dir1/test.yaml', 'dir2/test.yaml']);
    const tree = r.filesTree as Record<string, Record<string, JsonObject>>;
    assert.equal(tree.dir2['test.yaml'].content, yamlFile(2));
    assert.deepEqual(paths(results(await load({ files: [{ glob: '**.yaml' }] }))[0]), [
      'dir1/test.yaml',
      'dir2/test.yaml',
      'test1.yaml',
      'test2.yaml',
    ]);
  });

  it('the first matching glob wins and its spec is echoed without false flags', async () => {
    const [r] = results(
      await load({
        files: [
          { glob: 'test1.yaml', render: false },
          { glob: 'test*.yaml', parseYaml: true },
        ],
      }),
    );
    assert.deepEqual(
      r.files.map((f) => f.file),
      [{ glob: 'test1.yaml' }, { glob: 'test*.yaml', parseYaml: true }],
    );
    assert.equal(r.files[0].parsed, undefined);
    assert.deepEqual(r.files[1].parsed, { test1: { test2: 43 } });
  });

  it('branch regexes match whole names; no files gives empty lists', async () => {
    const rs = results(await load({ ref: { branch: 'b.*' } }));
    assert.deepEqual(
      rs.map((r) => [r.ref, r.refStr, r.files, r.filesByPath, r.filesTree]),
      [
        [{ branch: 'b1' }, 'refs/heads/b1', [], {}, {}],
        [{ branch: 'b2' }, 'refs/heads/b2', [], {}, {}],
      ],
    );
    assert.deepEqual(results(await load({ ref: { branch: 'b' } })), []);
  });

  it('several branches with parsed YAML', async () => {
    const rs = results(
      await load({ ref: { branch: 'b.*' }, files: [{ glob: 'test1.yaml' }, { glob: 'test2.yaml', parseYaml: true }] }),
    );
    assert.deepEqual(
      rs.map((r) => [r.refStr, r.files.map((f) => [f.path, f.parsed])]),
      [
        [
          'refs/heads/b1',
          [
            ['test1.yaml', undefined],
            ['test2.yaml', { test1: { test2: 143 } }],
          ],
        ],
        [
          'refs/heads/b2',
          [
            ['test1.yaml', undefined],
            ['test2.yaml', { test1: { test2: 243 } }],
          ],
        ],
      ],
    );
  });

  it('tag regexes, lightweight and annotated tags', async () => {
    const rs = results(await load({ ref: { tag: 'v1\\..*' }, files: [{ glob: 'test1.yaml', parseYaml: true }] }));
    assert.deepEqual(
      rs.map((r) => [r.ref, r.refStr, (r.files[0].parsed as JsonObject).test1]),
      [
        [{ tag: 'v1.0' }, 'refs/tags/v1.0', { test2: 142 }],
        [{ tag: 'v1.1' }, 'refs/tags/v1.1', { test2: 242 }],
      ],
    );
  });

  it('a commit ref is reported as the ref pointing at it', async () => {
    const rs = results(await load({ ref: { commit: repo.commits.c1 }, files: [{ glob: 'test3.yaml' }] }));
    assert.deepEqual([rs[0].ref, paths(rs[0])], [{ branch: 'c1' }, ['test3.yaml']]);
    await assert.rejects(load({ ref: { commit: '0'.repeat(40) } }), /commit 0+ not found/);
  });

  it('multi-document YAML and rendering with the current vars', async () => {
    const [multi] = results(
      await load({ ref: { branch: 'c1' }, files: [{ glob: 'multidoc.yaml', parseYaml: true, yamlMultiDoc: true }] }),
    );
    assert.deepEqual(multi.files[0].parsed, [{ test1: { test2: 1000 } }, { test1: { test2: 2000 } }]);
    const [rendered] = results(
      await load(
        {
          ref: { branch: 'c1' },
          files: [{ glob: 'rendered.yaml', render: true, parseYaml: true, yamlMultiDoc: true }],
        },
        { targetPath: 'my.target' },
        { myVar: 4 },
      ),
    );
    // Jinja2 drops one trailing newline; `size` stays the size of the file in Git.
    assert.equal(rendered.files[0].content, '\ntest1:\n  test2: 3\n---\ntest1:\n  test2: 4');
    assert.equal(rendered.files[0].size, '\ntest1:\n  test2: {{ 1 + 2 }}\n---\ntest1:\n  test2: {{ myVar }}\n'.length);
    assert.deepEqual(rendered.files[0].parsed, [{ test1: { test2: 3 } }, { test1: { test2: 4 } }]);
  });

  it('needs targetPath; no matching ref is null with ignoreMissing', async () => {
    await assert.rejects(
      load({}, {}),
      /deployment\.yaml: vars source gitFiles \S+: 'targetPath' is required for this variable source/,
    );
    assert.deepEqual(
      results(await load({ ref: { branch: 'nope' } }, { targetPath: 'my.target', ignoreMissing: true })),
      null,
    );
  });

  it('errors name the deployment.yaml and the source', async () => {
    await assert.rejects(
      load({ ref: { branch: 'c1' }, files: [{ glob: 'secret.yaml' }] }),
      /vars source gitFiles \S+ ref refs\/heads\/c1: failed to decrypt file secret\.yaml: cannot get sops data key: the file names no master key/,
    );
    await assert.rejects(load({ ref: { branch: '(' } }), /invalid branch regex specified/);
    await assert.rejects(load({ ref: 'main' }), /a plain string ref \(main\) is not supported here/);
    await assert.rejects(
      loadVarsList(
        ctx,
        {},
        [{ gitFiles: { url: 'http://127.0.0.1:1/none.git' }, targetPath: 'x' }],
        [],
        path.join(tmp, 'deployment.yaml'),
      ),
      /deployment\.yaml: vars source gitFiles http:\/\/127\.0\.0\.1:1\/none\.git: failed to fetch git repository/,
    );
  });

  it('renders a project whose templates loop over the gitFiles result', async () => {
    const project = tempTree('git-files-project-', {
      'deployment.yaml': [
        'vars:',
        '  - gitFiles:',
        `      url: ${repo.url}`,
        '      ref:',
        '        branch: b.*',
        '      files:',
        '        - glob: test2.yaml',
        '          parseYaml: true',
        '    targetPath: envs',
        'deployments:',
        '  - path: cm',
        '',
      ].join('\n'),
      'cm/configmap.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: envs',
        'data:',
        '{% for e in envs %}',
        '  {{ e.ref.branch }}: "{{ e.filesByPath["test2.yaml"].parsed.test1.test2 }}"',
        '{% endfor %}',
        '',
      ].join('\n'),
    });
    const saved = process.env.KLUCTL_TS_CACHE_DIR;
    try {
      process.env.KLUCTL_TS_CACHE_DIR = path.join(tmp, 'render-cache');
      const result = await renderProject({ projectDir: project, offline: true, env: {} });
      assert.deepEqual(result.objects[0].data, { b1: '143', b2: '243' });
    } finally {
      if (saved === undefined) delete process.env.KLUCTL_TS_CACHE_DIR;
      else process.env.KLUCTL_TS_CACHE_DIR = saved;
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
});
