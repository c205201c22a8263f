import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { createRenderer } from '../../src/engine/template/renderer.js';
import { TemplateFloat, type TemplateContext, type TemplateValue } from '../../src/engine/template/context.js';
import { REPO_ROOT } from '../harness/paths.js';
import { writeFiles } from '../harness/files.js';

/**
 * Renders every case of test/conformance/jinja2/cases with real Jinja2 (test/oracles/jinja2_render.py, Kluctl's
 * configuration) and with our engine, and requires byte-identical output, or that both fail.
 */

interface Case {
  name: string;
  template?: string;
  /** Render this file (relative to the case's directory) instead of `template`. */
  file?: string;
  /** Files to create, relative to the case's directory. */
  files?: Record<string, string>;
  /** Search dirs relative to the case's directory (default: the directory itself). */
  searchDirs?: string[];
  context?: Record<string, unknown>;
  /** Documents that the case must fail in both engines. */
  error?: boolean;
}

interface OracleResult {
  name: string;
  output?: string;
  error?: string;
}

const CASES_DIR = path.join(REPO_ROOT, 'test', 'conformance', 'jinja2', 'cases');

function loadCases(): Case[] {
  return fs
    .readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) =>
      (parse(fs.readFileSync(path.join(CASES_DIR, f), 'utf8'), { intAsBigInt: true }) as Case[]).map((c) => ({
        ...c,
        name: `${f.replace(/\.yaml$/, '')}: ${c.name}`,
      })),
    );
}

/** JSON for Python that keeps YAML floats floats (`1.0`) and ints ints. */
function pythonJson(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number')
    return Number.isInteger(v) ? (Math.abs(v) < 1e16 ? `${v}.0` : v.toExponential()) : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pythonJson(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

/** The same data for our engine: YAML floats become TemplateFloat so `1.0` stays a float. */
function templateValue(v: unknown): TemplateValue {
  if (typeof v === 'number') return new TemplateFloat(v);
  if (Array.isArray(v)) return v.map(templateValue);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, templateValue(x)]));
  return v as TemplateValue;
}

function materialize(root: string, c: Case, index: number): { dir: string; searchDirs: string[] } {
  const dir = path.join(root, String(index));
  fs.mkdirSync(dir, { recursive: true });
  writeFiles(dir, c.files ?? {});
  return { dir, searchDirs: (c.searchDirs ?? ['.']).map((d) => path.join(dir, d)) };
}

function runOracle(python: string, input: string): OracleResult[] {
  const result = spawnSync(python, [path.join(REPO_ROOT, 'test', 'oracles', 'jinja2_render.py')], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`oracle failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as OracleResult[];
}

describe('engine/template: differential against Jinja2 3.1 @conformance', function () {
  const cases = loadCases();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jinja2-cases-'));
  const dirs = cases.map((c, i) => materialize(root, c, i));
  let oracle = new Map<string, OracleResult>();

  before(function () {
    this.timeout(10 * 60 * 1000);
    const python = execFileSync('bash', [path.join(REPO_ROOT, 'test', 'oracles', 'setup-python.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    const input = cases.map(
      (c, i) =>
        `{"name": ${JSON.stringify(c.name)}, "context": ${pythonJson(c.context ?? {})}, "searchDirs": ${JSON.stringify(dirs[i].searchDirs)}, ` +
        (c.file !== undefined
          ? `"file": ${JSON.stringify(path.join(dirs[i].dir, c.file))}}`
          : `"template": ${JSON.stringify(c.template ?? '')}}`),
    );
    oracle = new Map(runOracle(python, `[${input.join(',\n')}]`).map((r) => [r.name, r]));
  });

  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('has a corpus of at least 300 cases, 30 of them errors', () => {
    assert.ok(cases.length >= 300, `${cases.length} cases`);
    assert.ok(cases.filter((c) => c.error).length >= 30);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
  });

  cases.forEach((c, i) => {
    it(c.name, () => {
      const expected = oracle.get(c.name);
      assert.ok(expected, 'the oracle rendered the case');
      const renderer = createRenderer({ searchDirs: dirs[i].searchDirs, debugPrint: () => undefined });
      const context = templateValue(c.context ?? {}) as TemplateContext;
      const name = c.file !== undefined ? path.join(dirs[i].dir, c.file) : 'case.j2';
      let actual: { output?: string; error?: string };
      try {
        actual = {
          output:
            c.file !== undefined
              ? renderer.renderFile(name, context)
              : renderer.renderString(c.template ?? '', context, { name }),
        };
      } catch (e) {
        actual = { error: (e as Error).message };
      }
      if (c.error)
        assert.ok(
          expected.error !== undefined,
          `Jinja2 was expected to fail but printed ${JSON.stringify(expected.output)}`,
        );
      if (expected.error !== undefined) {
        assert.ok(
          actual.error !== undefined,
          `Jinja2 failed (${expected.error}) but we printed ${JSON.stringify(actual.output)}`,
        );
        assert.ok(actual.error.startsWith(`failed rendering template '${name}': `), actual.error);
        assert.match(actual.error, /line \d+: /);
      } else {
        assert.equal(actual.error, undefined, `Jinja2 printed ${JSON.stringify(expected.output)}`);
        assert.equal(actual.output, expected.output);
      }
    });
  });
});
