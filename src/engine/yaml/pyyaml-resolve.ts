/** PyYAML's YAML 1.1 implicit resolvers: which tag a plain scalar gets (`yes` is a bool, `017` an octal int). */

export type ScalarKind = 'bool' | 'float' | 'int' | 'merge' | 'null' | 'timestamp' | 'value' | 'str';

const RESOLVERS: [ScalarKind, RegExp][] = [
  ['bool', /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/],
  [
    'float',
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  ],
  [
    'int',
    /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  ],
  ['merge', /^(?:<<)$/],
  ['null', /^(?:~|null|Null|NULL|)$/],
  [
    'timestamp',
    /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
  ],
  ['value', /^(?:=)$/],
];

/** The first characters each resolver is registered for (PyYAML only tries resolvers for the first char). */
const FIRST_CHARS: Record<ScalarKind, string> = {
  bool: 'yYnNtTfFoO',
  float: '-+0123456789.',
  int: '-+0123456789',
  merge: '<',
  null: '~nN',
  timestamp: '0123456789',
  value: '=',
  str: '',
};

export function resolvePlain(text: string): ScalarKind {
  for (const [kind, re] of RESOLVERS) {
    const applies = text === '' ? kind === 'null' : FIRST_CHARS[kind].includes(text[0]);
    if (applies && re.test(text)) return kind;
  }
  return 'str';
}

function sexagesimal(text: string, parse: (s: string) => number): number {
  return text.split(':').reduce((acc, part) => acc * 60 + parse(part), 0);
}

export function constructInt(text: string): bigint {
  let s = text.replace(/_/g, '');
  let sign = 1n;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1n;
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s.startsWith('0b')) return sign * BigInt(s);
  if (s.startsWith('0x')) return sign * BigInt(s);
  if (s.startsWith('0')) return sign * BigInt(`0o${s.slice(1)}`);
  if (s.includes(':')) return sign * BigInt(sexagesimal(s, Number));
  return sign * BigInt(s);
}

export function constructFloat(text: string): number {
  let s = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '.inf') return sign * Infinity;
  if (s === '.nan') return NaN;
  if (s.includes(':')) return sign * sexagesimal(s, Number);
  return sign * Number(s);
}
