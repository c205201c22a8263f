import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { callableDocs } from '../../../../src/engine/insight/docs.js';
import {
  childKeys,
  completionContext,
  deploymentReferenceAt,
  resolveTemplate,
  tagAt,
  templateReferenceAt,
  tokenAt,
  variablesAt,
} from '../../../../src/engine/insight/expressions.js';
import { maskSecrets, previewFile } from '../../../../src/engine/insight/preview.js';
import type { VariableInfo } from '../../../../src/engine/insight/provenance.js';
import { buildEngineWorker } from '../../../harness/engine-projects.js';
import { tempTree } from '../../../harness/files.js';
import { workerEngine } from '../../../../src/engine/worker/client.js';

const at = (line: string, marker: string) => line.indexOf(marker);

describe('engine insight: what is under the cursor of a template', () => {
  it('finds the template tag and the dotted variable, filter, test or function at the cursor', () => {
    const line = '  host: "{{ db.host | default(args.env) | upper }}-{% if x is defined %}y{% endif %}"';
    assert.equal(tagAt(line, at(line, 'db'))?.kind, 'expression');
    assert.equal(tagAt(line, 2), undefined);
    assert.deepEqual(tokenAt(line, at(line, 'host |') + 1), {
      start: at(line, 'db'),
      end: at(line, ' | default'),
      text: 'db.host',
      kind: 'variable',
    });
    assert.equal(tokenAt(line, at(line, 'db') + 1)?.text, 'db', 'the segment under the cursor');
    assert.equal(tokenAt(line, at(line, 'default') + 2)?.kind, 'filter');
    assert.equal(tokenAt(line, at(line, 'env)') + 1)?.text, 'args.env');
    assert.equal(tokenAt(line, at(line, 'upper') + 1)?.kind, 'filter');
    assert.equal(tokenAt(line, at(line, 'defined') + 1)?.kind, 'test');
    assert.equal(tokenAt(line, at(line, 'if x')), undefined, 'keywords are not variables');
    const call = '{{ load_template("x.j2") }} {{ images.get_image("nginx") }}';
    assert.deepEqual(
      [tokenAt(call, 5)?.kind, tokenAt(call, at(call, 'get_image'))?.text],
      ['function', 'images.get_image'],
    );
  });

  it('tells completion what is being typed: a variable path, a filter, a test', () => {
    assert.deepEqual(completionContext('{{ args.', 8), { kind: 'variable', parent: 'args', partial: '', start: 8 });
    assert.deepEqual(completionContext('x: {{ db.ho }}', 11), {
      kind: 'variable',
      parent: 'db',
      partial: 'ho',
      start: 9,
    });
    assert.deepEqual(completionContext('{{ x | up', 9), { kind: 'filter', parent: '', partial: 'up', start: 7 });
    assert.deepEqual(completionContext('{% if x is de', 13), { kind: 'test', parent: '', partial: 'de', start: 11 });
    assert.equal(completionContext('plain: text', 5), undefined);
    assert.equal(completionContext('{{ "args.', 9), undefined, 'not inside a string');
  });

  it('lists the keys below a path (nested objects too) and the leaves of an object', () => {
    const v = (p: string, value: unknown): VariableInfo => ({
      path: p,
      value,
      sensitive: false,
      origins: [],
      effective: -1,
    });
    const vars = [v('args.env', 'x'), v('db.host', 'h'), v('db.port', 1), v('db.tls.on', true), v('team', 't')];
    assert.deepEqual(
      childKeys(vars, '').map((c) => c.key),
      ['args', 'db', 'team'],
    );
    assert.deepEqual(
      childKeys(vars, 'db').map((c) => [c.key, c.leaf?.value]),
      [
        ['host', 'h'],
        ['port', 1],
        ['tls', undefined],
      ],
    );
    assert.deepEqual(
      variablesAt(vars, 'db').map((x) => x.path),
      ['db.host', 'db.port', 'db.tls.on'],
    );
  });

  it("documents Kluctl functions and filters and the engine's Jinja2 filters and tests", () => {
    const docs = callableDocs();
    assert.match(docs.get('function:load_template')!.signature, /load_template\(path/);
    assert.equal(docs.get('filter:to_yaml')!.kluctl, true);
    assert.ok(docs.has('filter:default') && docs.has('test:defined') && docs.has('function:get_var'));
  });

  it('resolves template references and deployment.yaml paths to files inside the project only', () => {
    const dir = tempTree('kluctl-insight-refs-', {
      'deployment.yaml': 'deployments:\n  - path: app\n  - include: sub\nvars:\n  - file: vars/a.yaml\n',
      'app/kustomization.yaml': 'resources: []\n',
      'app/cm.yaml': '{% include "./part.j2" %}{{ load_template("shared.j2") }}',
      'app/part.j2': 'x',
      'shared.j2': 'y',
      'sub/deployment.yaml': 'deployments: []\n',
      'vars/a.yaml': 'a: 1\n',
    });
    try {
      const cm = path.join(dir, 'app/cm.yaml');
      const text = fs.readFileSync(cm, 'utf8');
      assert.equal(templateReferenceAt(text, at(text, 'part'))?.name, './part.j2');
      assert.equal(resolveTemplate('./part.j2', cm, dir), path.join(dir, 'app/part.j2'));
      assert.equal(templateReferenceAt(text, at(text, 'shared'))?.name, 'shared.j2');
      assert.equal(resolveTemplate('shared.j2', cm, dir), path.join(dir, 'shared.j2'));
      assert.equal(resolveTemplate('../../etc/passwd', cm, dir), undefined);
      const dep = path.join(dir, 'deployment.yaml');
      assert.equal(
        deploymentReferenceAt('  - path: app', 11, dep, dir)?.target,
        path.join(dir, 'app/kustomization.yaml'),
      );
      assert.equal(
        deploymentReferenceAt('  - include: sub', 14, dep, dir)?.target,
        path.join(dir, 'sub/deployment.yaml'),
      );
      assert.equal(deploymentReferenceAt('  - file: vars/a.yaml', 12, dep, dir)?.target, path.join(dir, 'vars/a.yaml'));
      assert.equal(deploymentReferenceAt('  - path: ../..', 11, dep, dir)?.target, undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('engine insight: rendered preview of one file from its unsaved text', function () {
  this.timeout(60_000);
  const files = {
    '.kluctl.yaml': 'targets:\n  - name: t\n    args:\n      env: prod\n',
    'deployment.yaml': 'deployments:\n  - path: app\n',
    'app/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: x\ndata:\n  env: "{{ args.env }}"\n',
  };
  let dir: string;
  before(() => (dir = tempTree('kluctl-insight-preview-', files)));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders the buffer text, reports an error at its line, and masks Secret values', async () => {
    const file = path.join(dir, 'app/cm.yaml');
    const ok = await previewFile({ projectDir: dir, target: 't', file, text: files['app/cm.yaml'] });
    assert.deepEqual(ok.diagnostics, []);
    assert.match(ok.rendered!, /env: "prod"/);
    assert.equal(ok.objects, 1);
    const bad = await previewFile({
      projectDir: dir,
      target: 't',
      file,
      text: 'kind: ConfigMap\ndata:\n  x: "{{ nope }}"\n',
    });
    assert.equal(bad.rendered, undefined);
    assert.deepEqual(
      bad.diagnostics.map((d) => [d.line, d.message.replace(/ \(.*/, '')]),
      [[3, "UndefinedError: 'nope' is undefined"]],
    );
    const secret = await previewFile({
      projectDir: dir,
      target: 't',
      file,
      text: 'kind: Secret\nstringData:\n  password: "{{ args.env }}"\n---\nkind: ConfigMap\ndata:\n  a: b\n',
    });
    assert.doesNotMatch(secret.rendered!, /prod/);
    assert.match(secret.rendered!, /password: "?\*\*\*\*\*/);
    assert.match(secret.rendered!, /kind: ConfigMap/);
    assert.equal(maskSecrets('a: 1\n'), 'a: 1\n');
  });

  it("runs as the engine worker commands analyze and preview (off the caller's thread)", async () => {
    const build = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-insight-worker-'));
    try {
      // A spare worker (started ahead of time) takes each command; a new spare is started after each.
      const engine = workerEngine({
        workerFile: await buildEngineWorker(path.join(build, 'engine-worker.cjs')),
        spare: true,
      });
      const analysis = await engine.run({ command: 'analyze', options: { projectDir: dir, target: 't' } });
      assert.deepEqual(analysis.diagnostics, []);
      assert.equal(analysis.objects, 1);
      assert.equal(analysis.scopes[0].variables.find((v) => v.path === 'args.env')?.value, 'prod');
      const preview = await engine.run({
        command: 'preview',
        options: { projectDir: dir, target: 't', file: path.join(dir, 'app/cm.yaml'), text: 'a: "{{ target.name }}"' },
      });
      assert.equal(preview.rendered, 'a: "t"');
      engine.dispose();

      // The editor's setup: the analysis worker is kept warm, and its render cache renders only what changed.
      const warm = workerEngine({
        workerFile: path.join(build, 'engine-worker.cjs'),
        spare: true,
        keepWarm: (command) => command === 'analyze',
      });
      const run = () => warm.run({ command: 'analyze', options: { projectDir: dir, target: 't', incremental: true } });
      const first = await run();
      assert.deepEqual(first.incrementalStats, { templatesRendered: 1, templatesReused: 0 });
      const second = await run();
      assert.deepEqual(second.incrementalStats, { templatesRendered: 0, templatesReused: 1 }, 'the same worker');
      assert.deepEqual(second.diagnostics, first.diagnostics);
      const cm = path.join(dir, 'app/cm.yaml');
      const text = fs.readFileSync(cm, 'utf8');
      fs.writeFileSync(cm, text.replace('{{ args.env }}', '{{ args.nope }}'));
      try {
        const broken = await run();
        assert.deepEqual(broken.incrementalStats, { templatesRendered: 0, templatesReused: 0 }, 'it failed');
        assert.match(broken.diagnostics[0]?.message ?? '', /no attribute 'nope'/);
      } finally {
        fs.writeFileSync(cm, text);
      }
      const fixed = await run();
      assert.deepEqual(fixed.diagnostics, []);
      assert.equal(fixed.objects, 1);
      // A preview never takes the warm worker (its own fresh one).
      const p2 = await warm.run({
        command: 'preview',
        options: { projectDir: dir, target: 't', file: cm, text: 'a: "{{ args.env }}"' },
      });
      assert.equal(p2.rendered, 'a: "prod"');
      assert.deepEqual((await run()).incrementalStats, { templatesRendered: 0, templatesReused: 1 });
      warm.dispose();
    } finally {
      fs.rmSync(build, { recursive: true, force: true });
    }
  });
});
