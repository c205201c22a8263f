import * as assert from 'node:assert/strict';
import type { KubeObject } from '../../../../src/kube/objects.js';
import type { ConflictResolutionConfig } from '../../../../src/engine/project/types.js';
import { resolveConflicts, type ConflictCause } from '../../../../src/engine/diff/conflicts.js';

type Field = [name: string, value: string, manager: string];

/** A ConfigMap whose data fields are owned by the given managers (Kluctl's managed_fields_test builder). */
function configMap(...fields: Field[]): KubeObject {
  const byManager = new Map<string, Record<string, object>>();
  const data: Record<string, string> = {};
  for (const [name, value, manager] of fields) {
    data[name] = value;
    byManager.set(manager, { ...byManager.get(manager), [`f:${name}`]: {} });
  }
  const managedFields = [...byManager].map(([manager, f]) => ({
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    manager,
    operation: 'Apply' as const,
    time: 'dummy',
    fieldsV1: { 'f:data': f },
  }));
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'name', namespace: 'namespace', managedFields },
    data,
  };
}

/** The local side: no managedFields, with annotations. */
function local(annotations: Record<string, string>, ...fields: Field[]): KubeObject {
  const o = configMap(...fields);
  delete o.metadata.managedFields;
  if (Object.keys(annotations).length) o.metadata.annotations = annotations;
  return o;
}

const causes = (...names: string[]): ConflictCause[] =>
  names.map((n) => ({ field: `.data.${n}`, message: `conflict with ${n}` }));
const lost = (...names: string[]) =>
  names.map((n) => `conflict with ${n}. Not updating field '.data.${n}' as we lost field ownership`);

const remote3 = (m3 = 'c1') => configMap(['d1', 'v1', 'c1'], ['d2', 'v2', 'm1'], ['d3', 'v3', m3]);
const local3 = (anns: Record<string, string>) => local(anns, ['d1', 'x', 'm1'], ['d2', 'x', 'm1'], ['d3', 'x', 'm1']);

function check(
  remote: KubeObject,
  localObject: KubeObject,
  conflictCauses: ConflictCause[],
  keptData: string[],
  warnings: string[],
  rules: ConflictResolutionConfig[] = [],
): void {
  const r = resolveConflicts(localObject, remote, conflictCauses, rules);
  const expected = structuredClone(localObject);
  expected.data = Object.fromEntries(keptData.map((k) => [k, 'x']));
  assert.deepEqual(r.object, expected);
  assert.deepEqual(r.warnings, warnings);
}

