import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { printAll } from '../../src/engine/render/print.js';
import { RenderCache } from '../../src/engine/render/incremental.js';
import { renderProject } from '../../src/engine/render/render-project.js';
import { kluctlEnv } from '../harness/kluctl.js';
import { KLUCTL_EXAMPLES, REPO_ROOT, testBinaries } from '../harness/paths.js';
import { saveEnv } from '../harness/env.js';
import { writeFiles } from '../harness/files.js';
import { useHelmWasm } from '../harness/helm-wasm.js';
import { ensureCodeServer } from '../vscode/driver.js';
import { faster, lessMemory, mib, ms, runMeasured, type BenchRow, type ProcessSample } from './measure.js';

/**
 * Issue 16, render at editor speed: kluctl (a new process each time) against kluctl-ts as a process and the warm
 * in-process API with its incremental render (RenderCache), runs alternated (kluctl, ours, kluctl, …) so that load
 * on the machine hits both alike.
 * - the 200-item / 2,000-object project as processes, with peak memory and whether the output is identical;
 * - a re-render after editing one file, and after editing `.kluctl.yaml` args (every item affected) against a cold
 *   in-process render;
 * - each kluctl example as a process;
 * - a re-render after editing one file of an example with a Helm chart, warm API, with the Helm render cache
 *   (render-cache.ts) and without it.
 */
