import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { contextValue } from '../../src/extension/contextValue.js';
import { Commands, DEPLOYMENTS_VIEW, VARIABLES_VIEW, VIEW_CONTAINER } from '../../src/extension/ids.js';
import { PROTECTED_SETTINGS, userOnlyValue } from '../../src/extension/settingsPolicy.js';
import { REPO_ROOT } from '../harness/paths.js';

interface Manifest {
  contributes: {
    commands: Array<{ command: string; title: string; category: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    views: Record<string, Array<{ id: string }>>;
    viewsContainers: { activitybar: Array<{ id: string }> };
    configuration: { properties: Record<string, { markdownDescription?: string }> };
  };
}

/**
 * A stand-in for the `vscode` module that records registerCommand() and answers everything else with an inert
 * value. Its top-level names are those @types/vscode declares, so the bundle's namespace import sees them all.
 */
function recordingVscode(registered: string[]): Record<string, unknown> {
  const inert: unknown = new Proxy(function () {}, {
    get: (_target, key) => (key === Symbol.toPrimitive ? () => '' : key === 'then' ? undefined : inert),
    apply: () => inert,
    construct: () => inert as object,
  });
  const declarations = fs.readFileSync(path.join(REPO_ROOT, 'node_modules', '@types', 'vscode', 'index.d.ts'), 'utf8');
  const names = [...declarations.matchAll(/^\texport (?:class|enum|namespace|const|function|let) (\w+)/gm)].map(
    (m) => m[1],
  );
  const vscode: Record<string, unknown> = Object.fromEntries(names.map((n) => [n, inert]));
  vscode.commands = new Proxy(
    {
      registerCommand: (id: string) => {
        registered.push(id);
        return { dispose: () => undefined };
      },
    },
    { get: (target, key) => (key in target ? target[key as 'registerCommand'] : inert) },
  );
  return vscode;
}

/** The command ids src/extension/commands registers, run against the recording vscode module. */
async function registeredCommands(): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-contributions-'));
  try {
    const outfile = path.join(dir, 'commands.cjs');
    await esbuild.build({
      entryPoints: [path.join(REPO_ROOT, 'src', 'extension', 'commands', 'index.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['vscode'],
      logLevel: 'silent',
    });
    const registered: string[] = [];
    const vscode = recordingVscode(registered);
    const module = { exports: {} as { registerCommands: (ctx: unknown) => unknown[] } };
    const requireReal = createRequire(outfile);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- runs the bundle built just above, with the stub
    const run = new Function('require', 'module', 'exports', fs.readFileSync(outfile, 'utf8')) as (
      ...args: unknown[]
    ) => void;
    run((id: string) => (id === 'vscode' ? vscode : (requireReal(id) as unknown)), module, module.exports);
    const disposables = module.exports.registerCommands(new Proxy({}, { get: () => undefined }));
    assert.equal(disposables.length, registered.length, 'one disposable per registered command');
    return registered;
  } finally {
    await esbuild.stop(); // its service process would outlive the run
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('contributions (package.json ⇔ code)', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();

  it('contributes exactly the commands the code registers, all in the Kluctl category', async function () {
    this.timeout(120_000); // bundles src/extension/commands
    const registered = await registeredCommands();
    assert.equal(new Set(registered).size, registered.length, `a command registered twice: ${registered.join(', ')}`);
    assert.deepEqual(contributed, [...registered].sort());
    assert.deepEqual(contributed, Object.values(Commands).sort());
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'Kluctl', c.command);
  });

  it('menus only name contributed commands, and deployment menus use the contextValue grammar', () => {
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) {
        assert.ok(contributed.includes(entry.command), `${menu}: ${entry.command}`);
        if (entry.when?.includes('viewItem')) {
          assert.match(entry.when, /viewItem =~ \/(\^kluctl:\w+\\b|\\\+\w+\\b)\//, `${menu}: ${entry.when}`);
          // VS Code has no `!~` operator: a negated match is `!(viewItem =~ /…/)`.
          assert.doesNotMatch(entry.when, /!~/, `${menu}: ${entry.when}`);
        }
      }
    }
  });

  it('suspend and resume are never offered together', () => {
    const items = manifest.contributes.menus['view/item/context'];
    const suspend = items.find((i) => i.command === Commands.suspend)?.when ?? '';
    const resume = items.find((i) => i.command === Commands.resume)?.when ?? '';
    assert.match(suspend, /!\(viewItem =~ \/\\\+suspended\\b\/\)/);
    assert.match(resume, /viewItem =~ \/\\\+suspended\\b\//);
  });

  it('declares the view container and view the code uses, and documents every setting', () => {
    assert.deepEqual(
      manifest.contributes.viewsContainers.activitybar.map((c) => c.id),
      [VIEW_CONTAINER],
    );
    assert.deepEqual(
      manifest.contributes.views[VIEW_CONTAINER].map((v) => v.id),
      [DEPLOYMENTS_VIEW, VARIABLES_VIEW],
    );
    for (const [key, prop] of Object.entries(manifest.contributes.configuration.properties))
      assert.ok(prop.markdownDescription, key);
  });

  it('builds contextValues in the kluctl:<type>+flag grammar', () => {
    assert.equal(
      contextValue('deployment', { suspended: true, drift: false, manual: true }),
      'kluctl:deployment+suspended+manual',
    );
    assert.equal(contextValue('context'), 'kluctl:context');
    assert.match(contextValue('deployment', { suspended: true }), /^kluctl:deployment\b/);
  });
});

describe('settings that protect stay with the user', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { scope?: string }> } };
  };

  it('are machine-scoped in package.json, so VS Code ignores them in workspace and folder settings', () => {
    for (const key of PROTECTED_SETTINGS)
      assert.equal(manifest.contributes.configuration.properties[`kluctl.${key}`]?.scope, 'machine', key);
    assert.deepEqual([...PROTECTED_SETTINGS].sort(), [
      'confirmClusterChanges',
      'controllerNamespace',
      'diff.revealSecrets',
      'localSourceOverridePort',
      'requestTimeoutSeconds',
    ]);
  });

  it('are read from user (or remote) settings only: a workspace value is ignored', () => {
    assert.equal(userOnlyValue({ defaultValue: true, workspaceValue: false }), true);
    assert.equal(userOnlyValue({ defaultValue: true, workspaceFolderValue: false }), true);
    assert.equal(userOnlyValue({ defaultValue: false, globalValue: false, workspaceValue: true }), false);
    assert.equal(userOnlyValue({ defaultValue: 30, globalValue: 5, workspaceValue: 1 }), 5);
    assert.equal(userOnlyValue({ defaultValue: 'kluctl-system', workspaceValue: 'evil' }), 'kluctl-system');
    assert.equal(userOnlyValue(undefined), undefined);
  });
});
