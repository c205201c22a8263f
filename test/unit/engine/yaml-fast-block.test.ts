import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEPLOYMENT_PROJECT, KLUCTL_PROJECT } from '../../../src/engine/project/schema.js';
import { parseFastYaml, setFastYaml } from '../../../src/engine/yaml/fast-block.js';
import { isEmptyNull, isPlainObject, parseResourceYaml, parseYaml11 } from '../../../src/engine/yaml/kustomize.js';
import { parseYaml, parseYamlAll, type Schema } from '../../../src/engine/yaml/strict.js';
import { KLUCTL_EXAMPLES } from '../../harness/paths.js';
import { goYamlKeyLess, keyLessByCodePoints } from '../../../src/kluctl/yaml/go-yaml-keys.js';

/**
 * The fast YAML path (engine/yaml/fast-block.ts) against the full path (the `yaml` package and the go-yaml
 * resolution after it), on generated documents full of the cases where YAML readers differ: every document must
 * give the same values (key order, `__proto__` keys, empty-value marks, document lines) or the same error.
 */

/** A small seeded PRNG (mulberry32): the same documents on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keys and scalars the fast path reads, most of them resolving differently in YAML 1.1, 1.2 and go-yaml. */
const KEYS = [
  'a',
  'b',
  'key-1',
  'app.kubernetes.io/name',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Null',
  '1',
  '01',
  '0x10',
  '16',
  '1e6',
  '1000000',
  '1.0',
  '12:30',
  '0o17',
  '08',
  '1_000',
  '-1',
  '+1',
  '.inf',
  '.5',
  'true',
  'True',
  '__proto__',
  'constructor',
  'toString',
  'a b',
  'a#b',
  'a:b',
  '"q"',
  "'s'",
  '"yes"',
  "''",
  '"a: b"',
  'ümlaut',
  '😀',
  '-x',
  '"\\x41"',
  '"<<"',
];
/** Keys only the full path reads (errors, merge keys, flow and other indicators, over-long keys). */
const ODD_KEYS = [
  'null',
  '~',
  '<<',
  'a[0]',
  'a,b',
  '?x',
  ':x',
  '!x',
  '&x',
  '*x',
  'a #c',
  'x'.repeat(1100),
  '- a',
  '%x',
];
const SCALARS = [
  'v',
  'hello world',
  'yes',
  'no',
  'on',
  'null',
  '~',
  '',
  '1',
  '01',
  '0x1F',
  '0o17',
  '017',
  '08',
  '09.5',
  '1e3',
  '1e400',
  '.5',
  '-.inf',
  '.NaN',
  '12:30',
  '1_000',
  '9007199254740993',
  '2024-01-01',
  '2024-01-01T10:00:00Z',
  '2024-1-2 3:04:05',
  'x #comment',
  'x#y',
  'http://x:80/p',
  'a,b',
  'a[0]',
  '{a}x',
  '-a',
  '--flag=x',
  "'it''s'",
  '"esc\\n\\t\\x41\\u00e9\\U0001F600\\\\\\""',
  '"a" #c',
  'trailing  ',
  'ünï',
  '😀',
  'TRUE',
  'Off',
  '-0',
  '+12',
  '0b101',
  '-0x1',
  '1:2:3',
  '1.5e+3',
  '|',
  '|-',
  '|+',
  '| #c',
  // Flow collections on one line, as Kubernetes manifests write them (FLOW_VALUES has their edges).
  '{}',
  '[]',
  '[a, b]',
  '["/bin/grpc_health_probe", "-addr=:9555"]',
];
const ODD_SCALARS = [
  '&a x',
  '*a',
  '!!str 1',
  '!x y',
  '- a',
  'a: b',
  'a:',
  ':x',
  '?x',
  '%x',
  '@x',
  '`x`',
  "'a'b'",
  '"bad\\q"',
  '"\\ud800"',
  '"open',
  "'open",
  '"a" x',
  '"a"#c',
  'a\tb',
  '>',
  '>-',
  '|2',
  '#',
  '\u0085x',
  'x\ufeff',
  '"\\x7f"',
];

