/** Kluctl's `time` global (best effort): `time.now()`, `utcnow()`, `parse_iso()`, and microsecond constants. */

import { bind } from '../python/args.js';
import { valueError } from '../python/errors.js';
import { pyStr } from '../python/repr.js';
import { BuiltinFunction, PyObject, intOf, isInt, type PyValue } from '../python/values.js';

/** A point in time in microseconds, shown in a time zone (undefined: naive local time, as Python's `now()`). */
class SimpleTime extends PyObject {
  readonly typeName = 'SimpleTime';
  override readonly module = 'go_jinja2.ext.time_ext';
  constructor(
    private micros: number,
    private readonly zone: string | undefined,
    private readonly naiveUtc = false,
  ) {
    super();
  }

  private parts(): Record<string, number> {
    const date = new Date(Math.floor(this.micros / 1000));
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: this.naiveUtc ? 'UTC' : this.zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    const out: Record<string, number> = {};
    for (const p of fmt.formatToParts(date)) {
      if (p.type === 'weekday') out.weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.value);
      else if (p.type !== 'literal') out[p.type] = Number(p.value);
    }
    return out;
  }

  override str(): string {
    const p = this.parts();
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const micro = ((this.micros % 1e6) + 1e6) % 1e6;
    let text = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${micro ? `.${pad(micro, 6)}` : ''}`;
    if (this.zone !== undefined) {
      const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
      const offset = Math.round((local - Math.floor(this.micros / 1e6) * 1000) / 60000);
      text += `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
    }
    return text;
  }

  override getAttr(name: string): PyValue | undefined {
    const p = () => this.parts();
    const methods: Record<string, () => PyValue> = {
      weekday: () => BigInt(p().weekday),
      hour: () => BigInt(p().hour),
      minute: () => BigInt(p().minute),
      second: () => BigInt(p().second),
      nanosecond: () => BigInt((((this.micros % 1e6) + 1e6) % 1e6) * 1000),
    };
    if (name === 'as_timezone')
      return new BuiltinFunction(name, (call) => new SimpleTime(this.micros, pyStr(bind(name, call, ['tz'], 1)[0]!)));
    return methods[name] ? new BuiltinFunction(name, () => methods[name]()) : undefined;
  }

  /** `t + micros` / `t - micros` shift the time in place and return it, like Kluctl's implementation. */
  override binary(op: string, other: PyValue): PyValue | undefined {
    if ((op !== '+' && op !== '-') || !isInt(other)) return undefined;
    this.micros += (op === '+' ? 1 : -1) * Number(intOf(other));
    return this;
  }

  override compareTo(other: PyValue): number {
    if (!(other instanceof SimpleTime)) throw valueError('value is not a SimpleTime');
    return Math.sign(this.micros - other.micros);
  }
}

function parseIso(text: string): SimpleTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    text,
  );
  if (!m) throw valueError(`Invalid isoformat string: '${text}'`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz] = m;
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const micros = utc * 1000 + Number(frac.padEnd(6, '0') || 0);
  if (tz === undefined) return new SimpleTime(micros, undefined, true);
  const sign = tz === 'Z' ? 0 : tz[0] === '-' ? -1 : 1;
  const digits = tz.replace(/[^0-9]/g, '');
  const offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
  return new SimpleTime(
    micros - offset * 60e6,
    `Etc/GMT${offset === 0 ? '' : offset > 0 ? `-${offset / 60}` : `+${-offset / 60}`}`,
  );
}

export function timeGlobal(): Map<PyValue, PyValue> {
  return new Map<PyValue, PyValue>([
    ['now', new BuiltinFunction('now', () => new SimpleTime(Date.now() * 1000, undefined))],
    ['utcnow', new BuiltinFunction('utcnow', () => new SimpleTime(Date.now() * 1000, undefined, true))],
    ['parse_iso', new BuiltinFunction('parse_iso', (call) => parseIso(pyStr(bind('parse_iso', call, ['s'], 1)[0]!)))],
    ['second', 1_000_000n],
    ['minute', 60_000_000n],
    ['hour', 3_600_000_000n],
  ]);
}
