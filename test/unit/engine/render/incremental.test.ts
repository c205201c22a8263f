import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import * as os from 'node:os';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { printAll } from '../../../../src/engine/render/print.js';
import { RenderCache } from '../../../../src/engine/render/incremental.js';
import { renderProject, type RenderProjectResult } from '../../../../src/engine/render/render-project.js';
import { writeFiles } from '../../../harness/files.js';

/**
 * The incremental render (RenderCache) against a full render: a project with includes, a `.templateignore`, a
 * kustomize base shared by items, generated and written kustomizations, a generator with a hash suffix and an
 * onlyRender item is changed at random (seeded, bounded), and after every change the render with the cache must give
 * byte for byte what a render without it gives (objects as printed, item metadata, warnings, or the same error).
 */

/** mulberry32: a small seeded PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ITEMS = 8;

function cm(name: string, data: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: inc\ndata:\n${data}`;
}

function initialProject(): Record<string, string> {
  const files: Record<string, string> = {
    '.kluctl.yaml':
      'discriminator: inc-{{ target.name }}\ntargets:\n  - name: t\n    args:\n      env: one\nargs:\n  - name: env\n',
    'deployment.yaml': [
      'vars:',
      '  - file: vars.yaml',
      'deployments:',
      ...Array.from({ length: ITEMS }, (_, i) => `  - path: item-${i}`),
      '  - path: overlay',
      '  - path: base',
      '    onlyRender: true',
      '  - path: ignored',
      '',
    ].join('\n'),
    'vars.yaml': 'color: red\nsize: 3\n',
    'templates/common.yaml': '  common: "{{ color }}-{{ args.env }}"\n',
    'templates/other.yaml': '  other: "x"\n',
    'base/kustomization.yaml': 'resources:\n  - cm.yaml\n',
    'base/cm.yaml': cm('base', '  size: "{{ size }}"\n'),
    'overlay/kustomization.yaml': [
      'resources:',
      '  - ../base',
      '  - own.yaml',
      'namePrefix: ov-',
      'configMapGenerator:',
      '  - name: gen',
      '    files:',
      '      - data.txt',
      '',
    ].join('\n'),
    'overlay/own.yaml': cm('own', '  v: "{{ color }}"\n'),
    'overlay/data.txt': 'hello {{ size }}\n',
    'ignored/.templateignore': 'raw.yaml\n',
    // Rendered (without the .templateignore) it reads `v: red`; raw, it keeps the braces as its text.
    'ignored/raw.yaml': cm('raw', '  v: "{{ color }}"\n'),
    'ignored/rendered.yaml': cm('rendered', '  v: "{{ color }}"\n'),
  };
  for (let i = 0; i < ITEMS; i++) {
    files[`item-${i}/a.yaml`] = cm(`a-${i}`, `  n: "{{ ${i} + size }}"\n`);
    // Half of the items include a shared template from the project's search dir.
    files[`item-${i}/b.yaml`] = cm(`b-${i}`, i % 2 ? `{% include "templates/common.yaml" %}` : `  plain: "${i}"\n`);
  }
  return files;
}

type Change = (dir: string, rnd: () => number) => string;

const pick = <T>(rnd: () => number, xs: T[]): T => xs[Math.floor(rnd() * xs.length)];

const CHANGES: Change[] = [
  (dir, rnd) => {
    const i = Math.floor(rnd() * ITEMS);
    writeFiles(dir, { [`item-${i}/a.yaml`]: cm(`a-${i}`, `  n: "{{ ${i} + size }}"\n  r: "${rnd()}"\n`) });
    return `edit item-${i}/a.yaml`;
  },
  (dir, rnd) => {
    writeFiles(dir, { 'templates/common.yaml': `  common: "{{ color }}-${Math.floor(rnd() * 100)}"\n` });
    return 'edit the included template';
  },
  (dir, rnd) => {
    writeFiles(dir, { 'vars.yaml': `color: ${pick(rnd, ['red', 'blue', 'green'])}\nsize: 3\n` });
    return 'edit vars.yaml';
  },
  (dir, rnd) => {
    const env = pick(rnd, ['one', 'two']);
    writeFiles(dir, {
      '.kluctl.yaml': `discriminator: inc-{{ target.name }}\ntargets:\n  - name: t\n    args:\n      env: ${env}\nargs:\n  - name: env\n`,
    });
    return `.kluctl.yaml args env=${env}`;
  },
  (dir, rnd) => {
    writeFiles(dir, { 'base/cm.yaml': cm('base', `  size: "{{ size }}"\n  b: "${Math.floor(rnd() * 10)}"\n`) });
    return 'edit the shared kustomize base';
  },
  (dir, rnd) => {
    writeFiles(dir, { 'overlay/data.txt': `hello ${Math.floor(rnd() * 10)}\n` });
    return 'edit a generator file (hash suffix)';
  },
  (dir, rnd) => {
    const i = Math.floor(rnd() * ITEMS);
    const f = path.join(dir, `item-${i}/extra.yaml`);
    if (fs.existsSync(f)) fs.rmSync(f);
    else writeFiles(dir, { [`item-${i}/extra.yaml`]: cm(`extra-${i}`, '  x: "{{ color }}"\n') });
    return `add or remove item-${i}/extra.yaml`;
  },
  (dir, rnd) => {
    const f = path.join(dir, 'ignored/.templateignore');
    if (fs.existsSync(f)) fs.rmSync(f);
    else writeFiles(dir, { 'ignored/.templateignore': 'raw.yaml\n' });
    void rnd;
    return 'toggle .templateignore';
  },
  (dir, rnd) => {
    const i = Math.floor(rnd() * ITEMS);
    const f = path.join(dir, `item-${i}/kustomization.yaml`);
    if (fs.existsSync(f)) fs.rmSync(f);
    else writeFiles(dir, { [`item-${i}/kustomization.yaml`]: 'resources:\n  - a.yaml\n' });
    return `add or remove item-${i}/kustomization.yaml`;
  },
  (dir, rnd) => {
    // An error (undefined variable), repaired at the next step (repairBroken).
    const i = Math.floor(rnd() * ITEMS);
    writeFiles(dir, { [`item-${i}/a.yaml`]: cm(`a-${i}`, '  n: "{{ nope.x }}"\n') });
    return `item-${i}/a.yaml broken`;
  },
  (dir, rnd) => {
    const i = Math.floor(rnd() * ITEMS);
    writeFiles(dir, {
      [`item-${i}/b.yaml`]: cm(`b-${i}`, `{% include "templates/${pick(rnd, ['common', 'other'])}.yaml" %}`),
    });
    return `item-${i}/b.yaml includes another template`;
  },
  (dir, rnd) => {
    // images.get_image() placeholders are resolved after the build, also for a build reused from the cache.
    const i = Math.floor(rnd() * ITEMS);
    const f = path.join(dir, `item-${i}/img.yaml`);
    if (fs.existsSync(f)) fs.rmSync(f);
    else
      writeFiles(dir, {
        [`item-${i}/img.yaml`]: cm(`img-${i}`, `  image: "{{ images.get_image('nginx:1.${i}') }}"\n`),
      });
    return `add or remove item-${i}/img.yaml (an image placeholder)`;
  },
];

/** Repairs what the change above broke, so that an error lasts one step and the next renders see changes again. */
function repairBroken(dir: string): string[] {
  const repaired: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const file = `item-${i}/a.yaml`;
    if (!fs.readFileSync(path.join(dir, file), 'utf8').includes('nope.x')) continue;
    writeFiles(dir, { [file]: cm(`a-${i}`, '  n: "{{ size }}"\n') });
    repaired.push(`${file} repaired`);
  }
  return repaired;
}