/** Flow collections in and out of the fast path's subset (yaml/fast-block.ts flow). */
const FLOW_VALUES = [
  '{}',
  '[]',
  '{ }',
  '[ ]',
  '[] #c',
  '[]#c',
  '[a, b]',
  '[a,b]',
  '[ a , b ]',
  '["/bin/grpc_health_probe", "-addr=:9555"]',
  '[\'x\', "y", z]',
  '[1, yes, ~, 0x1F, 1_000, .5, -1, 2024-01-01]',
  '[-a, --flag=x, a.b/c]',
  '[a, b,]',
  '[a,,b]',
  '[,a]',
  '[a b]',
  '[-]',
  '[a:b]',
  '[a: b]',
  '[http://x]',
  '[a #c]',
  '[a] x',
  '["a"b]',
  '[a, [b]]',
  '[{a: b}]',
  '[a',
  '{a: 1}',
  "[\"esc\\n\", 'it''s']",
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

const key = (r: () => number): string => pick(r, r() < 0.97 ? KEYS : ODD_KEYS);
const scalar = (r: () => number): string => pick(r, r() < 0.97 ? SCALARS : ODD_SCALARS);

/** A random block document: mappings, sequences (also at the key's indentation, and compact), literal blocks. */
function generate(r: () => number): string {
  const out: string[] = [];
  const step = pick(r, [2, 2, 2, 4, 1, 3]);
  const value = (indent: number, depth: number, inSeq: boolean): void => {
    const kind = r();
    if (depth > 3 || kind < 0.45) {
      const s = scalar(r);
      out[out.length - 1] += ` ${s}`;
    } else if (kind < 0.55) {
      const header = pick(r, ['|', '|-', '|+', '|', '| #c', r() < 0.9 ? '|' : '>']);
      out[out.length - 1] += ` ${header}`;
      const ind = indent + step + (r() < 0.1 ? 1 : 0);
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) {
        const t = r();
        out.push(
          t < 0.15 ? '' : t < 0.25 ? ' '.repeat(ind + 2) : `${' '.repeat(ind + (r() < 0.2 ? 2 : 0))}${scalar(r)}`,
        );
      }
    } else if (kind < 0.6) {
      // nothing: an empty value
    } else if (kind < 0.8 || inSeq) {
      mapping(indent + step, depth + 1);
    } else {
      sequence(r() < 0.5 ? indent : indent + step, depth + 1);
    }
  };
  const mapping = (indent: number, depth: number): void => {
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) {
      if (r() < 0.1) out.push(`${' '.repeat(Math.floor(r() * 6))}# comment`);
      if (r() < 0.05) out.push('');
      out.push(`${' '.repeat(indent)}${key(r)}:`);
      value(indent, depth, false);
    }
  };
  const sequence = (indent: number, depth: number): void => {
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      const t = r();
      if (t < 0.4) out.push(`${' '.repeat(indent)}- ${scalar(r)}`);
      else if (t < 0.7) {
        // A compact mapping.
        out.push(`${' '.repeat(indent)}- ${key(r)}:`);
        value(indent + 2, depth + 1, true);
        if (r() < 0.6) {
          out.push(`${' '.repeat(indent + 2)}${key(r)}:`);
          value(indent + 2, depth + 1, true);
        }
      } else {
        out.push(`${' '.repeat(indent)}-`);
        value(indent, depth + 1, true);
      }
    }
  };
  if (r() < 0.2) out.push('---');
  if (r() < 0.15) sequence(0, 0);
  else mapping(0, 0);
  if (r() < 0.2) {
    out.push(pick(r, ['---', '--- # c', '...', '--- x', '---']));
    mapping(0, 0);
  }
  // Small damage: a changed indentation, a duplicated line.
  if (r() < 0.15 && out.length > 1) {
    const i = Math.floor(r() * out.length);
    out[i] = r() < 0.5 ? ` ${out[i]}` : out[i].replace(/^ /, '');
  }
  if (r() < 0.1 && out.length > 1) {
    const i = Math.floor(r() * out.length);
    out.splice(i, 0, out[i]);
  }
  let text = out.join('\n');
  const end = r();
  if (end < 0.8) text += '\n';
  else if (end < 0.85) text += '\n\n';
  if (r() < 0.05) text = text.replace(/\n/g, '\r\n');
  return text;
}

