/**
 * Kluctl's `to_yaml`: PyYAML's SafeDumper output (block style, insertion order, width 80, indent 2,
 * allow_unicode off), with Kluctl's string representer: multi-line strings ask for `|` and strings that are
 * `str.isnumeric()` ask for single quotes. The emitter rules (style choice, line folding, quoting, escapes)
 * follow PyYAML's documented behaviour.
 */

import { PyError } from '../template/python/errors.js';
import { floatRepr, pyRepr } from '../template/python/repr.js';
import { splitLines } from '../template/python/text.js';
import { Markup, PyObject, PyTuple, type PyValue } from '../template/python/values.js';
import { PyDate } from './pyyaml-load.js';
import { resolvePlain } from './pyyaml-resolve.js';
import { analyzeScalar, type ScalarAnalysis } from '../../kluctl/yaml/scalar-analysis.js';
import { codePointLength } from '../../util/code-points.js';

const BEST_WIDTH = 80;
const BEST_INDENT = 2;
const BREAKS = '\n\x85\u2028\u2029';

interface ScalarEvent {
  text: string;
  /** '' plain, "'" single, '"' double, '|' literal; undefined lets the emitter choose. */
  style?: string;
  /** Would the text read back as this value if written plain? */
  plainImplicit: boolean;
  tagLength: number;
}

/** Values PyYAML may alias: lists, dicts and non-empty tuples (scalars are never aliased). */
function isCollection(v: PyValue): v is PyValue[] | Map<PyValue, PyValue> | PyTuple {
  return Array.isArray(v) || v instanceof Map || (v instanceof PyTuple && v.items.length > 0);
}

function representScalar(v: PyValue): ScalarEvent | undefined {
  if (v === null) return { text: 'null', plainImplicit: true, tagLength: 6 };
  if (typeof v === 'boolean') return { text: v ? 'true' : 'false', plainImplicit: true, tagLength: 6 };
  if (typeof v === 'bigint') return { text: v.toString(), plainImplicit: true, tagLength: 5 };
  if (typeof v === 'number') return { text: yamlFloat(v), plainImplicit: true, tagLength: 7 };
  if (v instanceof PyDate) return { text: v.str(), plainImplicit: true, tagLength: 11 };
  if (typeof v !== 'string') return undefined;
  let style: string | undefined;
  if (splitLines(v).length > 1) style = '|';
  else if (/^\p{N}+$/u.test(v)) style = "'";
  return { text: v, style, plainImplicit: resolvePlain(v) === 'str', tagLength: 5 };
}

function yamlFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
  const text = floatRepr(x).toLowerCase();
  return !text.includes('.') && text.includes('e') ? text.replace('e', '.0e') : text;
}

