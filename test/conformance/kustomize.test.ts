import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { kustomizeBuild } from '../../src/engine/kustomize/index.js';
import { createRenderer } from '../../src/engine/template/renderer.js';
import { KLUCTL_EXAMPLES, REPO_ROOT, testBinaries } from '../harness/paths.js';

/**
 * Builds every case of test/conformance/kustomize/cases, and the kustomizations of the kluctl examples, with the
 * real kustomize (v5.8.1, api v0.21.1 like Kluctl v2.28) and with the native builder alone, and requires the same
 * objects in the same order, or that both fail.
 */

const CASES_DIR = path.join(REPO_ROOT, 'test', 'conformance', 'kustomize', 'cases');

interface CaseConfig {
  /** The directory to build, relative to the case (default: the case itself). */
  build?: string;
  /** Both builders must fail. */
  error?: boolean;
}

type Outcome = { objects: unknown[] } | { error: string };

/** The oracle: how Kluctl runs krusty, on the command line (FIFO needs the deprecated `--reorder none`). */
function kustomizeCli(binary: string, dir: string): Outcome {
  const r = spawnSync(binary, ['build', '--load-restrictor', 'LoadRestrictionsNone', '--reorder', 'none', dir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) return { error: r.stderr.trim() };
  return {
    objects: parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as unknown)
      .filter((o) => o !== null),
  };
}

async function native(dir: string, root: string): Promise<Outcome> {
  try {
    const result = await kustomizeBuild(dir, { root, kustomizeBinary: undefined });
    assert.equal(result.builder, 'native');
    return { objects: result.objects };
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    return { error: (e as Error).message };
  }
}

async function compare(binary: string, dir: string, root: string, expectError = false): Promise<void> {
  const expected = kustomizeCli(binary, dir);
  const actual = await native(dir, root);
  if (expectError) {
    assert.ok('error' in expected, 'kustomize was expected to fail');
    assert.ok(
      'error' in actual,
      `the native builder was expected to fail like kustomize: ${'error' in expected ? expected.error : ''}`,
    );
    return;
  }
  if ('error' in expected) assert.fail(`kustomize failed: ${expected.error}`);
  if ('error' in actual) assert.fail(`the native builder failed: ${actual.error}`);
  assert.deepStrictEqual(actual.objects, expected.objects);
}

/** Directories with a kustomization file, below `dir`. */
function kustomizationDirs(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(d, e.name));
      else if (/^kustomization\.ya?ml$/.test(e.name)) found.push(d);
    }
  };
  walk(dir);
  return found.sort();
}

/** The examples' templates need only these values; helm items are not kustomize's business. */
const EXAMPLE_CONTEXT = {
  args: { environment: 'simple' },
  target: { name: 'local' },
  redis: { svcName: 'cart-redis-master' },
};

function renderedCopy(dir: string, tmp: string): string {
  const out = path.join(tmp, path.relative(KLUCTL_EXAMPLES, dir));
  fs.mkdirSync(out, { recursive: true });
  const renderer = createRenderer({ searchDirs: [dir] });
  for (const name of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    fs.writeFileSync(
      path.join(out, name),
      text.includes('{') ? renderer.renderString(text, EXAMPLE_CONTEXT, { name }) : text,
    );
  }
  return out;
}

describe('engine/kustomize: native builder vs kustomize v5.8.1 @conformance', function () {
  this.timeout(10 * 60 * 1000);
  let binary: string;
  let tmp: string;

  before(function () {
    binary = testBinaries('kustomize').kustomize;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-conformance-'));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const cases = fs.readdirSync(CASES_DIR).sort();
  it('has at least 25 cases', () => assert.ok(cases.length >= 25, `${cases.length} cases`));

  for (const name of cases) {
    it(`case ${name}`, async () => {
      const root = path.join(CASES_DIR, name);
      const configFile = path.join(root, 'case.yaml');
      const config = (fs.existsSync(configFile) ? parse(fs.readFileSync(configFile, 'utf8')) : {}) as CaseConfig;
      await compare(binary, path.join(root, config.build ?? '.'), root, config.error);
    });
  }

  for (const dir of kustomizationDirs(KLUCTL_EXAMPLES)) {
    const rel = path.relative(KLUCTL_EXAMPLES, dir);
    const files = fs.readdirSync(dir);
    if (files.some((f) => /^helm-chart\.ya?ml$/.test(f))) continue;
    it(`kluctl-examples ${rel}`, async () => {
      const templated = files.some((f) => fs.readFileSync(path.join(dir, f), 'utf8').includes('{{'));
      if (templated) await compare(binary, renderedCopy(dir, tmp), tmp);
      else await compare(binary, dir, KLUCTL_EXAMPLES);
    });
  }
});
