import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeProject } from '../../../../src/engine/insight/analyze.js';
import { scopeForFile } from '../../../../src/engine/insight/scopes.js';
import { tempTree, writeFiles } from '../../../harness/files.js';
import { KLUCTL_EXAMPLES } from '../../../harness/paths.js';

const PROJECT = {
  '.kluctl.yaml': [
    'args:',
    '  - name: environment',
    '    default: dev',
    '  - name: replicas',
    '    default: 1',
    'targets:',
    '  - name: prod',
    '    args:',
    '      environment: production',
    '  - name: test',
    '',
  ].join('\n'),
  'deployment.yaml': [
    'vars:',
    '  - file: vars/common.yaml',
    '  - values:',
    '      team: platform',
    '      db:',
    '        port: 5432',
    '  - clusterSecret:',
    '      name: s',
    '      namespace: n',
    '      key: k',
    "    when: args.environment == 'never'",
    'deployments:',
    '  - include: sub',
    '  - path: app',
    '    vars:',
    '      - values:',
    '          appOnly: yes',
    '',
  ].join('\n'),
  'vars/common.yaml': ['db:', '  host: db.{{ args.environment }}', '  port: 1', 'team: nobody', ''].join('\n'),
  'sub/deployment.yaml': 'deployments:\n  - path: cm\n',
  'sub/cm/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n  namespace: x\ndata:\n  a: "{{ team }}"\n',
  'app/cm.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: app',
    '  namespace: x',
    'data:',
    '  env: "{{ args.environment }}"',
    '  host: "{{ db.host }}"',
    '',
  ].join('\n'),
};

