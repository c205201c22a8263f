import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KluctlExtensionApi } from '../../../src/extension/main.js';

/**
 * Issue #18 in a real VS Code: diagnostics as you work, hover, completion, Go to Definition, the Variables view and
 * the rendered preview, on the project of test/harness/insight-project.ts (test/integration/vscode-language.test.ts
 * opens it as the workspace and sets KLUCTL_EXT_TEST_INSIGHT).
 */
const workspace = process.env.KLUCTL_EXT_TEST_INSIGHT ?? '';
const EXTENSION_ID = 'kluctl-tools.kluctl-gitops';

async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const hoverText = (hovers: vscode.Hover[]) =>
  hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n')
    .replace(/\\(.)/g, '$1');

describe('Kluctl project insight in the editor (issue #18)', function () {
  this.timeout(120_000);
  let api: KluctlExtensionApi;
  const file = (p: string) => vscode.Uri.file(path.join(workspace, p));
  const kluctlErrors = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'kluctl');

  let original = '';
  // Each test starts from the project as written: the file on disk and its editor as they were.
  afterEach(async () => {
    fs.writeFileSync(path.join(workspace, 'app/cm.yaml'), original);
    const doc = await vscode.workspace.openTextDocument(file('app/cm.yaml'));
    await vscode.window.showTextDocument(doc);
    if (doc.isDirty) await vscode.commands.executeCommand('workbench.action.files.revert');
    // VS Code reloads a file changed on disk by itself, a little later: an edit the next test makes before that can be
    // undone by the reload (in CI the typed error then never came). Wait until the editor holds the file as written.
    await waitFor('the editor to hold the file as written', () =>
      !doc.isDirty && doc.getText() === original ? true : undefined,
    );
    await api.language.insight.analyze(workspace);
  });

  before(async function () {
    if (!workspace) this.skip();
    original = fs.readFileSync(path.join(workspace, 'app/cm.yaml'), 'utf8');
    const ext = vscode.extensions.getExtension<KluctlExtensionApi>(EXTENSION_ID)!;
    api = await ext.activate();
    await vscode.window.showTextDocument(file('app/cm.yaml'));
    await waitFor('the first analysis', () => api.language.insight.analysis(workspace));
    // Templated YAML opens in the Kluctl YAML mode (the document is replaced once: later tests open the new one).
    await waitFor('the Kluctl YAML mode', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file('app/cm.yaml').fsPath)?.languageId ===
      'kluctl-yaml'
        ? true
        : undefined,
    );
  });

  it('templated YAML opens in the Kluctl YAML mode, highlighted by YAML + the Jinja2 injection, with no other Problems', async () => {
    const uri = file('app/cm.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'kluctl-yaml');
    // A file without a tag stays YAML (its schema comes from the YAML tooling).
    const plain = await vscode.workspace.openTextDocument(file('deployment.yaml'));
    assert.equal(plain.languageId, 'yaml');
    // vars/common.yaml holds `{{`: switched on open too.
    await vscode.workspace.openTextDocument(file('vars/common.yaml'));
    await waitFor('vars/common.yaml in the Kluctl YAML mode', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file('vars/common.yaml').fsPath)?.languageId ===
      'kluctl-yaml'
        ? true
        : undefined,
    );
    // No diagnostics at all on the templated file, from any source (Kluctl's own included: it renders cleanly).
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(
      vscode.languages.getDiagnostics(uri).map((d) => `${d.source}: ${d.message}`),
      [],
    );
    const yamlTooling = vscode.extensions.all.filter((e) => /yaml/i.test(e.id) && !e.id.startsWith('vscode.'));
    console.log(`      YAML extensions installed: ${yamlTooling.map((e) => e.id).join(', ') || 'none (VS Code only)'}`);
    // The workbench's own tokenizer (the command VS Code's colorizer tests use): YAML scopes for the keys, the
    // injection's for the tags, all under the Kluctl YAML root scope.
    assert.ok((await vscode.languages.getLanguages()).includes('kluctl-yaml'));
    const tokens = await vscode.commands
      .executeCommand<Array<{ c: string; t: string }>>('_workbench.captureSyntaxTokens', uri)
      .then(
        (t) => t,
        () => undefined,
      );
    if (!Array.isArray(tokens)) {
      console.log('      _workbench.captureSyntaxTokens is not available here: scopes not checked in the workbench');
      return;
    }
    const scopes = (text: string) => tokens.find((t) => t.c === text)?.t ?? `(no token ${text})`;
    assert.match(scopes('kind'), /^source\.kluctl-yaml .*entity\.name\.tag\.yaml/);
    assert.match(scopes('{{'), /meta\.embedded\.expression\.jinja punctuation\.section\.embedded\.begin\.jinja/);
    assert.match(scopes('upper'), /support\.function\.filter\.jinja/);
  });

  it('an undefined variable shows an error at its line after saving (time printed); fixing it clears it', async () => {
    const uri = file('app/cm.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    assert.deepEqual(kluctlErrors(uri), [], 'no problem before');
    await editor.edit((e) => e.insert(new vscode.Position(9, 0), '  broken: "{{ db.hostname }}"\n'));
    const saved = Date.now();
    await doc.save();
    const diagnostic = await waitFor(
      'the error of the undefined variable',
      () => kluctlErrors(uri).find((d) => d.message.includes('hostname')),
      10_000,
    );
    const ms = Date.now() - saved;
    assert.equal(diagnostic.range.start.line, 9);
    assert.equal(doc.getText(diagnostic.range), 'hostname');
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.match(
      diagnostic.message,
      /UndefinedError: 'dict object' has no attribute 'hostname'.*vars file vars\/common.yaml/,
    );
    console.log(`      diagnostic shown ${ms} ms after the save`);

    await editor.edit((e) => e.replace(diagnostic.range, 'host'));
    const fixed = Date.now();
    await doc.save();
    await waitFor('the error to clear', () => (kluctlErrors(uri).length === 0 ? true : undefined), 10_000);
    console.log(`      cleared ${Date.now() - fixed} ms after the fixing save`);
    // The time is a figure, not an assertion (a loaded CI machine took longer): `npm run bench` holds the target
    // (the editor row: diagnostics after a save of the 2,000-object project).
    console.log(`      (load average ${os.loadavg()[0].toFixed(1)})`);
  });

  it('shows an error while typing (before saving) in the edited file', async () => {
    const uri = file('app/cm.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.insert(new vscode.Position(9, 0), '  typed: "{{ nothere }}"\n'));
    const d = await waitFor(
      'the error while typing',
      () => kluctlErrors(uri).find((x) => x.message.includes('nothere')),
      30_000,
    );
    assert.equal(d.range.start.line, 9);
    assert.match(d.message, /'nothere' is undefined/);
    // Deleting the typed line (still unsaved) clears it again.
    await editor.edit((e) => e.delete(new vscode.Range(9, 0, 10, 0)));
    await waitFor('the fix while typing to clear it', () => (kluctlErrors(uri).length === 0 ? true : undefined));
    // Typed again, then File: Revert: the buffer is the file again, and so are its Problems.
    await editor.edit((e) => e.insert(new vscode.Position(9, 0), '  typed: "{{ nothere }}"\n'));
    await waitFor('the error typed again', () => kluctlErrors(uri).find((x) => x.message.includes('nothere')), 30_000);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.equal(doc.isDirty, false);
    await waitFor('File: Revert to clear it', () => (kluctlErrors(uri).length === 0 ? true : undefined), 10_000);
  });

  it('a looping template typed into the buffer is stopped with a diagnostic; the extension host stays responsive', async () => {
    const uri = file('app/cm.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    // This thread's largest timer delay while the loop runs: the render is in the engine worker, not here.
    let lag = 0;
    let last = Date.now();
    const ticker = setInterval(() => {
      lag = Math.max(lag, Date.now() - last - 50);
      last = Date.now();
    }, 50);
    const limits = { ...api.language.insight.limits };
    try {
      // 1. The step budget of the editor's renders ends range(10**9) at its line.
      await editor.edit((e) =>
        e.insert(new vscode.Position(9, 0), '{% for i in range(10**9) %}\n  k{{ i }}: x\n{% endfor %}\n'),
      );
      const budget = await waitFor(
        'the budget diagnostic',
        () => kluctlErrors(uri).find((d) => d.message.includes('RenderBudgetExceeded')),
        60_000,
      );
      assert.ok([9, 10].includes(budget.range.start.line), `line ${budget.range.start.line}`);
      assert.match(budget.message, /exceeded its budget of 10000000 steps \(an endless or extremely long loop\?\)/);
      // 2. Past the time limit (a budget too large to help), the render's worker is terminated and a diagnostic says why.
      api.language.insight.limits.renderSteps = 1e12;
      api.language.insight.limits.previewMs = 2_000;
      await editor.edit((e) => e.insert(new vscode.Position(9, 0), '# again\n'));
      // The time limit ends it, or on a fast machine the output budget (256 Mi characters) comes first: either way
      // the render stops by itself with a diagnostic that says why.
      const stopped = await waitFor(
        'the timeout diagnostic',
        () => kluctlErrors(uri).find((d) => /was stopped after 2 s|render output exceeds its budget/.test(d.message)),
        30_000,
      ).catch((error: Error) => {
        throw new Error(
          `${error.message}; shown: ${kluctlErrors(uri)
            .map((d) => d.message)
            .join(' | ')}`,
        );
      });
      assert.match(
        stopped.message,
        /rendering cm.yaml was stopped after 2 s \(an endless loop|the render output exceeds its budget of 268435456 characters/,
      );
      // 3. A macro that calls itself.
      Object.assign(api.language.insight.limits, limits);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await editor.edit((e) =>
        e.insert(new vscode.Position(9, 0), '{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n  r: "{{ f(0) }}"\n'),
      );
      const recursion = await waitFor(
        'the recursion diagnostic',
        () => kluctlErrors(uri).find((d) => d.message.includes('RecursionError')),
        30_000,
      );
      assert.match(recursion.message, /maximum recursion depth exceeded: macro 'f'/);
      // File: Revert drops the buffer's problem: the file as saved renders without one.
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await waitFor(
        'File: Revert to clear it',
        () => (kluctlErrors(uri).length === 0 ? true : undefined),
        10_000,
      ).catch((error: Error) => {
        throw new Error(
          `${error.message}; shown: ${kluctlErrors(uri)
            .map((d) => d.message)
            .join(' | ')}; dirty: ${doc.isDirty}`,
        );
      });
    } finally {
      clearInterval(ticker);
      Object.assign(api.language.insight.limits, limits);
    }
    console.log(`      largest timer lag in the extension host during the loops: ${lag} ms`);
    assert.ok(lag < 1_000, `the extension host was blocked for ${lag} ms`);
  });

  it('hover shows the value and source of a target arg, an arg default and a vars-file value', async () => {
    const uri = file('app/cm.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const hover = async (needle: string) => {
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => l.includes(needle));
      const col = doc.lineAt(line).text.indexOf(needle) + needle.length - 1;
      return hoverText(
        await vscode.commands.executeCommand<vscode.Hover[]>(
          'vscode.executeHoverProvider',
          uri,
          new vscode.Position(line, col),
        ),
      );
    };
    const env = await hover('args.environment');
    assert.match(env, /args.environment.*=.*`production`/);
    assert.match(env, /From arg of target prod — .kluctl.yaml:9/);
    assert.match(env, /overridden: default of arg environment — .kluctl.yaml:3 = `dev`/);
    const replicas = await hover('args.replicas');
    assert.match(replicas, /`1`/);
    assert.match(replicas, /From default of arg replicas — .kluctl.yaml:5/);
    const host = await hover('db.host');
    assert.match(host, /`db-production`/);
    assert.match(host, /From vars file vars\/common.yaml — vars\/common.yaml:2/);
    assert.match(await hover('upper'), /Jinja2 filter/);
  });

  it('completion lists args, vars keys and filters', async () => {
    const uri = file('app/cm.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('args.environment'));
    const col = doc.lineAt(line).text.indexOf('args.') + 'args.'.length;
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      uri,
      new vscode.Position(line, col),
    );
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('environment') && labels.includes('replicas'), labels.join(','));
    const env = list.items.find((i) => i.label === 'environment')!;
    assert.match(String(env.detail), /production — arg of target prod/);
    const top = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      uri,
      new vscode.Position(line, doc.lineAt(line).text.indexOf('args.')),
    );
    const topLabels = top.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const l of ['args', 'target', 'db', 'load_template', 'get_var']) assert.ok(topLabels.includes(l), l);
  });

  it('Go to Definition jumps to the vars file line and to an included deployment', async () => {
    const uri = file('app/cm.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('db.host'));
    const defs = await vscode.commands.executeCommand<vscode.Location[]>(
      'vscode.executeDefinitionProvider',
      uri,
      new vscode.Position(line, doc.lineAt(line).text.indexOf('db.host') + 4),
    );
    assert.equal(defs[0].uri.fsPath, path.join(workspace, 'vars/common.yaml'));
    assert.equal(defs[0].range.start.line, 1);
    const dep = file('deployment.yaml');
    const depDoc = await vscode.workspace.openTextDocument(dep);
    const incLine = depDoc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('include: sub'));
    const inc = await vscode.commands.executeCommand<vscode.Location[]>(
      'vscode.executeDefinitionProvider',
      dep,
      new vscode.Position(incLine, depDoc.lineAt(incLine).text.indexOf('sub') + 1),
    );
    assert.equal(inc[0].uri.fsPath, path.join(workspace, 'sub/deployment.yaml'));
  });

  it('Find References: a vars file, an include, a file from inside, and a variable (definitions and uses)', async () => {
    const refs = async (rel: string, needle: string, offset = 1) => {
      const uri = file(rel);
      const doc = await vscode.workspace.openTextDocument(uri);
      const line = doc
        .getText()
        .split('\n')
        .findIndex((l) => l.includes(needle));
      const found = await vscode.commands.executeCommand<vscode.Location[]>(
        'vscode.executeReferenceProvider',
        uri,
        new vscode.Position(line, doc.lineAt(line).text.indexOf(needle) + offset),
      );
      return found.map((l) => `${path.relative(workspace, l.uri.fsPath)}:${l.range.start.line + 1}`).sort();
    };
    // The vars file source: its file (the declaration) and every `file:` that loads it.
    assert.deepEqual(await refs('deployment.yaml', 'vars/common.yaml'), ['deployment.yaml:2', 'vars/common.yaml:1']);
    // The include: every deployment.yaml naming the dir; from inside the included deployment.yaml the same.
    assert.deepEqual(await refs('deployment.yaml', 'include: sub', 'include: '.length + 1), ['deployment.yaml:4']);
    assert.deepEqual(await refs('sub/deployment.yaml', 'deployments'), ['deployment.yaml:4']);
    // A variable: where the target's sources set it, and every template line using it.
    assert.deepEqual(await refs('app/cm.yaml', 'args.environment', 'args.'.length + 1), [
      '.kluctl.yaml:3',
      '.kluctl.yaml:9',
      'app/cm.yaml:7',
      'vars/common.yaml:2',
    ]);
    assert.deepEqual(await refs('app/cm.yaml', 'db.host', 4), ['app/cm.yaml:9', 'vars/common.yaml:2']);
  });

  it('the Variables view lists the variables of the target with their sources', async () => {
    await vscode.commands.executeCommand('kluctl.variables.focus');
    const view = api.language.variables;
    view.show(workspace);
    const scopes = view.getChildren();
    const root = scopes.find((n) => n.type === 'scope' && n.scope.id === 'root')!;
    const vars = view.getChildren(root);
    const env = vars.find((n) => n.type === 'variable' && n.variable.path === 'args.environment')!;
    const item = view.getTreeItem(env);
    assert.equal(item.label, 'args.environment');
    assert.match(String(item.description), /production · arg of target prod/);
    const sources = view.getChildren(env).map((n) => String(view.getTreeItem(n).description));
    assert.deepEqual(sources, ['dev · .kluctl.yaml:3 · overridden', 'production · .kluctl.yaml:9']);
  });

  it('the rendered preview updates while typing, shows the error inline and recovers', async () => {
    const uri = file('app/cm.yaml');
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('kluctl.openRenderedPreview', uri);
    const previewDoc = () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'kluctl-preview' && d.uri.query.includes('cm.yaml'));
    await waitFor('the preview with the rendered value', () =>
      previewDoc()?.getText().includes('host: "DB-PRODUCTION"') ? true : undefined,
    );
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('args.environment'));
    await editor.edit((e) => e.insert(new vscode.Position(line + 1, 0), '  typed: "{{ target.name }}-x"\n'));
    await waitFor('the typed line rendered', () =>
      previewDoc()?.getText().includes('typed: "prod-x"') ? true : undefined,
    );
    await editor.edit((e) => e.insert(new vscode.Position(line + 1, 0), '  bad: "{{ nope }}"\n'));
    await waitFor('the error inline', () =>
      previewDoc()
        ?.getText()
        .match(/# ERROR cm.yaml:\d+:\d+: UndefinedError: 'nope' is undefined/)
        ? true
        : undefined,
    );
    assert.match(previewDoc()!.getText(), /the last output that rendered/);
    await editor.edit((e) => e.delete(new vscode.Range(line + 1, 0, line + 2, 0)));
    await waitFor('the recovery', () => {
      const t = previewDoc()?.getText() ?? '';
      return !t.includes('ERROR') && t.includes('typed: "prod-x"') ? true : undefined;
    });
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('the selected target is remembered per workspace and used for the next analysis', async () => {
    await api.language.insight.select(workspace, { target: 'test', args: ['replicas=3'] });
    const a = await waitFor('the analysis of target test', () => {
      const x = api.language.insight.analysis(workspace);
      return x?.target === 'test' ? x : undefined;
    });
    const root = a.scopes.find((s) => s.id === 'root')!;
    assert.equal(root.variables.find((v) => v.path === 'args.environment')?.value, 'dev');
    assert.equal(root.variables.find((v) => v.path === 'args.replicas')?.value, 3);
    assert.deepEqual(api.language.insight.selection(workspace), { target: 'test', args: ['replicas=3'] });
    await api.language.insight.select(workspace, { target: 'prod', args: [] });
  });
});
