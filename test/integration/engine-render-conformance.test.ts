import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runRender } from '../../src/cli/render.js';
import { saveEnv } from '../harness/env.js';
import { captureCli, type CliRun } from '../harness/cli.js';
import { useHelmWasm } from '../harness/helm-wasm.js';
import { runKluctl } from '../harness/kluctl.js';
import { KLUCTL_EXAMPLES, REPO_ROOT, testBinaries } from '../harness/paths.js';
import { sharedCluster } from '../harness/shared.js';

/**
 * `kluctl render --print-all` (the real kluctl v2.22.1) against `kluctl-ts render --print-all` (in process) on the
 * kluctl-examples and on test/conformance/render/<case>: same exit status, same objects in the same order, and the
 * same text. Cases are copied to a temp dir (not a Git repo, so the project dir is the source root).
 */

interface Case {
  args: string[];
  env?: Record<string, string>;
  error?: boolean;
  needs?: 'helm';
  /**
   * Objects (`Kind/name`) that v2.22.1 prints but v2.28 (and so kluctl-ts) drops: `kluctl.io/ignore` objects are
   * removed at render time only since v2.23 (spec §5.1).
   */
  v2_22_keeps?: string[];
}

const FIXTURES = path.join(REPO_ROOT, 'test', 'conformance', 'render');

type Run = CliRun;

async function runOurs(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return captureCli((io) => runRender(args, io, { env, cwd }));
}

function objects(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o) => o !== null && o !== undefined);
}

const ref = (o: unknown): string => {
  const x = o as { kind: string; metadata: { name: string } };
  return `${x.kind}/${x.metadata.name}`;
};

/** Helm's genCA/genSignedCert output differs on every run. */
function maskGeneratedCerts(text: string): string {
  return text.replace(/^(\s+(?:ca\.crt|tls\.crt|tls\.key): )\S+$/gm, '$1<generated>');
}

function compare(kluctl: Run, ours: Run, c: Pick<Case, 'error' | 'v2_22_keeps'>, what: string): void {
  if (c.error) {
    assert.notEqual(kluctl.code, 0, `${what}: kluctl was expected to fail`);
    assert.notEqual(ours.code, 0, `${what}: kluctl-ts was expected to fail\n${ours.stdout}`);
    return;
  }
  assert.equal(kluctl.code, 0, `${what}: kluctl failed: ${kluctl.stderr}`);
  assert.equal(ours.code, 0, `${what}: kluctl-ts failed: ${ours.stderr}`);
  const keep = new Set(c.v2_22_keeps ?? []);
  const expected = objects(maskGeneratedCerts(kluctl.stdout)).filter((o) => !keep.has(ref(o)));
  assert.deepEqual(objects(maskGeneratedCerts(ours.stdout)), expected, `${what}: objects differ`);
  if (keep.size === 0)
    assert.equal(maskGeneratedCerts(ours.stdout), maskGeneratedCerts(kluctl.stdout), `${what}: text differs`);
}

describe('engine render conformance with kluctl render --print-all @integration @conformance', function () {
  this.timeout(600_000);
  const restoreEnv = saveEnv('KLUCTL_HELM_BINARY', 'KLUCTL_KUSTOMIZE_BINARY');
  // Helm charts render through the bundled Helm v4 engine, as in kluctl v2.28.
  let tmp: string;
  let noKubeconfig: string;

  before(() => {
    useHelmWasm();
    delete process.env.KLUCTL_HELM_BINARY;
    process.env.KLUCTL_KUSTOMIZE_BINARY = testBinaries('kustomize').kustomize;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'render-conformance-'));
    noKubeconfig = path.join(tmp, 'no-kubeconfig');
  });

  after(() => {
    restoreEnv();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function both(
    projectDir: string,
    args: string[],
    env: Record<string, string> = {},
    kubeconfig?: string,
  ): Promise<[Run, Run]> {
    const full = ['--print-all', '--project-dir', projectDir, ...args];
    const offline = kubeconfig ? [] : ['--offline-kubernetes'];
    const kluctl = await runKluctl(['render', ...offline, ...full], {
      kubeconfig: kubeconfig ?? noKubeconfig,
      cwd: projectDir,
      env,
    });
    const ourEnv = { ...process.env, KUBECONFIG: kubeconfig ?? noKubeconfig, ...env };
    const ours = await runOurs([...offline, ...full], ourEnv, projectDir);
    return [kluctl, ours];
  }

  describe('kluctl-examples (offline)', () => {
    // The examples with Helm charts render as kluctl v2.28 (Helm v4) does, not as v2.22.1 (Helm v3): they are
    // compared with the recorded v2.28.2 renders in engine-render-v228-conformance.test.ts.
    const examples: Array<[string, string[]]> = [
      ['simple', ['-t', 'simple']],
      ['simple', ['-t', 'another']],
      ['microservices-demo/1-basic-project', ['-t', 'local']],
      ['gitops-deployment', ['-t', 'gitops', '-a', 'cluster_name=test.example.com']],
    ];
    for (const [dir, args] of examples) {
      it(`${dir} ${args.join(' ')}`, async () => {
        const [kluctl, ours] = await both(path.join(KLUCTL_EXAMPLES, dir), args);
        compare(kluctl, ours, {}, dir);
      });
    }
  });

  describe('kluctl-examples against the cluster (namespace defaulting via discovery)', () => {
    const examples: Array<[string, string[]]> = [
      ['simple', ['-t', 'simple']],
      ['microservices-demo/1-basic-project', ['-t', 'local']],
      ['microservices-demo/3-templating-and-multi-env', ['-t', 'local']],
    ];
    for (const [dir, args] of examples) {
      it(`${dir} ${args.join(' ')}`, async () => {
        const cluster = await sharedCluster();
        const [kluctl, ours] = await both(
          path.join(KLUCTL_EXAMPLES, dir),
          [...args, '--context', cluster.context],
          {},
          cluster.kubeconfig,
        );
        compare(kluctl, ours, {}, dir);
      });
    }
  });

  describe('fixtures (offline)', () => {
    for (const name of fs.readdirSync(FIXTURES).sort()) {
      it(name, async () => {
        const c = JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'case.json'), 'utf8')) as Case;
        const dir = path.join(tmp, name);
        fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
        fs.rmSync(path.join(dir, 'case.json'));
        const args = c.args.map((a) => a.replaceAll('{dir}', dir));
        const [kluctl, ours] = await both(dir, args, c.env);
        compare(kluctl, ours, c, name);
      });
    }
  });
});