describe('engine diff: resolveConflicts (Kluctl managed_fields_test scenarios)', () => {
  it('overwrites fields owned by kubectl', () =>
    check(configMap(['d1', 'v1', 'kubectl']), local({}, ['d1', 'x', 'm1']), causes('d1'), ['d1'], []));
  it('gives up other managers’ fields with a warning', () =>
    check(
      configMap(['d1', 'v1', 'c1'], ['d2', 'v2', 'm1']),
      local({ 'kluctl.io/force-apply-field': 'data.d3' }, ['d1', 'x', 'm1'], ['d2', 'x', 'm1']),
      causes('d1'),
      ['d2'],
      lost('d1'),
    ));
  it('kluctl.io/force-apply', () =>
    check(remote3(), local3({ 'kluctl.io/force-apply': 'true' }), causes('d1', 'd3'), ['d1', 'd2', 'd3'], []));
  it('kluctl.io/force-apply-field', () =>
    check(
      remote3(),
      local3({ 'kluctl.io/force-apply-field': 'data.d1' }),
      causes('d1', 'd3'),
      ['d1', 'd2'],
      lost('d3'),
    ));
  it('kluctl.io/force-apply-field-N', () =>
    check(
      remote3(),
      local3({ 'kluctl.io/force-apply-field-123': 'data.d3' }),
      causes('d1', 'd3'),
      ['d2', 'd3'],
      lost('d1'),
    ));
  it('kluctl.io/force-apply-manager', () =>
    check(
      remote3('c2'),
      local3({ 'kluctl.io/force-apply-manager': 'c1' }),
      causes('d1', 'd3'),
      ['d1', 'd2'],
      lost('d3'),
    ));
  it('kluctl.io/force-apply-manager-N (regex)', () =>
    check(
      remote3('c2x'),
      local3({ 'kluctl.io/force-apply-manager-123': 'c2.*' }),
      causes('d1', 'd3'),
      ['d2', 'd3'],
      lost('d1'),
    ));
  it('kluctl.io/ignore-conflicts', () =>
    check(remote3(), local3({ 'kluctl.io/ignore-conflicts': 'true' }), causes('d1', 'd3'), ['d2'], []));
  it('kluctl.io/ignore-conflicts-field', () =>
    check(
      remote3(),
      local3({ 'kluctl.io/ignore-conflicts-field': 'data.d1' }),
      causes('d1', 'd3'),
      ['d2'],
      lost('d3'),
    ));
  it('kluctl.io/ignore-conflicts-field-N', () =>
    check(
      remote3(),
      local3({ 'kluctl.io/ignore-conflicts-field-123': 'data.d3' }),
      causes('d1', 'd3'),
      ['d2'],
      lost('d1'),
    ));
  it('kluctl.io/ignore-conflicts-manager', () =>
    check(
      remote3('c2'),
      local3({ 'kluctl.io/ignore-conflicts-manager': 'c1' }),
      causes('d1', 'd3'),
      ['d2'],
      lost('d3'),
    ));
  it('kluctl.io/ignore-conflicts-manager-N (regex)', () =>
    check(
      remote3('c2x'),
      local3({ 'kluctl.io/ignore-conflicts-manager-123': 'c2.*' }),
      causes('d1', 'd3'),
      ['d2'],
      lost('d1'),
    ));
  it('ignore beats force-apply (object)', () =>
    check(
      remote3(),
      local3({ 'kluctl.io/force-apply': 'true', 'kluctl.io/ignore-conflicts': 'true' }),
      causes('d1', 'd3'),
      ['d2'],
      [],
    ));
  it('ignore-field beats force-apply (object)', () =>
    check(
      remote3(),
      local3({ 'kluctl.io/force-apply': 'true', 'kluctl.io/ignore-conflicts-field': 'data.d1' }),
      causes('d1', 'd3'),
      ['d2', 'd3'],
      [],
    ));
  it('ignore (object) beats force-apply-field', () =>
    check(
      remote3(),
      local3({ 'kluctl.io/force-apply-field': 'data.d1', 'kluctl.io/ignore-conflicts': 'true' }),
      causes('d1', 'd3'),
      ['d2'],
      [],
    ));
  it('force-apply-field and ignore-conflicts-field side by side', () =>
    check(
      remote3(),
      local3({ 'kluctl.io/force-apply-field': 'data.d1', 'kluctl.io/ignore-conflicts-field': 'data.d3' }),
      causes('d1', 'd3'),
      ['d1', 'd2'],
      [],
    ));
});