export async function benchIncremental(): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-bench-incremental-'));
  const bins = testBinaries('kluctl', 'kustomize');
  // kluctl-ts on its defaults: Helm charts through the bundled Helm (WebAssembly), not a helm binary (kluctl embeds
  // Helm as a Go library); kustomize natively, the binary only for what the native one does not support.
  const env = kluctlEnv(path.join(dir, 'no-kubeconfig'), { KLUCTL_KUSTOMIZE_BINARY: bins.kustomize });
  delete env.KLUCTL_HELM_BINARY;
  const cli = path.join(REPO_ROOT, 'dist', 'cli.cjs');
  const rows: BenchRow[] = [];
  try {
    const synthetic = path.join(dir, 'synthetic');
    writeSynthetic(synthetic, 'bench');
    const args = ['render', '--print-all', '--offline-kubernetes', '-t', 'bench', '--project-dir', synthetic];
    const [kluctlOut, oursOut] = await Promise.all([
      output(bins.kluctl, args, env),
      output(process.execPath, [cli, ...args], env),
    ]);
    // kluctl-ts also on Node 24 (the Node that code-server, the tests' VS Code, runs on; the tests install it), in
    // the same alternation: Node 24 reads NODE_EXTRA_CA_CERTS only when TLS needs it (Node 20 at every start) and its
    // V8 optimises sooner (Maglev), which a short process feels.
    const node24 = ensureCodeServer().node;
    const node24Version = execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim();
    const oursOn24Out = await output(node24, [cli, ...args], env);
    const [kluctl, ours, oursOn24] = await alternatedAll(5, [
      () => runMeasured(bins.kluctl, args, { env }),
      () => runMeasured(process.execPath, [cli, ...args], { env }),
      () => runMeasured(node24, [cli, ...args], { env }),
    ]);
    rows.push(
      {
        area: 'render (#16)',
        measure: `2,000 objects / 200 items: process (median of 5, alternated; Node ${process.version})`,
        kluctl: ms(kluctl.ms),
        ours: ms(ours.ms),
        ratio: `${faster(kluctl.ms, ours.ms)} (target ≥ 10×)`,
      },
      {
        area: 'render (#16)',
        measure: `2,000 objects / 200 items: process on Node ${node24Version} (same alternation)`,
        kluctl: ms(kluctl.ms),
        ours: `${ms(oursOn24.ms)}${oursOn24Out === kluctlOut ? ', output identical' : ' OUTPUT DIFFERS'}`,
        ratio: `${faster(kluctl.ms, oursOn24.ms)} (target ≥ 10×)`,
      },
      {
        area: 'render (#16)',
        measure: '2,000 objects: peak memory (process)',
        kluctl: mib(kluctl.maxRssMiB),
        ours: mib(ours.maxRssMiB),
        ratio: lessMemory(kluctl.maxRssMiB, ours.maxRssMiB),
      },
      {
        area: 'render (#16)',
        measure: '2,000 objects: output identical to kluctl',
        kluctl: `${kluctlOut.length} bytes`,
        ours: `${oursOut.length} bytes`,
        ratio: kluctlOut === oursOut ? 'identical' : 'DIFFERENT',
      },
    );

    // The warm API: in-process renders without a cache first (the JIT warm, as in the editor's worker), then edits with
    // the cache (files older than the racy window first).
    const options = { projectDir: synthetic, target: 'bench', offline: true };
    for (let i = 0; i < 5; i++) await renderProject(options);
    const file = path.join(synthetic, 'item-17', 'cm-3.yaml');
    const original = fs.readFileSync(file, 'utf8');
    let edits = 0;
    const editFile = () =>
      fs.writeFileSync(
        file,
        original.replace('namespace: bench', `namespace: bench\n  labels:\n    edit: "${++edits}"`),
      );
    // The first edit after opening the project: the cache holds one render, as the editor's after its first diff.
    const firstEdits: number[] = [];
    let firstSame = true;
    for (let i = 0; i < 5; i++) {
      const fresh = new RenderCache();
      await renderProject({ ...options, cache: fresh });
      await new Promise((r) => setTimeout(r, 2_500));
      editFile();
      const started = performance.now();
      const r = await renderProject({ ...options, cache: fresh });
      firstEdits.push(performance.now() - started);
      if (i === 4) firstSame = printAll(r.objects) === printAll((await renderProject(options)).objects);
    }
    const cache = new RenderCache();
    await renderProject({ ...options, cache });
    await new Promise((r) => setTimeout(r, 2_500));
    await renderProject({ ...options, cache });
    let same = true;
    let runs = 0;
    const editOne = await median(9, async () => {
      editFile();
      const started = performance.now();
      const r = await renderProject({ ...options, cache });
      const took = performance.now() - started;
      if (++runs === 9) same = printAll(r.objects) === printAll((await renderProject(options)).objects);
      return took;
    });
    rows.push(
      {
        area: 'render (#16)',
        measure: '2,000 objects: re-render after editing one file (warm API, RenderCache; median of 9)',
        kluctl: ms(kluctl.ms),
        ours: `${ms(editOne)} (target ≤ 50 ms)${same ? '' : ' OUTPUT DIFFERS'}`,
        ratio: faster(kluctl.ms, editOne),
      },
      {
        area: 'render (#16)',
        measure: '2,000 objects: the first edit after opening (a cache of one render; median of 5)',
        kluctl: ms(kluctl.ms),
        ours: `${ms(middleOf(firstEdits))} (target ≤ 50 ms)${firstSame ? '' : ' OUTPUT DIFFERS'}`,
        ratio: faster(kluctl.ms, middleOf(firstEdits)),
      },
    );
    // Alternated with cold renders (no cache), so that both see the same heap, JIT and machine state.
    let flip = false;
    const colds: number[] = [];
    const argsEdits: number[] = [];
    for (let i = 0; i < 15; i++) {
      let started = performance.now();
      await renderProject(options);
      colds.push(performance.now() - started);
      flip = !flip;
      writeSynthetic(synthetic, flip ? 'other' : 'bench', true);
      started = performance.now();
      await renderProject({ ...options, cache });
      argsEdits.push(performance.now() - started);
    }
    const fastest = (xs: number[]) => Math.min(...xs);
    rows.push({
      area: 'render (#16)',
      measure:
        '2,000 objects: re-render after editing .kluctl.yaml args (all items) vs cold in-process render (alternated, median of 15; fastest)',
      kluctl: `cold ${ms(middleOf(colds))}; ${ms(fastest(colds))}`,
      ours: `${ms(middleOf(argsEdits))}; ${ms(fastest(argsEdits))}`,
      ratio: `${faster(middleOf(colds), middleOf(argsEdits))}; ${faster(fastest(colds), fastest(argsEdits))} (target: not slower)`,
    });

    // One kustomization of many objects: name references and patches make kustomize (and its port) compare pairs of
    // resources, which costs per pair.
    const oneKustomization = async (measure: string, project: string): Promise<void> => {
      const a = ['render', '--print-all', '--offline-kubernetes', '--project-dir', project];
      const [kluctlText, oursText] = await Promise.all([
        output(bins.kluctl, a, env),
        output(process.execPath, [cli, ...a], env),
      ]);
      const [k, o] = await alternated(
        3,
        () => runMeasured(bins.kluctl, a, { env }),
        () => runMeasured(process.execPath, [cli, ...a], { env }),
      );
      rows.push({
        area: 'render (#16)',
        measure: `one kustomization, ${measure}: process`,
        kluctl: ms(k.ms),
        ours: `${ms(o.ms)}${kluctlText === oursText ? ', output identical' : ' OUTPUT DIFFERS'}`,
        ratio: faster(k.ms, o.ms),
      });
    };
    await oneKustomization(
      '500 Deployments referring to 500 ConfigMaps (namePrefix, namespace)',
      writeOneKustomization(path.join(dir, 'one-kustomization'), 500),
    );
    await oneKustomization(
      '300 ConfigMaps, a patchesStrategicMerge file for each',
      writePatchedKustomization(path.join(dir, 'patched-kustomization'), 300),
    );

    for (const [example, exampleArgs] of [
      ['simple', ['-t', 'simple']],
      ['simple-helm', ['-t', 'simple-helm']],
      ['microservices-demo/1-basic-project', ['-t', 'local']],
      ['microservices-demo/2-helm-integration', ['-t', 'local']],
      ['microservices-demo/3-templating-and-multi-env', ['-t', 'prod']],
      ['gitops-deployment', ['-t', 'gitops', '-a', 'cluster_name=test.example.com']],
    ] as const) {
      const project = path.join(KLUCTL_EXAMPLES, example);
      const a = ['render', '--print-all', '--offline-kubernetes', '--project-dir', project, ...exampleArgs];
      // Examples with Helm charts twice: every chart rendered (the render cache off), and a later run of the same
      // project (pure renders reused from the cache, render-cache.ts; volatile ones, like certificates, still run).
      const variants: Array<[string, NodeJS.ProcessEnv]> = fs.existsSync(path.join(project, '.helm-charts'))
        ? [
            [', Helm charts rendered (render cache off)', { KLUCTL_TS_HELM_RENDER_CACHE: '0' }],
            [', Helm renders reused (a later run)', { KLUCTL_TS_CACHE_DIR: path.join(dir, 'ts-cache') }],
          ]
        : [['', {}]];
      for (const [label, extra] of variants) {
        const oursEnv = { ...env, ...extra };
        await output(process.execPath, [cli, ...a], oursEnv);
        const [k, o] = await alternated(
          3,
          () => runMeasured(bins.kluctl, a, { env, cwd: project }),
          () => runMeasured(process.execPath, [cli, ...a], { env: oursEnv, cwd: project }),
        );
        rows.push({
          area: 'render (#16)',
          measure: `example ${example} ${exampleArgs.join(' ')}: process${label}`,
          kluctl: ms(k.ms),
          ours: ms(o.ms),
          ratio: `${faster(k.ms, o.ms)} (target ≥ 5×)`,
        });
      }
    }
    rows.push(...(await helmEditRows(dir)));
    return rows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The warm API on a copy of the 3-templating-and-multi-env example (a redis chart next to 20 templated services):
 * one service file edited before each re-render, with the Helm render cache and without it (the chart then runs in
 * the bundled Helm on every render).
 */
async function helmEditRows(dir: string): Promise<BenchRow[]> {
  useHelmWasm();
  const example = 'microservices-demo/3-templating-and-multi-env';
  const project = path.join(dir, 'helm-edit');
  fs.cpSync(path.join(KLUCTL_EXAMPLES, example), project, { recursive: true });
  const options = { projectDir: project, target: 'prod', offline: true };
  const file = path.join(project, 'services', 'adservice', 'deployment.yml');
  const original = fs.readFileSync(file, 'utf8');
  const restoreEnv = saveEnv('KLUCTL_TS_CACHE_DIR', 'KLUCTL_TS_HELM_RENDER_CACHE');
  const edited = async (cacheOff: boolean): Promise<number> => {
    process.env.KLUCTL_TS_CACHE_DIR = path.join(dir, 'helm-edit-cache');
    if (cacheOff) process.env.KLUCTL_TS_HELM_RENDER_CACHE = '0';
    else delete process.env.KLUCTL_TS_HELM_RENDER_CACHE;
    const cache = new RenderCache();
    await renderProject({ ...options, cache });
    // Files older than the racy window, as in the editor a while after opening the project.
    await new Promise((r) => setTimeout(r, 2_500));
    let edits = 0;
    return median(7, async () => {
      fs.writeFileSync(file, `${original}\n# edit ${++edits}\n`);
      const started = performance.now();
      await renderProject({ ...options, cache });
      return performance.now() - started;
    });
  };
  try {
    const off = await edited(true);
    const on = await edited(false);
    return [
      {
        area: 'render (#16)',
        measure: `example ${example} -t prod: re-render after editing one file (warm API), Helm render cache on vs off`,
        kluctl: `off ${ms(off)}`,
        ours: ms(on),
        ratio: faster(off, on),
      },
    ];
  } finally {
    fs.writeFileSync(file, original);
    restoreEnv();
  }
}

/** kluctl and ours n times each, alternated; the median of each (largest peak memory seen). */
async function alternated(
  n: number,
  a: () => Promise<ProcessSample>,
  b: () => Promise<ProcessSample>,
): Promise<[ProcessSample, ProcessSample]> {
  const [x, y] = await alternatedAll(n, [a, b]);
  return [x, y];
}

/** Each runner `n` times, in turn (a, b, c, a, b, c, …): the median time and the largest peak memory of each. */
async function alternatedAll(n: number, runners: Array<() => Promise<ProcessSample>>): Promise<ProcessSample[]> {
  const samples = runners.map((): ProcessSample[] => []);
  for (let i = 0; i < n; i++) for (const [j, run] of runners.entries()) samples[j].push(await run());
  return samples.map((xs) => {
    const rss = xs.map((x) => x.maxRssMiB).filter((x): x is number => x !== undefined);
    return {
      ms: [...xs].sort((x, y) => x.ms - y.ms)[Math.floor(n / 2)].ms,
      maxRssMiB: rss.length ? Math.max(...rss) : undefined,
    };
  });
}

async function median(n: number, run: () => Promise<number | void>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const took = await run();
    xs.push(typeof took === 'number' ? took : performance.now() - started);
  }
  return middleOf(xs);
}

