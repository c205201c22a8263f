import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyChartVersion, writeChartVersion } from '../../../../src/engine/helm/helm-pull.js';

describe('engine/helm helm-chart.yaml version edits', () => {
  const file = (text: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-edit-'));
    const f = path.join(dir, 'helm-chart.yaml');
    fs.writeFileSync(f, text);
    return f;
  };
  const text =
    '# the cache\nhelmChart:\n  repo: https://charts.example.com/stable # upstream\n  chartName: redis\n  chartVersion: 17.4.0\n  releaseName: cache\n  skipPrePull: false\n  skipUpdate: true\n';

  it("the editor's apply changes only chartVersion (comments and order stay)", () => {
    const f = file(text);
    applyChartVersion(f, '17.5.1');
    assert.equal(fs.readFileSync(f, 'utf8'), text.replace('17.4.0', '17.5.1'));
    assert.throws(
      () => applyChartVersion(file('helmChart:\n  path: x\n'), '1.0.0'),
      /helm-chart\.yaml: helmChart\.chartVersion is missing/,
    );
  });

  it("kluctl's --upgrade rewrite: the config struct as sigs.k8s.io/yaml writes it (sorted, omitempty)", () => {
    const f = file(text);
    writeChartVersion(f, '17.5.1');
    assert.equal(
      fs.readFileSync(f, 'utf8'),
      'helmChart:\n  chartName: redis\n  chartVersion: 17.5.1\n  releaseName: cache\n  repo: https://charts.example.com/stable\n  skipUpdate: true\n',
    );
  });
});