describe('engine diff: resolveConflicts (rules and paths)', () => {
  it('applies conflictResolution rules from the project', () => {
    check(remote3(), local3({}), causes('d1', 'd3'), ['d1', 'd2'], lost('d3'), [
      { fieldPath: 'data.d1', action: 'force-apply' },
    ]);
    check(
      remote3(),
      local3({}),
      causes('d1', 'd3'),
      ['d2'],
      [],
      [{ fieldPathRegex: 'data\\.d[13]', action: 'ignore' }],
    );
    check(remote3(), local3({}), causes('d1', 'd3'), ['d2'], lost('d1', 'd3'), [
      { manager: 'c1', action: 'force-apply', kind: 'Secret' },
    ]);
  });

  it('no warning when the values are equal anyway', () =>
    check(configMap(['d1', 'x', 'c1']), local({}, ['d1', 'x', 'm1']), causes('d1'), [], []));

  it('fails like Kluctl on unknown fields, missing local fields and `$` rule paths', () => {
    assert.throws(
      () => resolveConflicts(local({}, ['d1', 'x', 'm1']), configMap(['d1', 'v1', 'c1']), causes('zz'), []),
      /^Error: conflict with zz\. Could not find matching field for path '\.data\.zz'$/,
    );
    assert.throws(
      () => resolveConflicts(local({}, ['d2', 'x', 'm1']), configMap(['d1', 'v1', 'c1']), causes('d1'), []),
      /Field '\.data\.d1' not found in local object/,
    );
    assert.throws(
      () => resolveConflicts(local3({}), remote3(), causes('d1'), [{ fieldPath: '$.data.d1', action: 'force-apply' }]),
      /unsupported element in jsonpath/,
    );
  });

  describe('list elements by key, value and index', () => {
    const remote: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'd',
        namespace: 'ns',
        managedFields: [
          {
            manager: 'hpa',
            operation: 'Update',
            apiVersion: 'apps/v1',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:spec': {
                'f:replicas': {},
                'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {} } } } },
              },
            },
          },
          {
            manager: 'other',
            operation: 'Update',
            apiVersion: 'apps/v1',
            fieldsType: 'FieldsV1',
            fieldsV1: {
              'f:spec': {
                'f:ports': { 'k:{"protocol":"TCP","port":80}': { 'f:name': {} } },
                'f:finalizers': { 'v:"a.b/c"': {} },
                'f:list': { 'i:1': {} },
              },
            },
          },
        ],
      },
      spec: {
        replicas: 5,
        template: { spec: { containers: [{ name: 'c', image: 'remote' }] } },
        ports: [{ port: 80, protocol: 'TCP', name: 'r' }],
        finalizers: ['a.b/c'],
        list: [1, 2],
      },
    };
    const localDeployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'ns' },
      spec: {
        replicas: 2,
        template: { spec: { containers: [{ name: 'c', image: 'local' }] } },
        ports: [{ port: 80, protocol: 'TCP', name: 'l' }],
        finalizers: ['a.b/c'],
        list: [1, 3],
      },
    };
    const cause = (field: string): ConflictCause => ({ field, message: 'm' });
    const resolve = (fields: string[], rules: ConflictResolutionConfig[] = []) =>
      resolveConflicts(localDeployment, remote, fields.map(cause), rules);
    const spec = (r: { object: KubeObject }) => r.object.spec as Record<string, unknown>;

    it('matches the API server’s path strings and gives the fields up', () => {
      assert.equal(spec(resolve(['.spec.replicas'])).replicas, undefined);
      assert.deepEqual(spec(resolve(['.spec.template.spec.containers[name="c"].image'])).template, {
        spec: { containers: [{ name: 'c' }] },
      });
      assert.deepEqual(spec(resolve(['.spec.ports[port=80,protocol="TCP"].name'])).ports, [
        { port: 80, protocol: 'TCP' },
      ]);
      // Whole list elements are nulled, not removed (ojg's Del), and equal values give no warning.
      const r = resolve(['.spec.finalizers[="a.b/c"]']);
      assert.deepEqual(spec(r).finalizers, [null]);
      assert.deepEqual(r.warnings, []);
      assert.deepEqual(spec(resolve(['.spec.list[1]'])).list, [1, null]);
      assert.deepEqual(resolve(['.spec.list[1]']).warnings, [
        "m. Not updating field '.spec.list[1]' as we lost field ownership",
      ]);
    });

    it('manager rules mark the manager’s fields; fieldPath rules use JSONPath', () => {
      const all = [
        '.spec.replicas',
        '.spec.template.spec.containers[name="c"].image',
        '.spec.ports[port=80,protocol="TCP"].name',
        '.spec.finalizers[="a.b/c"]',
        '.spec.list[1]',
      ];
      const ignored = resolve(all, [{ manager: 'hpa', action: 'ignore' }]);
      assert.deepEqual(
        ignored.warnings,
        ['.spec.ports[port=80,protocol="TCP"].name', '.spec.list[1]'].map(
          (f) => `m. Not updating field '${f}' as we lost field ownership`,
        ),
      );
      const forced = resolve(all, [{ fieldPath: 'spec.template.spec.containers[*].image', action: 'force-apply' }]);
      assert.deepEqual(spec(forced).template, { spec: { containers: [{ name: 'c', image: 'local' }] } });
    });
  });
});
