/** Kubernetes label selector strings (`a=b,c!=d,e in (x,y),!f`), as patch targets use them for labels and annotations. */

import { KustomizeError } from '../errors.js';

type Requirement = (labels: Record<string, string>) => boolean;

export function parseLabelSelector(selector: string): Requirement {
  const requirements = splitRequirements(selector.trim()).map(parseRequirement);
  return (labels) => requirements.every((r) => r(labels));
}

function splitRequirements(s: string): string[] {
  if (!s) return [];
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

function parseRequirement(r: string): Requirement {
  let m = /^!\s*([^\s!=<>(),]+)$/.exec(r);
  if (m) {
    const key = m[1];
    return (l) => !(key in l);
  }
  m = /^([^\s!=<>(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(r);
  if (m) {
    const [key, op, list] = [m[1], m[2], m[3].split(',').map((v) => v.trim())];
    return op === 'in' ? (l) => key in l && list.includes(l[key]) : (l) => !(key in l) || !list.includes(l[key]);
  }
  m = /^([^\s!=<>(),]+)\s*(==|=|!=|>|<)\s*([^\s,()]*)$/.exec(r);
  if (m) {
    const [key, op, value] = [m[1], m[2], m[3]];
    switch (op) {
      case '!=':
        return (l) => !(key in l) || l[key] !== value;
      case '>':
        return (l) => key in l && Number.parseInt(l[key], 10) > Number.parseInt(value, 10);
      case '<':
        return (l) => key in l && Number.parseInt(l[key], 10) < Number.parseInt(value, 10);
      default:
        return (l) => key in l && l[key] === value;
    }
  }
  m = /^([^\s!=<>(),]+)$/.exec(r);
  if (m) {
    const key = m[1];
    return (l) => key in l;
  }
  throw new KustomizeError(`unable to parse requirement: '${r}'`);
}
