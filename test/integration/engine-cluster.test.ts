import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../src/cli/run.js';
import { captureCli, type CliRun } from '../harness/cli.js';
import type { CommandResult, ResultObject } from '../../src/kluctl/resultTypes.js';
import { clientForContext, loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { getObject, serverSideApply } from '../../src/kube/apply.js';
import { ResourceMapper } from '../../src/kube/discovery.js';
import { tempTree, writeFiles } from '../harness/files.js';
import { runKluctl } from '../harness/kluctl.js';
import { sharedCluster, uniqueName } from '../harness/shared.js';
import type { TestCluster } from '../harness/cluster.js';

/**
 * The cluster half of the engine against the real kluctl v2.22.1 on the same project and cluster: each deploys,
 * the other diffs; after edits both report the same changed objects, jsonPaths, unified diffs and orphans; prune
 * removes what kluctl lists as orphans. The projects are written here; each test uses its own namespace and
 * discriminator.
 */

type Run = CliRun;

async function ours(args: string[], cwd: string, kubeconfig: string): Promise<Run> {
  return captureCli((io) => runCli([...args, '--kubeconfig', kubeconfig, '--project-dir', cwd], io));
}

function ourResult(run: Run): CommandResult {
  assert.ok(run.stdout.trim().startsWith('{'), `expected JSON output, got:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(run.stdout) as CommandResult;
}

/** kluctl -o yaml prints the compacted result; the object flags and changes are all we compare. */
function kluctlObjects(run: Run): ResultObject[] {
  const doc = parse(run.stdout) as { compactedObjects?: ResultObject[]; objects?: ResultObject[] };
  return doc.compactedObjects ?? doc.objects ?? [];
}

const refText = (o: ResultObject) => `${o.ref.namespace ?? ''}/${o.ref.kind}/${o.ref.name}`;
const flagged = (objects: ResultObject[], flag: 'new' | 'orphan' | 'deleted') =>
  objects
    .filter((o) => o[flag])
    .map(refText)
    .sort();
const changes = (objects: ResultObject[]) =>
  objects
    .filter((o) => o.changes?.length)
    .map((o) => ({
      ref: refText(o),
      changes: o.changes!.map((c) => ({ type: c.type, jsonPath: c.jsonPath, unifiedDiff: c.unifiedDiff })),
    }))
    .sort((a, b) => (a.ref < b.ref ? -1 : 1));

function project(): Record<string, string> {
  return {
    '.kluctl.yaml': `discriminator: "xcheck-{{ args.ns }}"\nargs:\n  - name: ns\n`,
    'deployment.yaml': `deployments:\n  - path: namespace\n  - barrier: true\n  - path: app\n  - path: secrets\ncommonLabels:\n  example.com/project: xcheck\n`,
    'namespace/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ args.ns }}\n`,
    'app/kustomization.yaml': `resources:\n  - configmap.yaml\n  - deployment.yaml\n  - service.yaml\n`,
    'app/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: {{ args.ns }}\ndata:\n  greeting: hello\n  multi: |\n    line one\n    line two\n    line three\n`,
    'app/deployment.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: web',
      '  namespace: {{ args.ns }}',
      'spec:',
      '  replicas: 1',
      '  selector:',
      '    matchLabels: {app: web}',
      '  template:',
      '    metadata:',
      '      labels: {app: web}',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          image: nginx:1.25',
      '          ports:',
      '            - containerPort: 80',
      '          env:',
      '            - name: A',
      '              value: "1"',
      '            - name: B',
      '              value: two',
      '          resources:',
      '            requests:',
      '              cpu: 0.5',
      '',
    ].join('\n'),
    'app/service.yaml': `apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: {{ args.ns }}\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n`,
    'secrets/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: {{ args.ns }}\nstringData:\n  password: first\n`,
  };
}

