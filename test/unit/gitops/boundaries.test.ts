import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../harness/paths.js';

const ALLOWED = [/^node:/, /^yaml$/, /^simple-git$/, /^diff-match-patch$/, /^\.\.?\//];

function importedModules(source: string): string[] {
  const pattern = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...source.matchAll(pattern)].map((m) => m[1]);
}

describe('gitops core boundaries', () => {
  const dir = path.join(REPO_ROOT, 'src', 'gitops');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it('imports only node: built-ins, yaml, simple-git, diff-match-patch and its own or sibling modules (never vscode)', () => {
    const offenders = files.flatMap((file) =>
      importedModules(fs.readFileSync(path.join(dir, file), 'utf8'))
        .filter((spec) => !ALLOWED.some((allowed) => allowed.test(spec)))
        .map((spec) => `${file}: ${spec}`),
    );
    assert.ok(files.length > 0);
    assert.deepEqual(offenders, []);
  });

  it('writes relative imports with .js, as NodeNext resolution requires', () => {
    const offenders = files.flatMap((file) =>
      importedModules(fs.readFileSync(path.join(dir, file), 'utf8'))
        .filter((spec) => spec.startsWith('.') && !spec.endsWith('.js'))
        .map((spec) => `${file}: ${spec}`),
    );
    assert.deepEqual(offenders, []);
  });

  it('the import scan sees every form, vscode included', () => {
    const sample =
      "import * as vscode from 'vscode';\nimport { x } from \"./a.js\";\nconst y = await import('yaml');\nimport 'node:fs';";
    assert.deepEqual(importedModules(sample), ['vscode', './a.js', 'yaml', 'node:fs']);
  });
});
