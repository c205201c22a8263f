import * as fs from 'node:fs';
import * as path from 'node:path';

/** Kluctl's FixPathExt: `x.yml` and `x.yaml` are interchangeable, the `.yml` one is tried first. */
export function fixPathExt(file: string): string {
  const ext = path.extname(file);
  if (ext !== '.yml' && ext !== '.yaml') return file;
  const base = file.slice(0, -ext.length);
  for (const candidate of [`${base}.yml`, `${base}.yaml`]) if (exists(candidate)) return candidate;
  return file;
}

export function exists(p: string): boolean {
  return fs.existsSync(p);
}

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Slash-separated relative path, as Kluctl records item dirs. */
export function relSlash(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/') || '.';
}

/** Walks up to the directory holding `.git`; undefined outside a Git checkout. */
export function gitRoot(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (exists(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
