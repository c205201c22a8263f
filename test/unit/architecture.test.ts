import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/paths.js';
import { VERSION } from '../../src/version.js';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

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