describe('engine: diff/deploy/prune against a real cluster, cross-checked with the real kluctl', function () {
  this.timeout(600_000);
  let cluster: TestCluster;
  const columns = process.env.COLUMNS;
  before(async () => {
    cluster = await sharedCluster();
    // kluctl without a terminal lays tables out for 80 columns; kluctl-ts runs in this process.
    process.env.COLUMNS = '80';
  });
  after(() => {
    if (columns === undefined) delete process.env.COLUMNS;
    else process.env.COLUMNS = columns;
  });

  async function kluctl(args: string[], cwd: string): Promise<Run> {
    return runKluctl(args, { kubeconfig: cluster.kubeconfig, cwd });
  }

  it('deploy with kluctl-ts, then the real kluctl diff reports nothing; after edits both report the same changes and orphans; prune removes them', async () => {
    const ns = uniqueName('xc-ts');
    const dir = tempTree('xcheck-', project());

    const deployed = await ours(['deploy', '--yes', '-a', `ns=${ns}`, '-o', 'json'], dir, cluster.kubeconfig);
    assert.equal(deployed.code, 0, deployed.stderr);
    const first = ourResult(deployed);
    assert.deepEqual(
      flagged(first.objects ?? [], 'new'),
      [
        `${ns}/ConfigMap/app-config`,
        `${ns}/Deployment/web`,
        `${ns}/Secret/creds`,
        `${ns}/Service/web`,
        `/Namespace/${ns}`,
      ].sort(),
    );
    assert.equal(first.errors, undefined);

    const k1 = await kluctl(['diff', '-a', `ns=${ns}`, '-o', 'yaml'], dir);
    assert.equal(k1.code, 0, k1.stderr);
    assert.deepEqual(changes(kluctlObjects(k1)), [], 'real kluctl sees no changes after a kluctl-ts deploy');
    assert.deepEqual(flagged(kluctlObjects(k1), 'new'), []);
    assert.deepEqual(flagged(kluctlObjects(k1), 'orphan'), []);

    // A resource of a deprecated API (v1 Endpoints warns from Kubernetes 1.33 on) carrying the discriminator, made
    // by someone else: every orphan search lists it, and neither tool may print the server's deprecation warning.
    const kube = clientForContext(loadKubeConfig(cluster.kubeconfig), cluster.context);
    const warnings: string[] = [];
    await serverSideApply(
      kube,
      new ResourceMapper(kube),
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'legacy', namespace: ns, labels: { 'kluctl.io/discriminator': `xcheck-${ns}` } },
        subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }],
      },
      { fieldManager: 'someone-else', onWarnings: (w) => warnings.push(...w) },
    );
    assert.ok(
      warnings.some((w) => /deprecated/i.test(w)),
      `the API server warns about v1 Endpoints (got ${JSON.stringify(warnings)})`,
    );

    // Edits: a changed value, an added key, a changed multi-line value, a new image, a changed env var, a changed
    // Secret value, and a removed item (its Secret becomes an orphan... once the secret item is dropped below).
    const original = project();
    writeFiles(dir, {
      'app/configmap.yaml': original['app/configmap.yaml']
        .replace('greeting: hello', 'greeting: hi\n  added: "yes"')
        .replace('line two', 'line 2'),
      'app/deployment.yaml': original['app/deployment.yaml']
        .replace('nginx:1.25', 'nginx:1.27')
        .replace('value: two', 'value: three'),
      'secrets/secret.yaml': original['secrets/secret.yaml'].replace('first', 'second'),
    });
    const k2 = await kluctl(['diff', '-a', `ns=${ns}`, '-o', 'yaml'], dir);
    const o2 = await ours(['diff', '-a', `ns=${ns}`, '-o', 'json'], dir, cluster.kubeconfig);
    assert.equal(k2.code, 0, k2.stderr);
    assert.equal(o2.code, 0, o2.stderr);
    const theirs = changes(kluctlObjects(k2));
    assert.deepEqual(
      theirs.map((c) => c.ref),
      [`${ns}/ConfigMap/app-config`, `${ns}/Deployment/web`, `${ns}/Secret/creds`],
    );
    assert.deepEqual(changes(ourResult(o2).objects ?? []), theirs);
    assert.ok(JSON.stringify(theirs).includes('***** (obfuscated)'), 'the Secret change is obfuscated');

    // The text output is laid out like kluctl's.
    const kText = await kluctl(['diff', '-a', `ns=${ns}`], dir);
    const oText = await ours(['diff', '-a', `ns=${ns}`], dir, cluster.kubeconfig);
    // The one deliberate difference from the kluctl v2.22.1 built here: it reports the API warnings of the
    // discriminator listing (getAllByDiscriminator in pkg/deployment/utils/remote_objects_utils.go calls
    // dew.AddApiWarnings), so it prints the server's v1 Endpoints deprecation. kluctl v2.28 only traces them there
    // (status.Tracef "API warning while getting ... by discriminator"), and kluctl-ts follows v2.28. Exactly that
    // block (formatCommandResultText writes "\nWarnings:\n" and one "  <ref>: <message>" line per warning, before
    // the first object section) is taken out of v2.22.1's output; the rest must be equal byte for byte.
    const endpointsWarning =
      '\nWarnings:\n  Endpoints: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n';
    assert.ok(
      kText.stdout.startsWith(endpointsWarning),
      `kluctl v2.22.1 prints the listing's deprecation warning first:\n${kText.stdout}`,
    );
    assert.equal(oText.stdout, kText.stdout.slice(endpointsWarning.length));
    assert.doesNotMatch(oText.stdout + oText.stderr, /deprecated/i, 'no API deprecation warning from listing');
    assert.match(
      oText.stdout,
      /Changed objects:\n {2}\S+\/ConfigMap\/app-config\n {2}\S+\/Secret\/creds\n {2}\S+\/Deployment\/web\n/,
    );

    // Drop the secrets item: both list the Secret as an orphan; prune removes exactly that.
    fs.writeFileSync(
      path.join(dir, 'deployment.yaml'),
      project()['deployment.yaml'].replace('  - path: secrets\n', ''),
    );
    const k3 = await kluctl(['diff', '-a', `ns=${ns}`, '-o', 'yaml'], dir);
    const o3 = ourResult(await ours(['diff', '-a', `ns=${ns}`, '-o', 'json'], dir, cluster.kubeconfig));
    assert.deepEqual(flagged(kluctlObjects(k3), 'orphan'), [`${ns}/Secret/creds`]);
    assert.deepEqual(flagged(o3.objects ?? [], 'orphan'), flagged(kluctlObjects(k3), 'orphan'));

    const pruned = await ours(['prune', '--yes', '-a', `ns=${ns}`, '-o', 'json'], dir, cluster.kubeconfig);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(flagged(ourResult(pruned).objects ?? [], 'deleted'), [`${ns}/Secret/creds`]);
    const client = clientForContext(loadKubeConfig(cluster.kubeconfig), cluster.context);
    const mapper = new ResourceMapper(client);
    assert.equal(
      await getObject(client, mapper, { apiVersion: 'v1', kind: 'Secret', name: 'creds', namespace: ns }),
      undefined,
    );
    assert.ok(
      await getObject(client, mapper, { apiVersion: 'v1', kind: 'ConfigMap', name: 'app-config', namespace: ns }),
      'non-orphans stay',
    );
    const k4 = await kluctl(['diff', '-a', `ns=${ns}`, '-o', 'yaml'], dir);
    assert.deepEqual(flagged(kluctlObjects(k4), 'orphan'), [], 'kluctl sees no orphan left');
  });

  it('deploy with the real kluctl, then kluctl-ts diff reports nothing', async () => {
    const ns = uniqueName('xc-k');
    const dir = tempTree('xcheck-', project());
    const k = await kluctl(['deploy', '--yes', '-a', `ns=${ns}`], dir);
    assert.equal(k.code, 0, k.stderr);
    const o = await ours(['diff', '-a', `ns=${ns}`, '-o', 'json'], dir, cluster.kubeconfig);
    assert.equal(o.code, 0, o.stderr);
    const r = ourResult(o);
    assert.deepEqual(changes(r.objects ?? []), []);
    assert.deepEqual(flagged(r.objects ?? [], 'new'), []);
    assert.deepEqual(flagged(r.objects ?? [], 'orphan'), []);
    assert.equal(r.errors, undefined);
  });
});
