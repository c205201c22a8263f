import * as assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helmTemplateWasm, type HelmTemplateRequest } from '../../src/engine/helm/helm-wasm.js';
import { renderProject } from '../../src/engine/render/render-project.js';
import { parseYamlAll } from '../../src/engine/yaml/strict.js';
import { writeFiles } from '../harness/files.js';
import { useHelmWasm } from '../harness/helm-wasm.js';
import { sharedCluster } from '../harness/shared.js';

/**
 * The bundled Helm v4 engine (helm.wasm through node:wasi) on its own: kluctl v2.28's render options (capabilities
 * offline and from the real cluster, CRDs, hooks, test hooks), and what a hostile chart cannot do (read outside its
 * directory, read the environment, take unbounded memory).
 */
describe('helm-wasm: Helm v4 as WebAssembly @integration', function () {
  this.timeout(300_000);
  let tmp: string;
  let chartDir: string;

  const CAPS = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{ .Release.Name }}-caps',
    '  namespace: {{ .Release.Namespace }}',
    'data:',
    '  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}',
    '  helmVersion: {{ .Capabilities.HelmVersion.Version | quote }}',
    '  appsV1: {{ .Capabilities.APIVersions.Has "apps/v1" | quote }}',
    '  deployment: {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" | quote }}',
    '  policyV1beta1: {{ .Capabilities.APIVersions.Has "policy/v1beta1" | quote }}',
    '  isInstall: {{ .Release.IsInstall | quote }}',
    '  revision: {{ .Release.Revision | quote }}',
    '  greeting: {{ .Values.greeting | quote }}',
    '',
  ].join('\n');

  before(() => {
    useHelmWasm();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-wasm-'));
    chartDir = path.join(tmp, 'chart');
    writeFiles(chartDir, {
      'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.2.3\n',
      'values.yaml': 'greeting: hello\n',
      'crds/crd.yaml':
        'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.example.com\n',
      'templates/caps.yaml': CAPS,
      'templates/hook.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pre\n  annotations:\n    helm.sh/hook: pre-install\n',
      'templates/test.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: test\n  annotations:\n    helm.sh/hook: " test "\n',
      'templates/NOTES.txt': 'notes are not objects\n',
    });
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const render = (r: Partial<HelmTemplateRequest> & { chartDir: string }) =>
    helmTemplateWasm({ releaseName: 'rel', namespace: 'ns', includeCRDs: true, ...r });
  const objects = (manifest: string) =>
    parseYamlAll(manifest) as Array<{ kind: string; metadata: { name: string }; data?: Record<string, string> }>;

  it('offline: Helm v4.2 default capabilities (Kubernetes v1.36, all known API versions), values, CRDs first, hooks last, no test hooks', async () => {
    const out = objects((await render({ chartDir, values: 'greeting: from values\n' })).manifest);
    assert.deepEqual(
      out.map((o) => `${o.kind}/${o.metadata.name}`),
      ['CustomResourceDefinition/things.example.com', 'ConfigMap/rel-caps', 'ConfigMap/pre'],
    );
    assert.deepEqual(out[1].data, {
      kubeVersion: 'v1.36.0',
      helmVersion: out[1].data?.helmVersion,
      appsV1: 'true',
      // Helm's default list has group/versions only.
      deployment: 'false',
      policyV1beta1: 'true',
      isInstall: 'true',
      revision: '1',
      greeting: 'from values',
    });
    assert.match(out[1].data?.helmVersion ?? '', /^v4\.2/);
    const noCrds = objects((await render({ chartDir, includeCRDs: false })).manifest);
    assert.deepEqual(
      noCrds.map((o) => o.metadata.name),
      ['rel-caps', 'pre'],
    );
    assert.equal(noCrds[0].data?.greeting, 'hello');
  });

  it('online: exactly the given kube version and API versions (as kluctl passes the cluster’s)', async () => {
    const out = objects(
      (await render({ chartDir, kubeVersion: 'v1.27.3', apiVersions: ['v1', 'apps/v1', 'apps/v1/Deployment'] }))
        .manifest,
    );
    assert.equal(out[1].data?.kubeVersion, 'v1.27.3');
    assert.equal(out[1].data?.appsV1, 'true');
    assert.equal(out[1].data?.deployment, 'true');
    assert.equal(out[1].data?.policyV1beta1, 'false');
  });

  it('renderProject against the real cluster: the server version and its API versions reach the chart', async () => {
    const cluster = await sharedCluster();
    const project = path.join(tmp, 'online');
    writeFiles(project, {
      'deployment.yaml': 'deployments:\n  - path: app\n',
      'app/helm-chart.yaml': 'helmChart:\n  path: ../../chart\n  releaseName: rel\n  namespace: apps\n',
    });
    // The chart is outside the project dir: copy it in instead.
    fs.cpSync(chartDir, path.join(project, 'chart'), { recursive: true });
    fs.writeFileSync(
      path.join(project, 'app', 'helm-chart.yaml'),
      'helmChart:\n  path: ../chart\n  releaseName: rel\n  namespace: apps\n  skipCRDs: true\n',
    );
    const result = await renderProject({
      projectDir: project,
      kubeconfig: cluster.kubeconfig,
      context: cluster.context,
    });
    const cm = result.objects.find((o) => o.metadata.name === 'rel-caps') as { data?: Record<string, string> };
    assert.match(cm.data!.kubeVersion, /^v1\.36\.\d+/);
    assert.equal(cm.data!.appsV1, 'true');
    assert.equal(cm.data!.deployment, 'true');
    // Served by Helm's default list offline, not by this kube-apiserver.
    assert.equal(cm.data!.policyV1beta1, 'false');
  });

  it("Sprig's certificate functions (keys from the host): a CA, a certificate it signs, a self-signed one, private keys", async () => {
    const certs = path.join(tmp, 'certs');
    writeFiles(certs, {
      'Chart.yaml': 'apiVersion: v2\nname: certs\nversion: 0.1.0\n',
      'templates/tls.yaml': [
        '{{- $ca := genCA "demo-ca" 365 }}',
        '{{- $cert := genSignedCert "web" (list "10.0.0.1") (list "web.ns.svc") 30 $ca }}',
        '{{- $self := genSelfSignedCert "self" nil (list "self.example") 7 }}',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: tls',
        'data:',
        '  ca.crt: {{ $ca.Cert | quote }}',
        '  tls.crt: {{ $cert.Cert | quote }}',
        '  tls.key: {{ $cert.Key | quote }}',
        '  self.crt: {{ $self.Cert | quote }}',
        '  self.key: {{ $self.Key | quote }}',
        '  rsa.key: {{ genPrivateKey "rsa" | quote }}',
        '  ecdsa.key: {{ genPrivateKey "ecdsa" | quote }}',
        '',
      ].join('\n'),
    });
    const [cm] = objects((await render({ chartDir: certs })).manifest);
    const d = cm.data!;
    const ca = new X509Certificate(d['ca.crt']);
    const cert = new X509Certificate(d['tls.crt']);
    const self = new X509Certificate(d['self.crt']);
    assert.ok(ca.ca && ca.checkIssued(ca) && ca.verify(ca.publicKey), 'a self-signed CA');
    assert.equal(ca.subject, 'CN=demo-ca');
    assert.ok(cert.checkIssued(ca) && cert.verify(ca.publicKey), 'the certificate is signed by the CA');
    assert.equal(cert.subject, 'CN=web');
    assert.equal(cert.subjectAltName, 'DNS:web.ns.svc, IP Address:10.0.0.1');
    assert.ok(cert.checkPrivateKey(createPrivateKey(d['tls.key'])), 'its key');
    assert.equal(self.subjectAltName, 'DNS:self.example');
    assert.ok(self.verify(self.publicKey) && self.checkPrivateKey(createPrivateKey(d['self.key'])));
    // Sprig's key types and sizes: 2048-bit RSA for certificates, 4096 for genPrivateKey "rsa".
    assert.match(d['tls.key'], /^-----BEGIN RSA PRIVATE KEY-----/);
    assert.equal(createPrivateKey(d['tls.key']).asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(createPrivateKey(d['rsa.key']).asymmetricKeyDetails?.modulusLength, 4096);
    assert.match(d['ecdsa.key'], /^-----BEGIN EC PRIVATE KEY-----/);
    // Every key is new.
    assert.equal(
      new Set([ca.publicKey, cert.publicKey, self.publicKey].map((k) => k.export({ type: 'spki', format: 'pem' })))
        .size,
      3,
    );
  });

  it('errors name the problem: a library chart, an incompatible kubeVersion, a template error', async () => {
    const lib = path.join(tmp, 'lib');
    writeFiles(lib, { 'Chart.yaml': 'apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n' });
    await assert.rejects(render({ chartDir: lib }), /library charts are not installable/);
    const old = path.join(tmp, 'old');
    writeFiles(old, { 'Chart.yaml': 'apiVersion: v2\nname: old\nversion: 1.0.0\nkubeVersion: "<1.20"\n' });
    await assert.rejects(
      render({ chartDir: old }),
      /chart requires kubeVersion: <1.20 which is incompatible with Kubernetes v1.36/,
    );
    const bad = path.join(tmp, 'bad');
    writeFiles(bad, {
      'Chart.yaml': 'apiVersion: v2\nname: bad\nversion: 1.0.0\n',
      'templates/x.yaml': '{{ fail "no way" }}\n',
    });
    await assert.rejects(render({ chartDir: bad }), /bad\/templates\/x\.yaml.*no way/);
  });

  it('a chart sees nothing outside its directory and no environment', async () => {
    const secret = path.join(tmp, 'outside-secret.txt');
    fs.writeFileSync(secret, 'TOP-SECRET-CONTENT');
    const hostile = path.join(tmp, 'hostile');
    writeFiles(hostile, {
      'Chart.yaml': 'apiVersion: v2\nname: hostile\nversion: 1.0.0\n',
      'templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Files.Get "leak.txt" | quote }}\n  b: {{ .Files.Get "../outside-secret.txt" | quote }}\n',
    });
    fs.symlinkSync(secret, path.join(hostile, 'leak.txt'));
    const out = await render({ chartDir: hostile }).then(
      (r) => r.manifest,
      (e: Error) => e.message,
    );
    assert.doesNotMatch(out, /TOP-SECRET-CONTENT/);

    process.env.HELM_WASM_TEST_SECRET = 'ENV-SECRET';
    try {
      const envChart = path.join(tmp, 'env');
      writeFiles(envChart, {
        'Chart.yaml': 'apiVersion: v2\nname: env\nversion: 1.0.0\n',
        'templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ env "HELM_WASM_TEST_SECRET" | quote }}\n',
      });
      await assert.rejects(render({ chartDir: envChart }), /function "env" not defined/);
    } finally {
      delete process.env.HELM_WASM_TEST_SECRET;
    }
  });

  it('one instance renders chart after chart: each sees only its own directory, nothing of the one before', async () => {
    const first = path.join(tmp, 'first');
    writeFiles(first, {
      'Chart.yaml': 'apiVersion: v2\nname: first\nversion: 1.0.0\n',
      'files/secret.txt': 'FIRST-CHART-SECRET',
      'templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  s: {{ .Files.Get "files/secret.txt" | quote }}\n',
    });
    const second = path.join(tmp, 'second');
    writeFiles(second, {
      'Chart.yaml': 'apiVersion: v2\nname: second\nversion: 1.0.0\n',
      'templates/cm.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: second',
        'data:',
        '  same: {{ .Files.Get "files/secret.txt" | quote }}',
        '  up: {{ .Files.Get "../first/files/secret.txt" | quote }}',
        '  chart: {{ .Chart.Name | quote }}',
        '',
      ].join('\n'),
    });
    assert.match((await render({ chartDir: first })).manifest, /s: "FIRST-CHART-SECRET"/);
    const out = (await render({ chartDir: second })).manifest;
    assert.doesNotMatch(out, /FIRST-CHART-SECRET/);
    assert.match(out, /chart: "second"/);
    // And back: the first chart's files are there again for it.
    assert.match((await render({ chartDir: first })).manifest, /s: "FIRST-CHART-SECRET"/);
  });

  it('a chart that allocates without end stops at the memory cap with a clear error', async () => {
    const bomb = path.join(tmp, 'bomb');
    writeFiles(bomb, {
      'Chart.yaml': 'apiVersion: v2\nname: bomb\nversion: 1.0.0\n',
      'templates/x.yaml': '{{ $s := "xxxxxxxxxxxxxxxx" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ $s }}\n',
    });
    await assert.rejects(render({ chartDir: bomb }), /helm ran out of memory \(limit \d+ MiB\)/);
    // The next render gets a fresh instance and works.
    assert.match((await render({ chartDir })).manifest, /rel-caps/);
  });

  it('a cancelled render does not start', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      helmTemplateWasm({ chartDir, releaseName: 'rel', namespace: 'ns', includeCRDs: true }, controller.signal),
      {
        name: 'AbortError',
      },
    );
  });
});