const middleOf = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function output(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr.slice(-2000)}`))
        : resolve(stdout),
    ),
  );
}

/** One item whose kustomization lists `n` ConfigMaps and `n` Deployments using them, with a name prefix and namespace. */
function writeOneKustomization(dir: string, n: number): string {
  const files: Record<string, string> = { 'deployment.yaml': 'deployments:\n  - path: app\n' };
  const resources: string[] = [];
  for (let i = 0; i < n; i++) {
    files[`app/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  a: b\n`;
    files[`app/d-${i}.yaml`] = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      `  name: d-${i}`,
      'spec:',
      '  selector:',
      '    matchLabels:',
      `      app: d${i}`,
      '  template:',
      '    metadata:',
      '      labels:',
      `        app: d${i}`,
      '    spec:',
      '      containers:',
      '        - name: c',
      '          image: nginx',
      '          envFrom:',
      '            - configMapRef:',
      `                name: cm-${i}`,
      '      volumes:',
      '        - name: v',
      '          configMap:',
      `            name: cm-${i}`,
      '',
    ].join('\n');
    resources.push(`cm-${i}.yaml`, `d-${i}.yaml`);
  }
  files['app/kustomization.yaml'] =
    `resources:\n${resources.map((r) => `  - ${r}\n`).join('')}namePrefix: p-\nnamespace: ns1\n`;
  writeFiles(dir, files);
  return dir;
}

/** One item whose kustomization lists `n` ConfigMaps and a strategic merge patch file for each. */
function writePatchedKustomization(dir: string, n: number): string {
  const files: Record<string, string> = { 'deployment.yaml': 'deployments:\n  - path: app\n' };
  for (let i = 0; i < n; i++) {
    files[`app/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  a: b\n`;
    files[`app/patch-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  p: "${i}"\n`;
  }
  const list = (prefix: string) => Array.from({ length: n }, (_, i) => `  - ${prefix}-${i}.yaml\n`).join('');
  files['app/kustomization.yaml'] = `resources:\n${list('cm')}patchesStrategicMerge:\n${list('patch')}`;
  writeFiles(dir, files);
  return dir;
}

/** 200 items of 10 templated ConfigMaps each; `configOnly` rewrites only .kluctl.yaml (with `env`). */
function writeSynthetic(dir: string, env: string, configOnly = false): void {
  const files: Record<string, string> = {
    '.kluctl.yaml': `discriminator: bench-{{ target.name }}\ntargets:\n  - name: bench\n    args:\n      env: ${env}\nargs:\n  - name: env\n`,
  };
  if (!configOnly) {
    files['deployment.yaml'] =
      `deployments:\n${Array.from({ length: 200 }, (_, i) => `  - path: item-${i}\n`).join('')}`;
    for (let i = 0; i < 200; i++)
      for (let j = 0; j < 10; j++)
        files[`item-${i}/cm-${j}.yaml`] =
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}-${j}\n  namespace: bench\ndata:\n  env: "{{ args.env }}"\n  index: "{{ ${i} * 10 + ${j} }}"\n{% for k in range(3) %}\n  key-{{ k }}: "{{ (args.env ~ k) | upper }}"\n{% endfor %}\n`;
  }
  writeFiles(dir, files);
}
