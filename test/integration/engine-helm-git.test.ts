import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { renderProject } from '../../src/engine/render/render-project.js';
import { tempTree } from '../harness/files.js';
import { git } from '../harness/git-server.js';
import { useHelmWasm } from '../harness/helm-wasm.js';
import { sharedGitServer, uniqueName } from '../harness/shared.js';

/**
 * Git-hosted Helm charts (kluctl v2.28's `helmChart.git`), checked out on demand with `skipPrePull: true` from the
 * loopback Git server and rendered by the bundled Helm v4 engine. (kluctl v2.22.1, the CLI oracle here, has no Git charts.)
 */
describe('engine: Helm charts from Git', function () {
  this.timeout(180_000);

  const chart = (version: string) => ({
    'charts/demo/Chart.yaml': `apiVersion: v2\nname: demo\nversion: ${version}\n`,
    'charts/demo/values.yaml': 'greeting: hello\n',
    'charts/demo/templates/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-demo\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  chart: {{ .Chart.Version | quote }}\n',
  });

  it("renders the chart at a tag and a sub-directory, with the item's helm-values.yaml", async () => {
    const gs = await sharedGitServer();
    const repo = uniqueName('charts');
    const bare = path.join(gs.root, `${repo}.git`);
    const v1 = await gs.pushTree(repo, { files: chart('1.0.0') });
    await gs.pushTree(repo, { files: chart('2.0.0') });
    git(bare, 'tag', 'v1.0.0', v1);

    const project = (ref: string, extra = '') =>
      tempTree('helm-git-', {
        'deployment.yaml': 'deployments:\n  - path: app\n',
        'app/helm-chart.yaml': `helmChart:\n  git:\n    url: ${gs.url(repo)}\n    ref: ${ref}\n    subDir: charts/demo\n  releaseName: rel\n  namespace: apps\n${extra}`,
        'app/helm-values.yaml': 'greeting: from values\n',
      });
    useHelmWasm();
    const render = (dir: string) => renderProject({ projectDir: dir, offline: true });

    const tagged = await render(project('\n      tag: v1.0.0', '  skipPrePull: true\n'));
    assert.deepEqual(
      tagged.objects.map((o) => [o.kind, o.metadata.name, (o as { data?: Record<string, string> }).data]),
      [['ConfigMap', 'rel-demo', { greeting: 'from values', chart: '1.0.0' }]],
    );
    assert.equal(tagged.objects[0].metadata.annotations?.['kluctl.io/helm-install-namespace'], 'apps');

    const branch = await render(project('\n      branch: main', '  skipPrePull: true\n'));
    assert.equal((branch.objects[0] as { data?: Record<string, string> }).data?.chart, '2.0.0');

    await assert.rejects(
      render(project('\n      tag: v1.0.0')),
      /app\/helm-chart\.yaml.*has not been pre-pulled.*skipPrePull: true/s,
    );
    await assert.rejects(
      render(project('\n      tag: v9.9.9', '  skipPrePull: true\n')),
      /app\/helm-chart\.yaml.*git Helm chart .*v9\.9\.9/s,
    );
  });
});
