import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runListCommand } from '../../src/cli/list.js';
import { runCli } from '../../src/cli/run.js';
import { captureCli } from '../harness/cli.js';
import { writeFiles } from '../harness/files.js';
import { runKluctl } from '../harness/kluctl.js';
import { KLUCTL_EXAMPLES, testBinaries } from '../harness/paths.js';
import { sharedCluster, uniqueName } from '../harness/shared.js';

/**
 * `kluctl list-targets` and `kluctl list-images` (the real kluctl v2.22.1) against kluctl-ts in process: the same
 * YAML text, on every kluctl example with targets and on a project that calls `images.get_image()` with fixed
 * images from the target, from vars, from `-F` and from a regex, offline and against the shared cluster (where
 * kluctl reads `deployedImage` from the live objects).
 */
describe('kluctl-ts list-targets and list-images: conformance with kluctl v2.22.1 @integration @conformance', function () {
  this.timeout(300_000);
  let tmp: string;
  let noKubeconfig: string;
  const savedKustomize = process.env.KLUCTL_KUSTOMIZE_BINARY;

  before(() => {
    process.env.KLUCTL_KUSTOMIZE_BINARY = testBinaries('kustomize').kustomize;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'list-conformance-'));
    noKubeconfig = path.join(tmp, 'no-kubeconfig');
  });
  after(() => {
    if (savedKustomize === undefined) delete process.env.KLUCTL_KUSTOMIZE_BINARY;
    else process.env.KLUCTL_KUSTOMIZE_BINARY = savedKustomize;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function both(args: string[], cwd: string, kubeconfig = noKubeconfig) {
    const kluctl = await runKluctl(args, { kubeconfig, cwd });
    // list-targets has no cluster flags (kluctl's neither); the runs of kluctl get the kubeconfig from the env.
    const cluster = args[0] === 'list-images' ? ['--kubeconfig', kubeconfig] : [];
    const ours = await captureCli((io) => runListCommand(args[0], [...args.slice(1), ...cluster], io, { cwd }));
    return { kluctl, ours };
  }

  /** Project dirs of the examples that have targets, copied out of any Git repo (as the render conformance does). */
  function examplesWithTargets(): string[] {
    const found: string[] = [];
    const walk = (dir: string, depth: number) => {
      if (depth > 4) return;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(dir, e.name), depth + 1);
        else if (/^\.kluctl\.ya?ml$/.test(e.name) && /^targets:/m.test(fs.readFileSync(path.join(dir, e.name), 'utf8')))
          found.push(dir);
      }
    };
    walk(KLUCTL_EXAMPLES, 0);
    return found.sort();
  }

  it('list-targets: every example with targets prints the same YAML', async () => {
    const examples = examplesWithTargets();
    assert.ok(examples.length >= 4, `examples with targets: ${examples.join(', ')}`);
    for (const example of examples) {
      const dir = path.join(tmp, 'examples', path.relative(KLUCTL_EXAMPLES, example));
      fs.cpSync(example, dir, { recursive: true });
      const { kluctl, ours } = await both(['list-targets', '--project-dir', dir], dir);
      const what = path.relative(KLUCTL_EXAMPLES, example);
      assert.equal(kluctl.code, 0, `${what}: kluctl failed: ${kluctl.stderr}`);
      assert.equal(ours.code, 0, `${what}: kluctl-ts failed: ${ours.stderr}`);
      assert.equal(ours.stdout, kluctl.stdout, `${what}: list-targets differs`);
    }
  });

  it('list-targets: targets with context, args, images, aws and a templated discriminator; a project without targets', async () => {
    const dir = path.join(tmp, 'targets');
    writeFiles(dir, {
      '.kluctl.yaml': [
        'discriminator: "proj-{{ target.name }}"',
        'aws:',
        '  profile: default-profile',
        'args:',
        '  - name: env',
        '    default: dev',
        'targets:',
        '  - name: zeta',
        '    context: kind-zeta',
        '    args: {env: prod, replicas: 3, nested: {a: [1, "two"]}}',
        '    images:',
        '      - image: nginx',
        '        resultImage: nginx:1.27',
        '      - imageRegex: "^ghcr\\\\.io/.*"',
        '        resultImage: ghcr.io/pinned:1',
        '        namespace: ns1',
        '  - name: alpha',
        '    discriminator: own-{{ target.name }}',
        '    aws: {serviceAccount: {name: sa, namespace: kube-system}}',
        '    args: {}',
        '',
      ].join('\n'),
      'deployment.yaml': 'deployments: []\n',
    });
    const withTargets = await both(['list-targets'], dir);
    assert.equal(withTargets.kluctl.code, 0, withTargets.kluctl.stderr);
    assert.equal(withTargets.ours.stdout, withTargets.kluctl.stdout);

    const empty = path.join(tmp, 'no-targets');
    writeFiles(empty, { '.kluctl.yaml': 'discriminator: x\n', 'deployment.yaml': 'deployments: []\n' });
    const none = await both(['list-targets'], empty);
    assert.equal(none.kluctl.code, 0, none.kluctl.stderr);
    assert.equal(none.ours.stdout, none.kluctl.stdout);
  });

  function imagesProject(ns: string): string {
    const dir = path.join(tmp, `images-${ns}`);
    const deployment = (name: string, containers: string) =>
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        `  name: ${name}`,
        `  namespace: ${ns}`,
        'spec:',
        '  selector: {matchLabels: {app: x}}',
        '  template:',
        '    metadata: {labels: {app: x}}',
        '    spec:',
        containers,
        '',
      ].join('\n');
    writeFiles(dir, {
      '.kluctl.yaml': [
        'targets:',
        '  - name: t',
        '    images:',
        '      - image: registry.example/web',
        '        resultImage: registry.example/web:1.0.0',
        '      - imageRegex: "^registry\\\\.example/side.*"',
        '        resultImage: registry.example/side:regex',
        '',
      ].join('\n'),
      'deployment.yaml': [
        'vars:',
        '  - values:',
        '      images:',
        '        - image: registry.example/job',
        '          resultImage: registry.example/job:from-vars',
        'deployments:',
        '  - path: ns',
        '  - barrier: true',
        '  - path: apps',
        '    tags: [apps, web]',
        '  - path: jobs',
        '',
      ].join('\n'),
      'ns/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
      'apps/web.yaml': deployment(
        'web',
        [
          '      initContainers:',
          '        - name: init',
          '          image: "{{ images.get_image(\'registry.example/side-init\') }}"',
          '      containers:',
          '        - name: web',
          '          image: "{{ images.get_image(\'registry.example/web\') }}"',
          '        - name: sidecar',
          '          image: "{{ images.get_image(\'registry.example/side-car\') }}"',
          '          args: ["{{ images.get_image(\'registry.example/peer\') }}", "--verbose"]',
          '          env:',
          '            - name: PEER_DIGEST',
          '              value: "{{ images.get_image(\'registry.example/peer\') }}@sha256:0"',
        ].join('\n'),
      ),
      'jobs/job.yaml': [
        'apiVersion: batch/v1',
        'kind: Job',
        'metadata:',
        '  name: migrate',
        `  namespace: ${ns}`,
        'spec:',
        '  template:',
        '    spec:',
        '      restartPolicy: Never',
        '      containers:',
        '        - name: migrate',
        '          image: "{{ images.get_image(\'registry.example/job\') }}"',
        '',
      ].join('\n'),
    });
    return dir;
  }

  it('list-images offline: target, vars, -F and regex fixed images; --simple; -o to a file', async () => {
    const dir = imagesProject('offline-ns');
    const args = [
      'list-images',
      '-t',
      't',
      '--offline-kubernetes',
      '-F',
      'registry.example/peer=registry.example/peer:cli',
    ];
    const full = await both(args, dir);
    assert.equal(full.kluctl.code, 0, full.kluctl.stderr);
    assert.equal(full.ours.code, 0, full.ours.stderr);
    assertSameImages(full.ours.stdout, full.kluctl.stdout);
    assert.match(full.ours.stdout, /resultImage: registry\.example\/job:from-vars/);

    const simple = await both([...args, '--simple'], dir);
    assert.equal(simple.ours.stdout, simple.kluctl.stdout);

    const out = path.join(tmp, 'images-out.yaml');
    const toFile = await captureCli((io) => runCli([...args, '--project-dir', dir, '-o', out], io));
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.equal(toFile.stdout, '');
    assert.equal(fs.readFileSync(out, 'utf8'), full.ours.stdout);

    // A placeholder after other text fails in kluctl (it slices the base64 at the wrong offset); kluctl-ts fails too,
    // saying why.
    const web = path.join(dir, 'apps/web.yaml');
    const text = fs.readFileSync(web, 'utf8');
    fs.writeFileSync(
      web,
      text.replace(
        '"{{ images.get_image(\'registry.example/peer\') }}", "--verbose"',
        '"--peer={{ images.get_image(\'registry.example/peer\') }}"',
      ),
    );
    const embedded = await both(args, dir);
    fs.writeFileSync(web, text);
    assert.match(embedded.kluctl.stderr, /illegal base64 data/);
    assert.notEqual(embedded.ours.code, 0);
    assert.match(
      embedded.ours.stderr,
      /images\.get_image\('registry\.example\/peer'\) at spec\.template\.spec\.containers\.1\.args\.0 follows other text/,
    );

    // A placeholder nothing pins is an error of both.
    const missing = await both(['list-images', '-t', 't', '--offline-kubernetes'], dir);
    assert.notEqual(missing.kluctl.code, 0);
    assert.notEqual(missing.ours.code, 0);
    assert.match(missing.ours.stderr, /failed to find fixed image for registry\.example\/peer/);
  });

  it('list-images against a cluster: deployedImage from the live objects, as kluctl reads them', async () => {
    const cluster = await sharedCluster();
    const ns = uniqueName('images');
    const dir = imagesProject(ns);
    const pin = ['-F', 'registry.example/peer=registry.example/peer:cli'];
    const deployed = await runKluctl(['deploy', '--yes', '-t', 't', ...pin, '--no-wait'], {
      kubeconfig: cluster.kubeconfig,
      cwd: dir,
    });
    assert.equal(deployed.code, 0, deployed.stderr);
    // The next list pins web to another version: deployedImage still names the deployed one.
    const args = ['list-images', '-t', 't', ...pin, '-F', 'registry.example/web=registry.example/web:2.0.0'];
    const { kluctl, ours } = await both(args, dir, cluster.kubeconfig);
    assert.equal(kluctl.code, 0, kluctl.stderr);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(ours.stdout, /deployedImage: registry\.example\/web:1\.0\.0/);
    assertSameImages(ours.stdout, kluctl.stdout);
  });
});

/**
 * list-images output equal to kluctl's, but for the order of entries with the same image: kluctl sorts by image
 * with sort.Slice after walking each object's maps in Go's random iteration order, so two calls of one image in one
 * object (here the peer image in a container's args and in its env) come out in either order from run to run;
 * kluctl-ts gives one fixed order. Everything else (the entries, their text, the order of the images) must be equal.
 */
function assertSameImages(ours: string, kluctl: string): void {
  const entries = (text: string) => text.split(/\n(?=- )/);
  const imageOf = (entry: string) => /^ {2}image: (.*)$/m.exec(entry)?.[1] ?? '';
  assert.deepEqual(entries(ours).map(imageOf), entries(kluctl).map(imageOf), 'the images, in order');
  const canonical = (text: string) =>
    entries(text)
      .sort((a, b) => imageOf(a).localeCompare(imageOf(b)) || a.localeCompare(b))
      .join('\n');
  assert.equal(canonical(ours), canonical(kluctl));
}