/** Values with their key order, own `__proto__` keys, -0/NaN and empty-value marks. */
function dump(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v !== 'object' || v === null) return `${typeof v}:${JSON.stringify(v)}`;
  if (Array.isArray(v)) return `[${v.map(dump).join(',')}]`;
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  return `{${Object.keys(v)
    .map((k) => `${JSON.stringify(k)}${isEmptyNull(v, k) ? '∅' : ''}:${dump((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

function outcome(fn: () => unknown): string {
  try {
    return dump(fn());
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

function both(fn: () => unknown): { fast: string; full: string } {
  setFastYaml(true);
  const fast = outcome(fn);
  setFastYaml(false);
  try {
    return { fast, full: outcome(fn) };
  } finally {
    setFastYaml(true);
  }
}

describe('engine/yaml: the fast path for large plain files gives what the full path gives', function () {
  this.timeout(120_000);
  const r = prng(12);
  const docs = Array.from({ length: 2000 }, () => generate(r));

  it('vars files (sigs.k8s.io/yaml scalars): parseYaml and parseYamlAll on 2,000 generated documents', () => {
    let fast = 0;
    for (const text of docs) {
      for (const fn of [() => parseYaml(text, 'f.yaml'), () => parseYamlAll(text, 'f.yaml')]) {
        const got = both(fn);
        assert.equal(got.fast, got.full, `differs for:\n${text}`);
      }
      if (parseFastYaml(text, probeMode(), false)) fast++;
    }
    // Most generated documents stay in the subset; the rest prove the fallback.
    assert.ok(fast > docs.length * 0.25, `fast path taken for ${fast} of ${docs.length}`);
    assert.ok(fast < docs.length * 0.9, `fast path taken for ${fast} of ${docs.length}`);
  });

  it('manifests (go-yaml v3 scalars, kyaml): parseResourceYaml on 2,000 generated documents, lines and empty values', () => {
    for (const text of docs) {
      const got = both(() => parseResourceYaml(text, 'm.yaml').map((d) => ({ line: d.line, value: d.value })));
      assert.equal(got.fast, got.full, `differs for:\n${text}`);
    }
  });

  it('kustomization files (the yaml package, YAML 1.1): parseYaml11 on 2,000 generated documents, values and lines', () => {
    let fast = 0;
    for (const text of docs) {
      const got = both(() => {
        const { value, lineOf } = parseYaml11(text, 'kustomization.yaml');
        // Lines of every top-level key and of the first items below it (the fast path parses in full for them).
        const lines = isPlainObject(value)
          ? Object.entries(value).flatMap(([k, v]) => [
              lineOf([k]),
              ...(Array.isArray(v) ? v.slice(0, 2).map((_, i) => lineOf([k, i])) : []),
              ...(isPlainObject(v)
                ? Object.keys(v)
                    .slice(0, 2)
                    .map((c) => lineOf([k, c]))
                : []),
            ])
          : [];
        return { value, lines };
      });
      assert.equal(got.fast, got.full, `differs for:\n${text}`);
      if (got.full.startsWith('{') && !got.full.includes('error')) fast++;
    }
    assert.ok(fast > 100, `${fast} documents read without an error`);
  });

  it('flow collections: each edge case as a mapping value and a sequence item, in all three readers', () => {
    let fast = 0;
    for (const v of FLOW_VALUES) {
      for (const text of [`a: ${v}\n`, `a:\n  - ${v}\n  - x\n`, `- ${v}\n`, `a:\n  b: ${v}\n  c: 1\n`]) {
        for (const fn of [
          () => parseYaml(text, 'f.yaml'),
          () => parseResourceYaml(text, 'm.yaml').map((d) => d.value),
          () => parseYaml11(text, 'k.yaml').value,
        ]) {
          const got = both(fn);
          assert.equal(got.fast, got.full, `differs for:\n${text}`);
        }
        if (parseFastYaml(text, probeMode(), true)) fast++;
      }
    }
    // Both sides of the subset occur.
    assert.ok(fast > 30 && fast < FLOW_VALUES.length * 4 - 30, `fast path taken for ${fast}`);
  });

  it("Kluctl's own files (schemas): every example's, and numbers, bools and unknown fields where strings are expected", () => {
    const files: [string, Schema][] = [];
    const walkDir = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walkDir(p);
        else if (/^deployment\.ya?ml$/.test(e.name)) files.push([fs.readFileSync(p, 'utf8'), DEPLOYMENT_PROJECT]);
        else if (/^\.kluctl\.ya?ml$/.test(e.name)) files.push([fs.readFileSync(p, 'utf8'), KLUCTL_PROJECT]);
      }
    };
    walkDir(KLUCTL_EXAMPLES);
    assert.ok(files.length >= 20, `${files.length} files`);
    const crafted = [
      'deployments:\n  - path: 123\n  - path: app\n    tags: [1, true, x]\n',
      'deployments:\n  - path: 1.50\n    skipDeleteIfTags: yes\n',
      'deployments:\n  - path: app\n    tags: 7\n',
      'deployments:\n  - path: app\n    unknown: 1\n',
      'deployments:\n  - git: {url: 5}\n',
      'deployments:\n  - include: inc\n    args:\n      a: 1\n      b: [true]\n',
      'vars:\n  - values:\n      x: 0x10\n  - file: 010\n',
      'commonLabels:\n  a: 1\n  b: ~\n  c: on\n',
      'deployments: x\n',
      'deployments:\n  - path: app\n  - path: app\n    when: 0\n',
    ];
    for (const text of crafted) files.push([text, DEPLOYMENT_PROJECT]);
    files.push(['targets:\n  - name: 1\n    context: yes\n    args: {a: 1}\n', KLUCTL_PROJECT]);
    let fast = 0;
    for (const [text, schema] of files) {
      const got = both(() => parseYaml(text, 'f.yaml', schema));
      assert.equal(got.fast, got.full, `differs for:\n${text}`);
      setFastYaml(true);
      if (parseFastYaml(text, probeMode(), false)) fast++;
    }
    assert.ok(fast >= files.length / 2, `only ${fast} of ${files.length} on the fast path`);
  });

  it('keys that resolve alike in the yaml package are duplicates with their line (full path)', () => {
    assert.throws(() => parseYaml('a: 1\n1e6: x\n1000000: y\n', 'f.yaml'), /f\.yaml:3: duplicate key/);
    assert.throws(() => parseYaml('a:\n  yes: 1\n  on: 2\n', 'f.yaml'), /f\.yaml:3: duplicate key/);
  });

  it('takes the fast path for a large plain values file and a large ConfigMap', () => {
    const values = ['big:', ...Array.from({ length: 20_000 }, (_, i) => `  k${i}: v${i} # c`)].join('\n');
    assert.ok(parseFastYaml(values, probeMode(), false));
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${Array.from({ length: 20_000 }, (_, i) => `  key-${i}: "value-${i}"\n`).join('')}`;
    const [doc] = parseResourceYaml(cm, 'cm.yaml');
    assert.equal((doc.value as { data: Record<string, string> }).data['key-19999'], 'value-19999');
  });
});

function probeMode(): Parameters<typeof parseFastYaml>[1] {
  return {
    plainValue: (s) => s,
    plainKey: (s) => s,
    schema: { tags: [] } as unknown as Parameters<typeof parseFastYaml>[1]['schema'],
    clipAtEndOfInputKeepsNewline: true,
  };
}

describe('kluctl/yaml: the ASCII fast path of go-yaml key order', () => {
  it('orders 200,000 generated key pairs as the code-point comparison does', () => {
    const alphabet = ['a', 'b', 'Z', '0', '1', '9', '00', '-', '_', '.', 'é', 'ß', '😀', '10', '2', ' '];
    const r = prng(7);
    const mk = (): string =>
      Array.from({ length: Math.floor(r() * 5) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    for (let t = 0; t < 200_000; t++) {
      const a = mk();
      const b = r() < 0.3 ? a + mk() : mk();
      assert.equal(goYamlKeyLess(a, b), keyLessByCodePoints(a, b), JSON.stringify([a, b]));
    }
  });
});
