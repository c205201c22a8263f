import * as assert from 'node:assert/strict';
import { KustomizeError } from '../../../../src/engine/errors.js';
import { parseResourceYaml, parseYaml11, resolvePlainScalar } from '../../../../src/engine/yaml/kustomize.js';

describe('engine/kustomize: YAML as kustomize reads it', () => {
  it('resolves plain scalars like go-yaml v3 (Go integers, 1.1 octals, timestamps as JSON prints them)', () => {
    const cases: [string, unknown][] = [
      ['0644', 420],
      ['0x1F', 31],
      ['0o17', 15],
      ['0b101', 5],
      ['1_000', 1000],
      ['08', 8],
      ['+12', 12],
      ['-0777', -511],
      ['1.5', 1.5],
      ['1e3', 1000],
      ['.5', 0.5],
      ['yes', 'yes'],
      ['on', 'on'],
      ['True', true],
      ['~', null],
      ['', null],
      ['2024-02-29', '2024-02-29T00:00:00Z'],
      ['2024-2-3T04:05:06.120Z', '2024-02-03T04:05:06.12Z'],
      ['2024-02-29T10:20:30+02:00', '2024-02-29T10:20:30+02:00'],
      ['2024-01-02 3:04:05', '2024-01-02T03:04:05Z'],
      ['2024-02-30', '2024-02-30'],
      ['2024-01-02T03:04:05', '2024-01-02T03:04:05'],
      ['1.2.3', '1.2.3'],
    ];
    for (const [source, expected] of cases) assert.deepEqual(resolvePlainScalar(source), expected, source);
  });

  it('keeps quoted and tagged scalars as written, drops empty documents, gives each document its line', () => {
    const docs = parseResourceYaml(
      '---\n{}\n---\na: "0644"\nb: !!str 12\nc: 0644\n---\n# only a comment\n---\nd: 1\n',
      'f.yaml',
    );
    assert.deepEqual(
      docs.map((d) => d.value),
      [{ a: '0644', b: '12', c: 420 }, { d: 1 }],
    );
    assert.deepEqual(
      docs.map((d) => d.line),
      [4, 10],
    );
  });

  it('does not let YAML aliases share objects', () => {
    const [doc] = parseResourceYaml('a: &x {k: v}\nb: *x\n', 'f.yaml');
    const value = doc.value as { a: object; b: object };
    assert.deepEqual(value.a, value.b);
    assert.notEqual(value.a, value.b);
  });

  it('names the file and line of a parse error', () => {
    assert.throws(
      () => parseResourceYaml('a: 1\nb: [\n', 'deploy.yaml'),
      (e: unknown) =>
        e instanceof KustomizeError &&
        e.file === 'deploy.yaml' &&
        typeof e.line === 'number' &&
        /^deploy\.yaml:\d+: invalid YAML/.test(e.message),
    );
    assert.throws(
      () => parseResourceYaml('a: 1\na: 2\n', 'dup.yaml'),
      (e: unknown) => e instanceof KustomizeError && e.line === 2,
    );
  });

  it('reads kustomization files with YAML 1.1 scalars and finds the line of a key', () => {
    const { value, lineOf } = parseYaml11(
      'resources:\n- a.yaml\nnamespace: yes\nimages:\n- name: x\n  newTag: 010\n',
      'k.yaml',
    );
    assert.deepEqual(value, { resources: ['a.yaml'], namespace: true, images: [{ name: 'x', newTag: 8 }] });
    assert.equal(lineOf(['namespace']), 3);
    assert.equal(lineOf(['images', 0, 'newTag']), 6);
  });
});