/** PyYAML's analyze_scalar with allow_unicode off: only ASCII is printable. */
function analyze(scalar: string): ScalarAnalysis {
  return analyzeScalar(scalar, {
    breaks: BREAKS,
    printable: (code) => code === 0x0a || (code >= 0x20 && code <= 0x7e),
  });
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0a': 'n',
  '\x0b': 'v',
  '\x0c': 'f',
  '\x0d': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xa0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

interface NodeContext {
  root?: boolean;
  sequence?: boolean;
  mapping?: boolean;
  simpleKey?: boolean;
}

class Emitter {
  out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private openEnded = false;
  private indent: number | null = null;
  private readonly indents: (number | null)[] = [];
  private ctx: NodeContext = {};
  /** Collections reached more than once get an anchor (`&id001`) and are then written as aliases (`*id001`). */
  private readonly anchors = new Map<object, string | null>();
  private readonly serialized = new Set<object>();
  private lastAnchor = 0;

  document(v: PyValue): string {
    this.assignAnchors(v);
    this.node(v, { root: true });
    this.writeIndent();
    if (this.openEnded) {
      this.writeIndicator('...', true);
      this.writeIndent();
    }
    return this.out;
  }

  private write(data: string): void {
    this.out += data;
    this.column += codePointLength(data);
  }

  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }

  private writeIndicator(indicator: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWhitespace ? indicator : ` ${indicator}`);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
    this.openEnded = false;
  }

  private writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.writeLineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }

  private writeLineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.out += data;
    this.column = 0;
  }

  private assignAnchors(v: PyValue): void {
    if (!isCollection(v)) return;
    if (this.anchors.has(v)) {
      if (this.anchors.get(v) === null) this.anchors.set(v, `id${String(++this.lastAnchor).padStart(3, '0')}`);
      return;
    }
    this.anchors.set(v, null);
    if (v instanceof Map) {
      for (const [k, x] of v) {
        this.assignAnchors(k);
        this.assignAnchors(x);
      }
    } else for (const x of Array.isArray(v) ? v : v.items) this.assignAnchors(x);
  }

  private node(v: PyValue, ctx: NodeContext): void {
    this.ctx = ctx;
    if (isCollection(v)) {
      const anchor = this.anchors.get(v);
      if (this.serialized.has(v)) return this.writeIndicator(`*${anchor}`, true);
      this.serialized.add(v);
      if (anchor) this.writeIndicator(`&${anchor}`, true);
    }
    const scalar = representScalar(v);
    if (scalar) return this.scalar(scalar);
    if (Array.isArray(v) || v instanceof PyTuple) {
      const items = Array.isArray(v) ? v : v.items;
      if (items.length === 0) return this.emptyFlow('[', ']');
      const indentless = ctx.mapping === true && !this.indention;
      this.increaseIndent(false, indentless);
      for (const item of items) {
        this.writeIndent();
        this.writeIndicator('-', true, false, true);
        this.node(item, { sequence: true });
      }
      this.indent = this.indents.pop()!;
      return;
    }
    if (v instanceof Map) {
      if (v.size === 0) return this.emptyFlow('{', '}');
      this.increaseIndent(false);
      for (const [key, value] of v) {
        this.writeIndent();
        if (this.isSimpleKey(key)) {
          this.node(key, { mapping: true, simpleKey: true });
          this.writeIndicator(':', false);
        } else {
          this.writeIndicator('?', true, false, true);
          this.node(key, { mapping: true });
          this.writeIndent();
          this.writeIndicator(':', true, false, true);
        }
        this.node(value, { mapping: true });
      }
      this.indent = this.indents.pop()!;
      return;
    }
    throw new PyError(
      'RepresenterError',
      `('cannot represent an object', ${v instanceof PyObject && !(v instanceof Markup) ? v.repr() : pyRepr(v)})`,
    );
  }

  private emptyFlow(open: string, close: string): void {
    this.writeIndicator(open, true, true);
    this.writeIndicator(close, false);
  }

  private isSimpleKey(key: PyValue): boolean {
    const scalar = representScalar(key);
    if (!scalar) return (Array.isArray(key) && key.length === 0) || (key instanceof Map && key.size === 0);
    const a = analyze(scalar.text);
    return codePointLength(scalar.text) + scalar.tagLength < 128 && !a.empty && !a.multiline;
  }

  private chooseStyle(e: ScalarEvent, a: ScalarAnalysis): string {
    const simpleKey = this.ctx.simpleKey === true;
    if (e.style === undefined && e.plainImplicit && !(simpleKey && (a.empty || a.multiline)) && a.allowBlockPlain)
      return '';
    if (e.style === '|' && !simpleKey && a.allowBlock) return '|';
    if ((e.style === undefined || e.style === "'") && a.allowSingleQuoted && !(simpleKey && a.multiline)) return "'";
    return '"';
  }

  private scalar(e: ScalarEvent): void {
    this.increaseIndent(true);
    const a = analyze(e.text);
    const split = !this.ctx.simpleKey;
    const style = this.chooseStyle(e, a);
    if (style === '"') this.writeDoubleQuoted(e.text, split);
    else if (style === "'") this.writeSingleQuoted(e.text, split);
    else if (style === '|') this.writeLiteral(e.text);
    else this.writePlain(e.text, split);
    this.indent = this.indents.pop()!;
  }

  private writePlain(text: string, split: boolean): void {
    if (this.ctx.root) this.openEnded = true;
    if (!text) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    const cs = Array.from(text);
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= cs.length; end++) {
      const ch = cs[end];
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else this.write(cs.slice(start, end).join(''));
          start = end;
        }
      } else if (ch === undefined || ch === ' ') {
        this.write(cs.slice(start, end).join(''));
        start = end;
      }
      if (ch !== undefined) spaces = ch === ' ';
    }
  }

  private writeBreaks(breaks: string[]): void {
    if (breaks[0] === '\n') this.writeLineBreak();
    for (const br of breaks) this.writeLineBreak(br);
    this.writeIndent();
  }

  private writeSingleQuoted(text: string, split: boolean): void {
    this.writeIndicator("'", true);
    const cs = Array.from(text);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= cs.length; end++) {
      const ch = cs[end];
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== cs.length)
            this.writeIndent();
          else this.write(cs.slice(start, end).join(''));
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          this.writeBreaks(cs.slice(start, end));
          start = end;
        }
      } else if ((ch === undefined || ch === ' ' || BREAKS.includes(ch) || ch === "'") && start < end) {
        this.write(cs.slice(start, end).join(''));
        start = end;
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = BREAKS.includes(ch);
      }
    }
    this.writeIndicator("'", false);
  }

  private writeDoubleQuoted(text: string, split: boolean): void {
    this.writeIndicator('"', true);
    const cs = Array.from(text);
    let start = 0;
    for (let end = 0; end <= cs.length; end++) {
      const ch = cs[end];
      if (ch === undefined || '"\\\x85\u2028\u2029\ufeff'.includes(ch) || !(ch >= '\x20' && ch <= '\x7e')) {
        if (start < end) {
          this.write(cs.slice(start, end).join(''));
          start = end;
        }
        if (ch !== undefined) {
          const cp = ch.codePointAt(0)!;
          const hex = cp.toString(16).toUpperCase();
          this.write(
            ESCAPES[ch] !== undefined
              ? `\\${ESCAPES[ch]}`
              : cp <= 0xff
                ? `\\x${hex.padStart(2, '0')}`
                : cp <= 0xffff
                  ? `\\u${hex.padStart(4, '0')}`
                  : `\\U${hex.padStart(8, '0')}`,
          );
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < cs.length - 1 &&
        (ch === ' ' || start >= end) &&
        this.column + (end - start) > BEST_WIDTH &&
        split
      ) {
        this.write(`${cs.slice(start, end).join('')}\\`);
        if (start < end) start = end;
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (cs[start] === ' ') this.write('\\');
      }
    }
    this.writeIndicator('"', false);
  }

  private writeLiteral(text: string): void {
    const cs = Array.from(text);
    let hints = '';
    if (BREAKS.includes(cs[0]) || cs[0] === ' ') hints += String(BEST_INDENT);
    if (!BREAKS.includes(cs[cs.length - 1])) hints += '-';
    else if (cs.length === 1 || BREAKS.includes(cs[cs.length - 2])) hints += '+';
    this.writeIndicator(`|${hints}`, true);
    if (hints.endsWith('+')) this.openEnded = true;
    this.writeLineBreak();
    let breaks = true;
    let start = 0;
    for (let end = 0; end <= cs.length; end++) {
      const ch = cs[end];
      if (breaks) {
        if (ch === undefined || !BREAKS.includes(ch)) {
          for (const br of cs.slice(start, end)) this.writeLineBreak(br);
          if (ch !== undefined) this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || BREAKS.includes(ch)) {
        this.write(cs.slice(start, end).join(''));
        if (ch === undefined) this.writeLineBreak();
        start = end;
      }
      if (ch !== undefined) breaks = BREAKS.includes(ch);
    }
  }
}

export function toYaml(v: PyValue): string {
  return new Emitter().document(v);
}
