import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/paths.js';
import { VERSION } from '../../src/version.js';
import {
  directoryCycles,
  fileCycles,
  layerViolations,
  readImportGraph,
  readTree,
  reExports,
  sourceFiles,
  type Layer,
} from './importGraph.js';

/**
 * The layers of ARCHITECTURE.md, lowest first: a file may import its own layer and lower ones, never a higher one
 * nor a sibling of the same rank (gitops and engine do not know each other, nor do cli and extension).
 */
export const LAYERS: readonly Layer[] = [
  { name: 'util', rank: 0, paths: ['util', 'version.ts'] },
  { name: 'kube', rank: 1, paths: ['kube'] },
  { name: 'kluctl', rank: 2, paths: ['kluctl'] },
  { name: 'gitops', rank: 3, paths: ['gitops'] },
  { name: 'engine', rank: 3, paths: ['engine'] },
  { name: 'cli', rank: 4, paths: ['cli'] },
  { name: 'extension', rank: 4, paths: ['extension'] },
];

const importsVscode = /(?:from\s+['"]vscode['"]|import\(\s*['"]vscode['"]\s*\)|require\(\s*['"]vscode['"]\s*\))/;

describe('architecture', () => {
  it('keeps the core pure: only src/extension imports vscode', () => {
    const src = path.join(REPO_ROOT, 'src');
    const offenders = sourceFiles(src)
      .filter((file) => !file.startsWith(path.join(src, 'extension') + path.sep))
      .filter((file) => importsVscode.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(REPO_ROOT, file));
    assert.deepEqual(offenders, []);
  });

  it('the check itself recognises every import form', () => {
    for (const line of [
      "import * as vscode from 'vscode';",
      'import { window } from "vscode"',
      "const v = require('vscode')",
      "await import('vscode')",
    ]) {
      assert.match(line, importsVscode, line);
    }
    assert.doesNotMatch("import { x } from './vscode-free.js';", importsVscode);
  });
});

describe('import graph', () => {
  const graph = readImportGraph(path.join(REPO_ROOT, 'src'));

  it('reads the graph of the whole tree', () => {
    assert.ok(graph.size > 200, `only ${graph.size} files`);
    assert.ok(
      graph.get('cli/main.ts')?.some((e) => e.to === 'cli/run.ts'),
      'cli/main.ts imports run.ts',
    );
  });

  it('has no cycles between files', () => {
    assert.deepEqual(fileCycles(graph), []);
  });

  it('has no cycles between directories', () => {
    assert.deepEqual(directoryCycles(graph), []);
  });

  it('imports only downwards through the layers', () => {
    assert.deepEqual(layerViolations(graph, LAYERS), []);
  });

  it('has no barrels: every name is imported from the file that declares it', () => {
    assert.deepEqual(reExports(readTree(path.join(REPO_ROOT, 'src'))), []);
  });
});