type Outcome =
  { ok: true; printed: string; items: string; images: string; warnings: string[] } | { ok: false; error: string };

async function outcome(run: () => Promise<RenderProjectResult>): Promise<Outcome> {
  try {
    const r = await run();
    const items = JSON.stringify(r.items.map((i) => ({ ...i, objects: i.objects.length })));
    return { ok: true, printed: printAll(r.objects), items, images: JSON.stringify(r.images), warnings: r.warnings };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

describe('engine render: incremental render (RenderCache)', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-incremental-'));
    writeFiles(dir, initialProject());
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  // Offline, images.get_image() needs a fixed image (kluctl fails the render without one).
  const fixedImages = [{ imageRegex: 'nginx:.*', resultImage: 'registry.example/nginx:fixed' }];
  const options = () => ({ projectDir: dir, target: 't', offline: true, fixedImages });

  it('after an edit of one file, renders only that item again, with the same result as a full render', async () => {
    const cache = new RenderCache();
    const first = await outcome(() => renderProject({ ...options(), cache }));
    assert.equal(first.ok, true, first.ok ? '' : first.error);
    assert.deepEqual(await outcome(() => renderProject({ ...options(), cache })), first);
    assert.equal(cache.stats.templatesRendered, ITEMS + 3, 'the second render reused every item');

    writeFiles(dir, { 'item-2/a.yaml': cm('a-2', '  n: "changed"\n') });
    const before = { ...cache.stats };
    const incremental = await outcome(() => renderProject({ ...options(), cache }));
    assert.deepEqual(incremental, await outcome(() => renderProject(options())));
    assert.equal(cache.stats.templatesRendered - before.templatesRendered, 1);
    assert.equal(cache.stats.buildsRun - before.buildsRun, 1);
    assert.ok(
      incremental.ok && incremental.printed.includes('"n": changed'),
      incremental.ok ? incremental.printed.slice(0, 3000) : incremental.error,
    );
  });

  it('right after the first render, an edit reuses the untouched local builds without replaying their reads', async () => {
    // A build that read only its own item's dir is reused on the quick check (no read replayed) when its item's
    // templates were restored or freshly rendered there: already after the render that filled the cache.
    const cache = new RenderCache();
    await renderProject({ ...options(), cache });
    writeFiles(dir, { 'item-2/a.yaml': cm('a-2', '  n: "changed"\n') });
    const before = { ...cache.stats };
    assert.deepEqual(
      await outcome(() => renderProject({ ...options(), cache })),
      await outcome(() => renderProject(options())),
    );
    assert.equal(cache.stats.buildsRun - before.buildsRun, 1, 'only item-2 built again');
    // item-0..7 but item-2, and `ignored`; overlay reads ../base (not local): its reads are replayed.
    assert.equal(cache.stats.buildsQuick - before.buildsQuick, ITEMS);
  });

  it('an edit of an included template renders again exactly the items that include it', async () => {
    const cache = new RenderCache();
    await renderProject({ ...options(), cache });
    writeFiles(dir, { 'templates/common.yaml': '  common: "new"\n' });
    const before = { ...cache.stats };
    assert.deepEqual(
      await outcome(() => renderProject({ ...options(), cache })),
      await outcome(() => renderProject(options())),
    );
    assert.equal(cache.stats.templatesRendered - before.templatesRendered, ITEMS / 2);
  });

  const randomChanges = async (seed: number, cache: RenderCache): Promise<void> => {
    const rnd = prng(seed);
    await outcome(() => renderProject({ ...options(), cache }));
    const log: string[] = [];
    let reused = 0;
    let rendered = 0;
    for (let step = 0; step < 25; step++) {
      log.push(...repairBroken(dir));
      const changes = 1 + Math.floor(rnd() * 2);
      for (let c = 0; c < changes; c++) log.push(pick(rnd, CHANGES)(dir, rnd));
      const before = cache.stats.templatesReused;
      const incremental = await outcome(() => renderProject({ ...options(), cache }));
      const full = await outcome(() => renderProject(options()));
      assert.deepEqual(incremental, full, `after: ${log.join('; ')}`);
      reused += cache.stats.templatesReused - before;
      if (full.ok) rendered++;
    }
    assert.ok(reused > 0, 'some items were reused');
    // Two failed renders compare equal too: most steps must render (only a broken template makes a step fail).
    assert.ok(rendered >= 15, `only ${rendered} of 25 steps rendered`);
  };

  for (const seed of [1, 2, 3]) {
    it(`random changes (seed ${seed}, 25 steps): incremental equals full render after every step`, async () => {
      await randomChanges(seed, new RenderCache());
    });
  }

  // Files here are younger than the racy window (RACY_MS), so the runs above compare contents. With the window
  // below zero every stat is trusted, and an unchanged one stands for the content: kept bytes and listings are used
  // instead of the disk (FileDeps.readFile, readdir). Sound on this file system (fine-grained ctimes) because every
  // change comes at least a render after the last record.
  for (const seed of [4, 5]) {
    it(`random changes with trusted stats (seed ${seed}, 25 steps): incremental equals full render`, async () => {
      await randomChanges(seed, new RenderCache({ racyMs: -1 }));
    });
  }

  it('an args edit renders every item again from the files it kept (trusted stats): no file opened again', async () => {
    const cache = new RenderCache({ racyMs: -1 });
    await renderProject({ ...options(), cache });
    const opened: string[] = [];
    // The module object (the namespace import is read-only); syncBuiltinESMExports hands the spy to every importer.
    const openSync = fsModule.openSync;
    const spy = ((p: fs.PathLike, ...rest: unknown[]) => {
      opened.push(String(p));
      return (openSync as (...a: unknown[]) => number)(p, ...rest);
    }) as typeof fs.openSync;
    const render = async (): Promise<Outcome> => {
      opened.length = 0;
      fsModule.openSync = spy;
      syncBuiltinESMExports();
      try {
        return await outcome(() => renderProject({ ...options(), cache }));
      } finally {
        fsModule.openSync = openSync;
        syncBuiltinESMExports();
      }
    };
    const kluctlYaml = (env: string) =>
      `discriminator: inc-{{ target.name }}\ntargets:\n  - name: t\n    args:\n      env: ${env}\nargs:\n  - name: env\n`;
    writeFiles(dir, { '.kluctl.yaml': kluctlYaml('two') });
    const before = { ...cache.stats };
    const afterArgs = await render();
    assert.deepEqual(afterArgs, await outcome(() => renderProject(options())));
    assert.equal(cache.stats.templatesRendered - before.templatesRendered, ITEMS + 3, 'every item rendered again');
    const itemFiles = opened.filter((f) => /[/\\]item-\d+[/\\]/.test(f));
    assert.deepEqual(itemFiles, [], 'no item file was read from disk again');
    // A file edited since is read again, with its new content.
    writeFiles(dir, { 'item-3/a.yaml': cm('a-3', '  n: "edited"\n') });
    writeFiles(dir, { '.kluctl.yaml': kluctlYaml('one') });
    const afterEdit = await render();
    assert.deepEqual(afterEdit, await outcome(() => renderProject(options())));
    assert.ok(afterEdit.ok && afterEdit.printed.includes('"n": edited'));
    assert.deepEqual(
      opened.filter((f) => /[/\\]item-\d+[/\\]/.test(f)).map((f) => path.relative(dir, f)),
      [path.join('item-3', 'a.yaml')],
    );
  });
});
