import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { CLUSTER_COMMANDS } from '../../src/cli/clusterCommands.js';
import { HELM_COMMANDS } from '../../src/cli/helmCommands.js';
import { LIST_COMMANDS } from '../../src/cli/list.js';
import { COMMANDS, runCli } from '../../src/cli/run.js';
import { captureCli } from '../harness/cli.js';
import { REPO_ROOT } from '../harness/paths.js';

/**
 * The files a module's static value imports reach (type-only imports and dynamic `import()` left out): what its
 * bundle initialises when it loads.
 */
function eagerClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
    for (const s of source.statements) {
      if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
      const spec = s.moduleSpecifier.text;
      if (!spec.startsWith('.')) continue;
      const clause = s.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause !== undefined &&
          clause.name === undefined &&
          clause.namedBindings !== undefined &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(entry);
  return seen;
}

describe('kluctl-ts commands', () => {
  const cli = (args: string[]) => captureCli((io) => runCli(args, io));

  it('dispatches every command of the command modules, and lists each in the help', async () => {
    assert.deepEqual(
      Object.keys(COMMANDS).sort(),
      ['render', ...Object.keys(CLUSTER_COMMANDS), ...LIST_COMMANDS, ...Object.keys(HELM_COMMANDS)].sort(),
    );
    const help = await cli(['--help']);
    for (const c of Object.keys(COMMANDS)) assert.match(help.stdout, new RegExp(`^  ${c} `, 'm'));
  });

  it('answers an unknown command with the usage, also one named like an Object property', async () => {
    // `toString` used to reach the cluster commands (`in` sees the prototype) and fail with "spec.flags is not iterable".
    for (const c of ['bogus', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const r = await cli([c]);
      assert.equal(r.code, 2, c);
      assert.match(r.stderr, new RegExp(`unknown command "${c}"`));
    }
  });

  it("loads none of the engine on the CLI's main thread before a command runs (its worker loads it)", () => {
    const src = path.join(REPO_ROOT, 'src');
    const eager = [...eagerClosure(path.join(src, 'cli', 'main.ts'))].map((f) => path.relative(src, f));
    const engine = eager.filter((f) => f.startsWith(`engine${path.sep}`)).sort();
    assert.deepEqual(engine, [
      path.join('engine', 'worker', 'client.ts'),
      path.join('engine', 'worker', 'prestart.ts'),
    ]);
    // Nor when the render command's module is loaded: the in-process engine is imported only when no engine is given.
    const render = [...eagerClosure(path.join(src, 'cli', 'render.ts'))].map((f) => path.relative(src, f));
    assert.deepEqual(
      render.filter((f) => f.startsWith(`engine${path.sep}`)),
      [],
    );
  });
});
