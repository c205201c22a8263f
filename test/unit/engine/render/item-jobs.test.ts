import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  MIN_PARALLEL_ITEMS,
  planItemJobs,
  runHelperBatch,
  type HelperResult,
  type ItemHelper,
} from '../../../../src/engine/render/item-jobs.js';
import { printAll } from '../../../../src/engine/render/print.js';
import { renderProject, type RenderProjectResult } from '../../../../src/engine/render/render-project.js';
import { writeFiles } from '../../../harness/files.js';

/**
 * A render split between two claimants of one counter (item-jobs.ts) against the serial render: the same objects,
 * items, warnings and errors, whatever each side did. The helper here is item-jobs' own helper side run in this
 * thread (it claims between this thread's awaits); the real thread is test/integration/render-threads.test.ts's.
 */

function cm(name: string, data: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: jobs\ndata:\n${data}`;
}

/** 24 items of every kind the split must keep equal to the serial render; `broken` items fail in their templates. */
function project(broken: number[] = []): Record<string, string> {
  const files: Record<string, string> = {
    '.kluctl.yaml': 'targets:\n  - name: t\n    args:\n      env: one\nargs:\n  - name: env\n',
    'deployment.yaml': [
      'deployments:',
      '  - path: base',
      '    onlyRender: true',
      ...Array.from({ length: 20 }, (_, i) => `  - path: item-${i}`),
      // Reads another item's rendered dir: only its turn may build it.
      '  - path: overlay',
      '  - path: flat',
      '    recursive: true',
      '  - include: sub',
      '',
    ].join('\n'),
    'base/kustomization.yaml': 'resources:\n  - cm.yaml\n',
    'base/cm.yaml': cm('base', '  env: "{{ args.env }}"\n'),
    'overlay/kustomization.yaml': 'resources:\n  - ../base\nnamePrefix: ov-\n',
    'flat/a/cm.yaml': cm('flat-a', '  x: "1"\n'),
    'flat/b/cm.yaml': cm('flat-b', '  x: "{{ 2 * 3 }}"\n'),
    'sub/deployment.yaml': 'overrideNamespace: other\ndeployments:\n  - path: inner\n',
    'sub/inner/cm.yaml': cm('inner', '  ns: "x"\n'),
  };
  for (let i = 0; i < 20; i++) {
    const dir = `item-${i}`;
    const body = broken.includes(i) ? '  bad: "{{ undefined_name.attr }}"\n' : `  n: "{{ ${i} * 7 }}"\n`;
    if (i % 3 === 0) {
      // Its own kustomization, with a generator (hash suffix) and a patch.
      files[`${dir}/kustomization.yaml`] = [
        'resources:',
        '  - cm.yaml',
        'configMapGenerator:',
        `  - name: gen-${i}`,
        '    literals:',
        `      - k={{ args.env }}-${i}`,
        'patches:',
        '  - path: patch.yaml',
        '',
      ].join('\n');
      files[`${dir}/patch.yaml`] = cm(`cm-${i}`, '  patched: "yes"\n');
    }
    files[`${dir}/cm.yaml`] = cm(`cm-${i}`, body);
    if (i % 4 === 1) files[`${dir}/raw.txt`] = 'not read by kustomize, but rendered: {{ args.env }}\n';
  }
  return files;
}

interface Outcome {
  printed?: string;
  items?: unknown;
  warnings?: string[];
  errors?: string[];
  error?: string;
}

async function outcome(dir: string, o: { helper?: () => ItemHelper | undefined; collectErrors?: boolean }) {
  let r: RenderProjectResult;
  try {
    r = await renderProject({
      projectDir: dir,
      target: 't',
      offline: true,
      collectErrors: o.collectErrors,
      itemHelper: o.helper,
    });
  } catch (error) {
    return { error: (error as Error).message } satisfies Outcome;
  }
  return {
    printed: printAll(r.objects),
    items: r.items.map((i) => ({ ...i, objects: i.objects.length })),
    warnings: r.warnings,
    errors: r.errors.map((e) => (e as Error).message),
  } satisfies Outcome;
}

/** A helper in this thread; records what it did. */
function inThreadHelper(log: { runs: HelperResult[]; disposed: number }, fail = false): () => ItemHelper {
  return () => ({
    run: async (batch) => {
      if (fail) throw new Error('helper failed');
      const result = await runHelperBatch(batch);
      log.runs.push(result);
      return result;
    },
    dispose: () => void log.disposed++,
  });
}

describe('a render split between two threads (item-jobs)', function () {
  this.timeout(60_000);
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-item-jobs-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('plans jobs only for enough items whose rendered dirs neither repeat nor nest', () => {
    const item = (dir: string) =>
      ({
        dir: `/p/${dir}`,
        relRenderedDir: dir,
        project: { source: { id: 'root', dir: '/p' }, config: {} },
        config: {},
        vars: {},
        tags: [],
      }) as unknown as Parameters<typeof planItemJobs>[0][number];
    const many = Array.from({ length: MIN_PARALLEL_ITEMS }, (_, i) => item(`i-${i}`));
    assert.equal(planItemJobs(many, '/r', () => [])?.length, MIN_PARALLEL_ITEMS);
    assert.equal(
      planItemJobs(many.slice(1), '/r', () => []),
      undefined,
    );
    // `i-1` and `i-10` are siblings (no nesting by prefix alone); `i-1/x` is inside `i-1`.
    assert.equal(
      planItemJobs([...many, item('i-1/x')], '/r', () => []),
      undefined,
    );
    const jobs = planItemJobs(many, '/r', (i) => [`/search-${i}`])!;
    assert.deepEqual(jobs[3].searchDirs, ['/p/i-3', '/search-3']);
    assert.equal(jobs[3].targetDir, path.join('/r', 'root', 'i-3'));
  });

  it('gives what the serial render gives, and the helper did part of it', async () => {
    writeFiles(tmp, project());
    const serial = await outcome(tmp, {});
    const log = { runs: [] as HelperResult[], disposed: 0 };
    const split = await outcome(tmp, { helper: inThreadHelper(log) });
    assert.deepEqual(split, serial);
    assert.ok(serial.printed!.includes('name: ov-base'), 'the overlay built from the onlyRender base');
    assert.ok(serial.printed!.includes('namespace: other'), "the included project's overrideNamespace");
    const done = log.runs[0]?.outcomes ?? [];
    assert.ok(done.length > 0, 'the helper claimed items');
    assert.ok(
      done.some((o) => o.kustomized),
      'the helper built some items ahead',
    );
    assert.equal(log.disposed, 1);
  });

  it('reports the same first error, or the same collected errors, wherever the failing items went', async () => {
    for (const broken of [[0], [7], [19], [2, 11, 18]]) {
      fs.rmSync(tmp, { recursive: true, force: true });
      writeFiles(tmp, project(broken));
      for (const collectErrors of [false, true]) {
        const serial = await outcome(tmp, { collectErrors });
        const split = await outcome(tmp, { collectErrors, helper: inThreadHelper({ runs: [], disposed: 0 }) });
        assert.deepEqual(split, serial, `broken ${broken.join(',')}, collectErrors ${collectErrors}`);
        if (collectErrors) assert.equal(serial.errors?.length, broken.length);
        else assert.match(serial.error ?? '', /undefined_name/);
      }
    }
  });

  it('writes the same rendered dirs (--render-output-dir)', async () => {
    writeFiles(tmp, project());
    const listing = async (helper?: () => ItemHelper | undefined) => {
      const out = path.join(tmp, `out-${helper ? 'split' : 'serial'}`);
      await renderProject({ projectDir: tmp, target: 't', offline: true, renderOutputDir: out, itemHelper: helper });
      const files = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      return new Map(
        files.map((e) => [
          path.relative(out, path.join(e.parentPath, e.name)),
          fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'),
        ]),
      );
    };
    const serial = await listing();
    const log = { runs: [] as HelperResult[], disposed: 0 };
    assert.deepEqual(await listing(inThreadHelper(log)), serial);
    assert.ok(serial.get(path.join('root', 'item-1', 'raw.txt'))?.includes('rendered: one'));
    assert.ok(serial.has(path.join('root', 'item-2', 'kustomization.yml')), 'a generated kustomization');
    assert.ok(log.runs[0]?.outcomes.some((o) => o.kustomized));
  });

  it("does the helper's items itself when the helper fails, and without a helper when it cannot start", async () => {
    writeFiles(tmp, project());
    const serial = await outcome(tmp, {});
    assert.deepEqual(await outcome(tmp, { helper: inThreadHelper({ runs: [], disposed: 0 }, true) }), serial);
    assert.deepEqual(await outcome(tmp, { helper: () => undefined }), serial);
  });
});
