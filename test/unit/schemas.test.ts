import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { chooseSchema, SCHEMAS } from '../../src/extension/schemaSelection.js';
import { KLUCTL_EXAMPLES, REPO_ROOT } from '../harness/paths.js';

function files(dir: string, names: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === '.helm-charts' ? [] : files(full, names);
    return names.test(e.name) ? [full] : [];
  });
}

describe('JSON schemas for Kluctl files', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = Object.fromEntries(
    Object.entries(SCHEMAS).map(([kind, file]) => [
      kind,
      ajv.compile(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'media', 'schemas', file), 'utf8'))),
    ]),
  );

  it('picks the schema by name, content and location', () => {
    assert.equal(chooseSchema('/p/.kluctl.yaml', '', false), 'project');
    assert.equal(chooseSchema('/p/.kluctl.yml', '', false), 'project');
    assert.equal(chooseSchema('/p/deployment.yaml', 'deployments:\n  - path: x\n', false), 'deployment');
    assert.equal(chooseSchema('/p/sub/deployment.yml', 'commonLabels: {}\n', true), 'deployment');
    assert.equal(
      chooseSchema('/p/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\n', true),
      undefined,
      'a Kubernetes Deployment is not a Kluctl file',
    );
    assert.equal(
      chooseSchema('/x/kd.yaml', 'apiVersion: gitops.kluctl.io/v1beta1\nkind: KluctlDeployment\n', false),
      'kluctlDeployment',
    );
    assert.equal(chooseSchema('/x/other.yaml', 'a: 1\n', true), undefined);
    assert.equal(chooseSchema('/p/app/helm-chart.yml', 'helmChart: {}\n', false), 'helmChart');
  });

  it('accepts the helm-chart.yaml files of the kluctl examples and rejects unknown keys', () => {
    const charts = files(KLUCTL_EXAMPLES, /^helm-chart\.ya?ml$/);
    assert.ok(charts.length >= 2, charts.join(', '));
    for (const file of charts) {
      const doc: unknown = parse(fs.readFileSync(file, 'utf8').replace(/\{\{[^}]*\}\}/g, 'x'));
      assert.ok(validate.helmChart(doc), `${file}: ${ajv.errorsText(validate.helmChart.errors)}`);
    }
    assert.equal(validate.helmChart({ helmChart: { releaseName: 'r', chartVersions: '1' } }), false);
  });

  it('accepts the project and deployment files of the kluctl examples', () => {
    const checked: string[] = [];
    for (const file of files(KLUCTL_EXAMPLES, /^(\.kluctl|deployment)\.ya?ml$/)) {
      let document: unknown;
      try {
        // An unquoted {{ x }} is a YAML flow mapping before Kluctl renders it: stand in a string.
        document = parse(fs.readFileSync(file, 'utf8').replace(/\{\{[^}]*\}\}/g, 'x'));
      } catch {
        continue; // Jinja2 block tags make some files YAML only after rendering.
      }
      const kind = chooseSchema(file, fs.readFileSync(file, 'utf8'), true);
      if (!kind) continue;
      assert.ok(
        validate[kind](document),
        `${path.relative(KLUCTL_EXAMPLES, file)}: ${ajv.errorsText(validate[kind].errors)}`,
      );
      checked.push(path.relative(KLUCTL_EXAMPLES, file));
    }
    assert.ok(checked.length >= 8, `checked ${checked.join(', ')}`);
  });

  it('accepts the KluctlDeployments of the gitops example and rejects unknown keys, as Kluctl does', () => {
    const manifests = files(path.join(KLUCTL_EXAMPLES, 'gitops-deployment'), /\.yaml$/)
      .map((f) => fs.readFileSync(f, 'utf8'))
      .filter((t) => chooseSchema('x.yaml', t, false) === 'kluctlDeployment');
    assert.ok(manifests.length >= 2);
    for (const text of manifests) {
      const doc: unknown = parse(text.replace(/\{\{[^}]*\}\}/g, 'x'));
      assert.ok(validate.kluctlDeployment(doc), ajv.errorsText(validate.kluctlDeployment.errors));
    }
    assert.equal(validate.project({ targets: [{ name: 't', contxt: 'typo' }] }), false);
    assert.match(ajv.errorsText(validate.project.errors), /must NOT have additional properties/);
    assert.equal(
      validate.deployment({ deployments: [{ path: 'a', barrier: '{{ args.b }}' }] }),
      true,
      'templated scalars are accepted',
    );
  });
});