describe('engine insight: provenance and diagnostics of a project for one target', () => {
  let dir: string;
  beforeEach(() => (dir = tempTree('kluctl-insight-', PROJECT)));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders without problems and lists the targets', async () => {
    const a = await analyzeProject({ projectDir: dir, target: 'prod' });
    assert.deepEqual(a.diagnostics, []);
    assert.deepEqual(
      a.targets.map((t) => t.name),
      ['prod', 'test'],
    );
    assert.equal(a.target, 'prod');
    assert.equal(a.objects, 2);
    assert.deepEqual(a.tags, ['app', 'cm', 'sub']);
  });

  it('gives each variable its value and chain of sources with file and line', async () => {
    const a = await analyzeProject({ projectDir: dir, target: 'prod', render: false });
    const root = a.scopes.find((s) => s.id === 'root')!;
    const v = (p: string) => root.variables.find((x) => x.path === p)!;
    const kluctl = path.join(dir, '.kluctl.yaml');
    const deployment = path.join(dir, 'deployment.yaml');

    // A target arg over an arg default.
    const env = v('args.environment');
    assert.equal(env.value, 'production');
    assert.deepEqual(
      env.origins.map((o) => [o.kind, o.file, o.line, o.value]),
      [
        ['argDefault', kluctl, 3, 'dev'],
        ['targetArg', kluctl, 9, 'production'],
      ],
    );
    assert.equal(env.effective, 1);
    // An arg with only its default.
    assert.deepEqual(
      v('args.replicas').origins.map((o) => [o.kind, o.line, o.value]),
      [['argDefault', 5, 1]],
    );
    // A vars-file value (templated), then overridden by inline values at their line in deployment.yaml.
    const host = v('db.host');
    assert.equal(host.value, 'db.production');
    assert.deepEqual(
      host.origins.map((o) => [o.label, o.file, o.line]),
      [['vars file vars/common.yaml', path.join(dir, 'vars/common.yaml'), 2]],
    );
    const port = v('db.port');
    assert.equal(port.value, 5432);
    assert.deepEqual(
      port.origins.map((o) => [o.file, o.line, o.value]),
      [
        [path.join(dir, 'vars/common.yaml'), 3, 1],
        [deployment, 6, 5432],
      ],
    );
    assert.equal(port.effective, 1);
    assert.equal(v('team').value, 'platform');
    // The `when: false` secret source merged nothing.
    assert.ok(!root.variables.some((x) => x.sensitive));
    assert.deepEqual(root.loaded, ['vars file vars/common.yaml', 'vars values in deployment.yaml']);
  });

  it('gives an item with its own vars its own scope; files map to the scope that renders them', async () => {
    const a = await analyzeProject({ projectDir: dir, target: 'prod', render: false });
    const app = scopeForFile(a.scopes, path.join(dir, 'app/cm.yaml'))!;
    assert.equal(app.kind, 'item');
    const appOnly = app.variables.find((x) => x.path === 'appOnly')!;
    assert.equal(appOnly.value, true);
    assert.equal(appOnly.origins[0].line, 17);
    assert.equal(scopeForFile(a.scopes, path.join(dir, 'sub/cm/cm.yaml'))!.id, 'root/0');
    // The included deployment.yaml renders with the parent's vars.
    assert.equal(scopeForFile(a.scopes, path.join(dir, 'sub/deployment.yaml'))!.id, 'root');
  });

  it('marks values of secret sources as sensitive', async () => {
    writeFiles(dir, {
      'deployment.yaml': PROJECT['deployment.yaml'].replace(
        '  - file: vars/common.yaml\n',
        '  - file: vars/common.yaml\n    sensitive: true\n',
      ),
    });
    const a = await analyzeProject({ projectDir: dir, target: 'prod', render: false });
    const root = a.scopes.find((s) => s.id === 'root')!;
    assert.equal(root.variables.find((x) => x.path === 'db.host')!.sensitive, true);
    assert.equal(root.variables.find((x) => x.path === 'db.port')!.sensitive, false, 'overridden by plain values');
  });

  it('an undefined variable in an item file is an error at its line and column, naming the loaded vars', async () => {
    writeFiles(dir, { 'app/cm.yaml': PROJECT['app/cm.yaml'].replace('{{ db.host }}', '{{ db.hostname }}') });
    const a = await analyzeProject({ projectDir: dir, target: 'prod' });
    assert.equal(a.diagnostics.length, 1, JSON.stringify(a.diagnostics));
    const d = a.diagnostics[0];
    assert.equal(d.file, path.join(dir, 'app/cm.yaml'));
    assert.equal(d.line, 8);
    assert.equal(d.column, '  host: "{{ db.'.length + 1);
    assert.equal(d.endColumn, d.column + 'hostname'.length);
    assert.match(d.message, /UndefinedError: 'dict object' has no attribute 'hostname'/);
    assert.match(
      d.message,
      /vars loaded: vars file vars\/common.yaml, vars values in deployment.yaml, vars values in deployment.yaml/,
    );
    assert.equal(d.severity, 'error');
  });

  it('template syntax errors, YAML errors, unknown fields and missing paths point at their file and line', async () => {
    const cases: Array<[Record<string, string>, string, number, RegExp]> = [
      [{ 'app/cm.yaml': 'a: {% if %}\n' }, 'app/cm.yaml', 1, /TemplateSyntaxError/],
      [{ 'vars/common.yaml': 'db:\n  host: {{ nope }}\n' }, 'vars/common.yaml', 2, /'nope' is undefined/],
      [
        { 'sub/deployment.yaml': 'deployments:\n  - path: cm\nunknownField: 1\n' },
        'sub/deployment.yaml',
        3,
        /unknownField/,
      ],
      [
        { 'sub/deployment.yaml': 'deployments:\n  - path: cm\n  - path: missing\n' },
        'sub/deployment.yaml',
        3,
        /missing/,
      ],
      [{ 'vars/common.yaml': 'db: [\n' }, 'vars/common.yaml', 2, /./],
      [{ 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\ndata: {}\n' }, 'app/cm.yaml', 1, /missing metadata.name/],
      [{ '.kluctl.yaml': PROJECT['.kluctl.yaml'] + 'bogus: 1\n' }, '.kluctl.yaml', 11, /bogus/],
    ];
    for (const [files, file, line, message] of cases) {
      const d = tempTree('kluctl-insight-case-', { ...PROJECT, ...files });
      try {
        const a = await analyzeProject({ projectDir: d, target: 'prod' });
        assert.equal(a.diagnostics.length, 1, `${file}: ${JSON.stringify(a.diagnostics)}`);
        assert.equal(a.diagnostics[0].file, path.join(d, file), JSON.stringify(a.diagnostics[0]));
        assert.equal(a.diagnostics[0].line, line, JSON.stringify(a.diagnostics[0]));
        assert.match(a.diagnostics[0].message, message);
      } finally {
        fs.rmSync(d, { recursive: true, force: true });
      }
    }
  });

  it('reports every independent problem of a render: an undefined variable in one item, a YAML error in another', async () => {
    writeFiles(dir, {
      'app/cm.yaml': PROJECT['app/cm.yaml'].replace('{{ db.host }}', '{{ db.hostname }}'),
      'sub/cm/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n  namespace: x\ndata: [\n',
    });
    const a = await analyzeProject({ projectDir: dir, target: 'prod' });
    const at = a.diagnostics.map((d) => [path.relative(dir, d.file), d.line, d.severity]);
    assert.equal(a.diagnostics.length, 2, JSON.stringify(a.diagnostics));
    assert.deepEqual(
      at.sort(),
      [
        ['app/cm.yaml', 8, 'error'],
        ['sub/cm/cm.yaml', 7, 'error'],
      ],
      JSON.stringify(a.diagnostics),
    );
    assert.match(a.diagnostics.find((d) => d.file.endsWith('app/cm.yaml'))!.message, /no attribute 'hostname'/);
    // The items that did render are still counted (none here: both failed); a third, good item keeps its objects.
    writeFiles(dir, {
      'deployment.yaml': PROJECT['deployment.yaml'] + '  - path: good\n',
      'good/cm.yaml': PROJECT['app/cm.yaml'].replace('name: app', 'name: good'),
    });
    const b = await analyzeProject({ projectDir: dir, target: 'prod' });
    assert.equal(b.diagnostics.length, 2, JSON.stringify(b.diagnostics));
    assert.equal(b.objects, 1);
  });

  it('an object of a namespaced kind without a namespace is a warning at its name line; set ones are not', async () => {
    writeFiles(dir, {
      'deployment.yaml': PROJECT['deployment.yaml'] + '  - path: nons\n  - path: kust\n  - path: crd\n',
      // No namespace: a ConfigMap (built-in, namespaced) and a custom kind whose CRD says Namespaced.
      'nons/objects.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  labels:',
        '    name: other',
        '  name: lonely',
        '---',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: ClusterRole',
        'metadata:',
        '  name: cluster-wide',
        '---',
        'apiVersion: example.com/v1',
        'kind: Widget',
        'metadata:',
        '  name: w',
        '---',
        'apiVersion: example.com/v1',
        'kind: Unknown',
        'metadata:',
        '  name: u',
        '',
      ].join('\n'),
      'crd/crd.yaml': [
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        'metadata:',
        '  name: widgets.example.com',
        'spec:',
        '  group: example.com',
        '  scope: Namespaced',
        '  names: {kind: Widget, plural: widgets}',
        '  versions: []',
        '',
      ].join('\n'),
      // The kustomization gives the namespace.
      'kust/kustomization.yaml': 'namespace: given\nresources:\n  - cm.yaml\n',
      'kust/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-kustomization\n',
    });
    const a = await analyzeProject({ projectDir: dir, target: 'prod' });
    const found = a.diagnostics.map((d) => [path.relative(dir, d.file), d.line, d.column, d.severity, d.code]);
    assert.deepEqual(
      found,
      [
        ['nons/objects.yaml', 6, 9, 'warning', 'namespace'],
        ['nons/objects.yaml', 16, 9, 'warning', 'namespace'],
      ],
      JSON.stringify(a.diagnostics),
    );
    assert.match(a.diagnostics[0].message, /ConfigMap lonely has no namespace: ConfigMap is namespaced/);
    assert.match(a.diagnostics[1].message, /Widget w has no namespace/);
    // overrideNamespace of the deployment gives it one: the warnings go.
    writeFiles(dir, {
      'deployment.yaml': 'overrideNamespace: over\n' + fs.readFileSync(path.join(dir, 'deployment.yaml'), 'utf8'),
    });
    const b = await analyzeProject({ projectDir: dir, target: 'prod' });
    assert.deepEqual(b.diagnostics, []);
  });

  it('on the shared microservices example: vars-file values with their lines, no problems offline except Helm', async () => {
    const a = await analyzeProject({
      projectDir: path.join(KLUCTL_EXAMPLES, 'microservices-demo', '3-templating-and-multi-env'),
      target: 'local',
      render: false,
    });
    assert.deepEqual(a.diagnostics, []);
    const root = a.scopes.find((s) => s.id === 'root')!;
    const arch = root.variables.find((x) => x.path === 'redis.architecture')!;
    assert.equal(arch.value, 'standalone');
    assert.match(arch.origins[0].file!, /vars\/local\.yml$/);
    assert.equal(arch.origins[0].line, 2);
  });
});
