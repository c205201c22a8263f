import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findKustomizeBinary } from '../../../../src/engine/kustomize/binary.js';
import { kustomizeBuild } from '../../../../src/engine/kustomize/index.js';
import { KustomizeError } from '../../../../src/engine/errors.js';
import { testBinaries } from '../../../harness/paths.js';
import { tempTree } from '../../../harness/files.js';

function tree(files: Record<string, string>): string {
  return tempTree('kapi-', files);
}

const CONFIGMAPS =
  'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: src\ndata:\n  value: hello\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dst\n';
const REPLACEMENTS =
  'resources:\n- cms.yaml\nreplacements:\n- source:\n    kind: ConfigMap\n    name: src\n    fieldPath: data.value\n  targets:\n  - select:\n      name: dst\n    fieldPaths:\n    - data.copied\n    options:\n      create: true\n';

async function buildError(dir: string, root: string, binary?: string): Promise<KustomizeError> {
  try {
    await kustomizeBuild(dir, { root, kustomizeBinary: binary });
  } catch (e) {
    assert.ok(e instanceof KustomizeError, String(e));
    return e;
  }
  assert.fail('expected a KustomizeError');
}

describe('engine/kustomize: kustomizeBuild', () => {
  it('builds natively when it can', async () => {
    const root = tree({
      'app/kustomization.yaml': 'resources:\n- cms.yaml\nnamePrefix: p-\n',
      'app/cms.yaml': CONFIGMAPS,
    });
    const result = await kustomizeBuild(path.join(root, 'app'), { root });
    assert.equal(result.builder, 'native');
    assert.deepEqual(
      result.objects.map((o) => o.metadata.name),
      ['p-src', 'p-dst'],
    );
  });

  it('fails naming the field, the kustomization file and the line when a field needs a kustomize binary and there is none', async () => {
    const root = tree({ 'kustomization.yaml': REPLACEMENTS, 'cms.yaml': CONFIGMAPS });
    const e = await buildError(root, root);
    assert.equal(e.field, 'replacements');
    assert.equal(e.file, path.join(root, 'kustomization.yaml'));
    assert.equal(e.line, 3);
    assert.match(e.message, /kustomization\.yaml:3: 'replacements' is not supported/);
  });

  it('looks for unsupported fields in bases and components too, and in nested fields', async () => {
    const root = tree({
      'overlay/kustomization.yaml': 'resources:\n- ../base\n',
      'base/kustomization.yaml': 'resources:\n- cms.yaml\nlabels:\n- pairs: {a: b}\n  unknownOption: true\n',
      'base/cms.yaml': CONFIGMAPS,
    });
    const e = await buildError(path.join(root, 'overlay'), root);
    assert.equal(e.field, 'labels.unknownOption');
    assert.equal(e.file, path.join(root, 'base', 'kustomization.yaml'));
    assert.equal(e.line, 5);
  });

  it('names file and line of YAML and object errors', async () => {
    const root = tree({
      'kustomization.yaml': 'resources:\n- a.yaml\n- b.yaml\n',
      'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
      'b.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b\n',
    });
    const yamlError = await buildError(root, root);
    assert.equal(yamlError.file, path.join(root, 'b.yaml'));
    assert.equal(typeof yamlError.line, 'number');
    fs.writeFileSync(path.join(root, 'b.yaml'), '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n');
    const objectError = await buildError(root, root);
    assert.match(objectError.message, /b\.yaml:2: missing metadata\.name/);
    fs.writeFileSync(path.join(root, 'kustomization.yaml'), 'resources:\n- a.yaml\nnamePrefix: 12\n');
    const typeError = await buildError(root, root);
    assert.match(typeError.message, /kustomization\.yaml:3: invalid Kustomization: namePrefix must be a string/);
    // A plain kustomization is read on the fast YAML path; the line of an error is found afterwards.
    fs.writeFileSync(path.join(root, 'kustomization.yaml'), '# c\nresources:\n- a.yaml\n- missing.yaml\n');
    const missing = await buildError(root, root);
    assert.match(missing.message, /kustomization\.yaml:4: resource 'missing\.yaml' not found/);
  });

  it('refuses references outside the root', async () => {
    const root = tree({ 'inner/kustomization.yaml': 'resources:\n- ../outside.yaml\n', 'outside.yaml': CONFIGMAPS });
    const e = await buildError(path.join(root, 'inner'), path.join(root, 'inner'));
    assert.match(e.message, /outside of the root/);
    assert.equal(e.file, fs.realpathSync(path.join(root, 'inner', 'kustomization.yaml')));
    assert.equal(e.line, 2);
  });

  it('stops when the signal is aborted', async () => {
    const root = tree({ 'kustomization.yaml': 'resources:\n- cms.yaml\n', 'cms.yaml': CONFIGMAPS });
    await assert.rejects(kustomizeBuild(root, { root, signal: AbortSignal.abort() }), { name: 'CancelledError' });
  });

  it('reads files through readFile when given', async () => {
    const root = tree({ 'kustomization.yaml': 'resources:\n- cms.yaml\n', 'cms.yaml': 'encrypted' });
    const result = await kustomizeBuild(root, {
      root,
      readFile: (f) => (f.endsWith('cms.yaml') ? Buffer.from(CONFIGMAPS) : fs.readFileSync(f)),
    });
    assert.equal(result.objects.length, 2);
  });

  it('finds the binary from KLUCTL_KUSTOMIZE_BINARY, else on PATH', () => {
    const saved = { binary: process.env.KLUCTL_KUSTOMIZE_BINARY, path: process.env.PATH };
    try {
      process.env.KLUCTL_KUSTOMIZE_BINARY = '/opt/custom/kustomize';
      assert.equal(findKustomizeBinary(), '/opt/custom/kustomize');
      delete process.env.KLUCTL_KUSTOMIZE_BINARY;
      const dir = tree({ kustomize: '#!/bin/sh\n' });
      fs.chmodSync(path.join(dir, 'kustomize'), 0o755);
      process.env.PATH = `/nonexistent${path.delimiter}${dir}`;
      assert.equal(findKustomizeBinary(), path.join(dir, 'kustomize'));
      process.env.PATH = '/nonexistent';
      assert.equal(findKustomizeBinary(), undefined);
    } finally {
      if (saved.binary === undefined) delete process.env.KLUCTL_KUSTOMIZE_BINARY;
      else process.env.KLUCTL_KUSTOMIZE_BINARY = saved.binary;
      process.env.PATH = saved.path;
    }
  });

  describe('with a kustomize binary @conformance', function () {
    this.timeout(10 * 60 * 1000);
    let binary: string;
    before(() => {
      binary = testBinaries('kustomize').kustomize;
    });

    it('delegates unsupported fields to the binary, in FIFO order', async () => {
      const root = tree({ 'kustomization.yaml': REPLACEMENTS, 'cms.yaml': CONFIGMAPS });
      const result = await kustomizeBuild(root, { root, kustomizeBinary: binary });
      assert.equal(result.builder, 'binary');
      assert.deepEqual(result.objects, [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'src' }, data: { value: 'hello' } },
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dst' }, data: { copied: 'hello' } },
      ]);
    });

    it("reports the binary's error as a KustomizeError", async () => {
      const root = tree({ 'kustomization.yaml': 'resources:\n- missing.yaml\nsortOptions:\n  order: fifo\n' });
      const e = await buildError(root, root, binary);
      assert.match(e.message, /kustomize build failed: .*missing\.yaml/);
      assert.doesNotMatch(e.message, /deprecated/);
    });

    it('is cancelled by the signal', async () => {
      const root = tree({ 'kustomization.yaml': REPLACEMENTS, 'cms.yaml': CONFIGMAPS });
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(kustomizeBuild(root, { root, kustomizeBinary: binary, signal: controller.signal }), {
        name: 'CancelledError',
      });
    });
  });
});
