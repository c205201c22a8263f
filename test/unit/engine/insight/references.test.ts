import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  findFileReferences,
  findVariableReferences,
  projectFiles,
  referenceTargetAt,
  referencesOnLine,
  selfTargets,
} from '../../../../src/engine/insight/references.js';
import { tempTree } from '../../../harness/files.js';

const PROJECT: Record<string, string> = {
  '.kluctl.yaml': 'targets:\n  - name: t\n',
  'deployment.yaml': [
    'vars:',
    '  - file: vars/common.yaml',
    'deployments:',
    '  - include: sub',
    '  - path: app',
    '  - path: charts/redis',
    '',
  ].join('\n'),
  'vars/common.yaml': 'db:\n  host: h\n  hostname: n\n',
  'sub/deployment.yaml': 'vars:\n  - file: "vars/common.yaml"\ndeployments:\n  - path: ../app\n',
  'other/deployment.yaml': 'deployments:\n  - include: ../sub\n',
  'shared/macros.j2': '{% macro m() %}x{% endmacro %}\n',
  'shared/snippet.j2': 'snippet: {{ db.host }}\n',
  'app/local.j2': '{% macro y() %}y{% endmacro %}\n',
  'app/cm.yaml': [
    '{% import "shared/macros.j2" as m %}{% from "./local.j2" import y %}',
    'apiVersion: v1',
    'kind: ConfigMap',
    'data:',
    '  a: "{{ load_template("shared/snippet.j2") }}"',
    '{% include "shared/snippet.j2" %}',
    "  host: \"{{ db.host | upper }}-{{ get_var('db.host', 'x') }}\"",
    '  not: "{{ \'db.host\' }} {{ db.hostname }} {{ x.db.host }}"',
    '  deeper: "{{ db.host.split(\'.\')[0] if db.host is defined }}"',
    '',
  ].join('\n'),
  'charts/redis/helm-chart.yaml': 'helmChart:\n  chartName: redis\n',
  'charts/redis/helm-values.yaml': 'a: 1\n',
};

describe('engine insight: Find References of files, dirs and variables', () => {
  let dir: string;
  beforeEach(() => (dir = tempTree('kluctl-insight-refs-', PROJECT)));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const p = (f: string) => path.join(dir, f);
  const where = (refs: Array<{ file: string; line: number; column: number; endColumn: number }>) =>
    refs.map((r) => `${path.relative(dir, r.file)}:${r.line}:${r.column}-${r.endColumn}`);

  it('finds the references on a line with the file or dir each leads to', () => {
    const line = PROJECT['app/cm.yaml'].split('\n')[0];
    assert.deepEqual(
      referencesOnLine(line, p('app/cm.yaml'), dir).map((r) => [line.slice(r.start, r.end), r.target]),
      [
        ['shared/macros.j2', p('shared/macros.j2')],
        ['./local.j2', p('app/local.j2')],
      ],
    );
    assert.equal(referenceTargetAt('  - include: sub', 13, p('deployment.yaml'), dir), p('sub'));
    assert.equal(referenceTargetAt('  - path: app', 11, p('deployment.yaml'), dir), p('app'));
    assert.equal(referenceTargetAt('  - file: vars/common.yaml', 12, p('deployment.yaml'), dir), p('vars/common.yaml'));
    // `path:` outside a deployment.yaml is not a deployment item; a dir outside the project is nothing.
    assert.deepEqual(referencesOnLine('  path: app', p('app/cm.yaml'), dir), []);
    assert.deepEqual(referencesOnLine('  - path: ../../etc', p('deployment.yaml'), dir), []);
  });

  it('an include and a path: every deployment.yaml that names the dir', () => {
    const files = projectFiles(dir);
    assert.deepEqual(where(findFileReferences(dir, [p('sub')], files)), [
      'deployment.yaml:4:14-17',
      'other/deployment.yaml:2:14-20',
    ]);
    assert.deepEqual(where(findFileReferences(dir, [p('app')], files)), [
      'deployment.yaml:5:11-14',
      'sub/deployment.yaml:4:11-17',
    ]);
    // From inside the included deployment.yaml itself: it is known by its dir.
    assert.deepEqual(selfTargets(p('sub/deployment.yaml')), [p('sub/deployment.yaml'), p('sub')]);
  });

  it('a vars file: every `file:` source that loads it', () => {
    assert.deepEqual(where(findFileReferences(dir, [p('vars/common.yaml')])), [
      'deployment.yaml:2:11-27',
      'sub/deployment.yaml:2:12-28',
    ]);
  });

  it('templates: load_template, include, import and from-import targets', () => {
    assert.deepEqual(where(findFileReferences(dir, [p('shared/snippet.j2')])), [
      'app/cm.yaml:5:25-42',
      'app/cm.yaml:6:13-30',
    ]);
    assert.deepEqual(where(findFileReferences(dir, [p('shared/macros.j2')])), ['app/cm.yaml:1:12-28']);
    assert.deepEqual(where(findFileReferences(dir, [p('app/local.j2')])), ['app/cm.yaml:1:46-56']);
  });

  it('a Helm values file is referenced by the helm-chart.yaml beside it', () => {
    assert.deepEqual(where(findFileReferences(dir, [p('charts/redis/helm-values.yaml')])), [
      'charts/redis/helm-chart.yaml:1:1-1',
    ]);
  });

  it('a variable: every template use of it (or below it), get_var too; strings and other names are not uses', () => {
    const refs = findVariableReferences('db.host', projectFiles(dir));
    assert.deepEqual(where(refs), [
      'app/cm.yaml:7:13-20',
      'app/cm.yaml:7:44-51',
      'app/cm.yaml:9:15-22',
      'app/cm.yaml:9:40-47',
      'shared/snippet.j2:1:13-20',
    ]);
    assert.deepEqual(where(findVariableReferences('db', [p('vars/common.yaml')])), [], 'plain YAML is no use');
  });

  it('reads nothing outside the project and skips dot dirs', () => {
    fs.mkdirSync(p('.git'));
    fs.writeFileSync(p('.git/deployment.yaml'), 'deployments:\n  - include: sub\n');
    fs.symlinkSync('/etc', p('etc-link'));
    const files = projectFiles(dir);
    assert.ok(!files.some((f) => f.includes(`${path.sep}.git${path.sep}`) || f.includes('etc-link')), files.join());
    assert.ok(files.includes(p('.kluctl.yaml')));
  });
});