describe('ARCHITECTURE.md', () => {
  it('has a row of the layer table for every directory under src, and none for a directory that is gone', () => {
    const src = path.join(REPO_ROOT, 'src');
    const directories = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .flatMap((e) => [path.join(dir, e.name), ...directories(path.join(dir, e.name))]);
    const actual = directories(src)
      .map((d) => `src/${path.relative(src, d).split(path.sep).join('/')}`)
      .sort();
    const text = fs.readFileSync(path.join(REPO_ROOT, 'ARCHITECTURE.md'), 'utf8');
    const rows = text
      .split('\n')
      .filter((l) => l.startsWith('| `src/'))
      .flatMap((l) => [...l.split('|')[1].matchAll(/`(src\/[^`]+)`/g)].map((m) => m[1]))
      .filter((p) => !p.endsWith('.ts'))
      .sort();
    assert.deepEqual(rows, actual);
  });
});

describe('import graph checker', () => {
  const tree = (files: Record<string, string>) => readImportGraph('/planted', files);

  it('fails on a planted cycle between files, in every import form', () => {
    const graph = tree({
      'engine/a.ts': "import { b } from './b.js';\nexport const a = 1;",
      'engine/b.ts': "export { c } from './sub/c.js';\nexport const b = 1;",
      'engine/sub/c.ts': "export const c = async () => (await import('../a.js')).a;",
      'engine/d.ts': "import type { a } from './a.js';",
    });
    assert.deepEqual(fileCycles(graph), [['engine/a.ts', 'engine/b.ts', 'engine/sub/c.ts']]);
  });

  it('fails on a cycle between unrelated directories but not between a directory and its subdirectory', () => {
    const graph = tree({
      'engine/git/refs.ts': "import type { T } from '../project/types.js';",
      'engine/project/types.ts': "import type { R } from '../vars/x.js';",
      'engine/vars/x.ts': "import { refs } from '../git/refs.js';",
      'engine/kustomize/index.ts': "import { p } from './patches/p.js';",
      'engine/kustomize/patches/p.ts': "import { e } from '../errors.js';",
      'engine/kustomize/errors.ts': '',
    });
    assert.deepEqual(directoryCycles(graph), [['engine/git', 'engine/project', 'engine/vars']]);
  });

  it('fails on an upward import and on an import between sibling layers', () => {
    const graph = tree({
      'kube/client.ts': "import { x } from '../kluctl/results.js';",
      'kluctl/results.ts': "import { y } from '../kube/client.js';",
      'engine/cluster/commands.ts': "import { z } from '../../gitops/status.js';",
      'gitops/status.ts': "import { w } from '../kluctl/results.js';",
      'cli/run.ts': "import { v } from '../engine/cluster/commands.js';",
    });
    assert.deepEqual(layerViolations(graph, LAYERS), [
      'kube/client.ts:1 (kube) imports kluctl/results.ts (kluctl), which is not below it',
      'engine/cluster/commands.ts:1 (engine) imports gitops/status.ts (gitops), which is not below it',
    ]);
  });

  it('fails on a planted barrel and on a re-exported import, not on a local export list', () => {
    const files = {
      'kube/index.ts': "export * from './client.js';\nexport { watch, type Watch } from './watch.js';",
      'kube/errors.ts':
        "import { CancelledError } from '../util/errors.js';\nexport class E {}\nexport { CancelledError };",
      'kube/schema.ts': "import type { T } from './types.js';\nconst int = 1;\nexport { int };\nexport const t: T = 1;",
    };
    assert.deepEqual(reExports(files), [
      "kube/errors.ts:3 re-exports its import 'CancelledError'",
      "kube/index.ts:1 re-exports from './client.js'",
      "kube/index.ts:2 re-exports from './watch.js'",
    ]);
  });

  it('names a file outside every layer', () => {
    assert.deepEqual(layerViolations(tree({ 'stray/x.ts': '' }), LAYERS), ['stray/x.ts belongs to no layer']);
  });
});

describe('extension manifest', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    main: string;
    version: string;
    bin: Record<string, string>;
    engines: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('points main and bin at the esbuild bundles', () => {
    const build = fs.readFileSync(path.join(REPO_ROOT, 'esbuild.mjs'), 'utf8');
    assert.equal(manifest.main, './dist/extension.cjs');
    assert.equal(manifest.bin['kluctl-ts'], './dist/cli.cjs');
    assert.ok(build.includes("outfile: 'dist/extension.cjs'") && build.includes("outfile: 'dist/cli.cjs'"));
  });

  it('pins @types/vscode no newer than engines.vscode', () => {
    const engine = manifest.engines.vscode.replace(/^\^/, '');
    assert.equal(manifest.devDependencies['@types/vscode'], engine);
  });

  it('keeps src/version.ts in step with package.json', () => {
    assert.equal(VERSION, manifest.version);
  });

  it('uses a @kubernetes/client-node that runs on Node 20 (1.x)', () => {
    assert.match(manifest.dependencies['@kubernetes/client-node'], /^\^1\./);
  });
});
