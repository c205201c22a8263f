/**
 * Semantic versions and constraints as Masterminds/semver v3 (what Helm and kluctl use) reads them: loose versions
 * (`v1.2`, `1`), pre-releases, and constraints (`>=1.2 <2`, `^1.2`, `~1.2.x`, `1.2 - 1.4`, `||`). Pre-release versions
 * only satisfy a constraint that itself names a pre-release.
 */

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
  metadata: string;
  /** The text as given (kluctl writes the original back). */
  original: string;
}

const VERSION =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

/** Bounded: a version string from an index is at most this long. */
const MAX_LENGTH = 256;

/** Masterminds' `NewVersion`: undefined when `text` is not a version. */
export function parseVersion(text: string): SemVer | undefined {
  if (typeof text !== 'string' || text.length > MAX_LENGTH) return undefined;
  const m = VERSION.exec(text);
  if (!m) return undefined;
  const num = (s: string | undefined) => (s ? Number(s.replace(/^\./, '')) : 0);
  const v: SemVer = {
    major: num(m[1]),
    minor: num(m[2]),
    patch: num(m[3]),
    prerelease: m[5] ?? '',
    metadata: m[8] ?? '',
    original: text,
  };
  if (![v.major, v.minor, v.patch].every(Number.isSafeInteger)) return undefined;
  // Numeric pre-release identifiers must not have leading zeros.
  if (v.prerelease && v.prerelease.split('.').some((p) => /^0[0-9]+$/.test(p))) return undefined;
  return v;
}

function comparePrePart(a: string, b: string): number {
  if (a === b) return 0;
  // A missing identifier (the shorter list) sorts first.
  if (a === '') return -1;
  if (b === '') return 1;
  const an = /^[0-9]+$/.test(a);
  const bn = /^[0-9]+$/.test(b);
  if (an && bn) return Number(a) === Number(b) ? 0 : Number(a) > Number(b) ? 1 : -1;
  if (an) return -1;
  if (bn) return 1;
  return a > b ? 1 : -1;
}

function comparePrerelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const ap = a.split('.');
  const bp = b.split('.');
  for (let i = 0; i < Math.max(ap.length, bp.length); i++) {
    const c = comparePrePart(ap[i] ?? '', bp[i] ?? '');
    if (c !== 0) return c;
  }
  return 0;
}

/** -1, 0 or 1; build metadata is ignored. */
export function compareVersions(a: SemVer, b: SemVer): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] > b[k] ? 1 : -1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

interface Constraint {
  op: string;
  con: SemVer;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const CV = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const OPS = String.raw`=>|=<|~>|>=|<=|!=|=|>|<|~|\^|`;
const CONSTRAINT = new RegExp(String.raw`^\s*(${OPS})\s*(${CV})\s*$`);
const RANGE = new RegExp(String.raw`\s*(${CV})\s+-\s+(${CV})\s*`, 'g');
const FIND = new RegExp(String.raw`(${OPS})\s*(${CV})`, 'g');
const VALID = new RegExp(String.raw`^(\s*(${OPS})\s*(${CV})\s*\,?)+$`);
const isX = (s: string) => s === 'x' || s === 'X' || s === '*';

function parseConstraint(text: string): Constraint {
  const m = CONSTRAINT.exec(text);
  if (!m) throw new Error(`improper constraint: ${text}`);
  const [, op, , major, minor = '', patch = '', pre = ''] = m;
  const preText = pre; // `-…` including the dash
  let ver = m[2];
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isX(major) || major === '') {
    ver = `0.0.0${preText}`;
    dirty = true;
  } else if (minor === '' || isX(minor.slice(1))) {
    minorDirty = dirty = true;
    ver = `${major}.0.0${preText}`;
  } else if (patch === '' || isX(patch.slice(1))) {
    patchDirty = dirty = true;
    ver = `${major}${minor}.0${preText}`;
  }
  const con = parseVersion(ver);
  if (!con) throw new Error(`improper constraint: ${text}`);
  return { op, con, dirty, minorDirty, patchDirty };
}

function check(v: SemVer, c: Constraint): boolean {
  const con = c.con;
  const preBlocked = v.prerelease !== '' && con.prerelease === '';
  const cmp = compareVersions(v, con);
  switch (c.op) {
    case '':
    case '=':
      if (preBlocked) return false;
      return c.dirty ? tilde(v, c, cmp) : cmp === 0;
    case '!=':
      if (c.dirty) {
        if (preBlocked) return false;
        if (con.major !== v.major) return true;
        if (con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) {
          if (v.prerelease !== '' || con.prerelease !== '')
            return comparePrerelease(v.prerelease, con.prerelease) !== 0;
          return false;
        }
      }
      return cmp !== 0;
    case '>':
      if (preBlocked) return false;
      if (!c.dirty) return cmp === 1;
      if (v.major !== con.major) return v.major > con.major;
      if (c.minorDirty) return false;
      if (c.patchDirty) return v.minor > con.minor;
      return cmp === 1;
    case '<':
      return !preBlocked && cmp < 0;
    case '>=':
    case '=>':
      return !preBlocked && cmp >= 0;
    case '<=':
    case '=<':
      if (preBlocked) return false;
      if (!c.dirty) return cmp <= 0;
      if (v.major > con.major) return false;
      if (v.major === con.major && v.minor > con.minor && !c.minorDirty) return false;
      return true;
    case '~':
    case '~>':
      return !preBlocked && tilde(v, c, cmp);
    case '^': {
      if (preBlocked || cmp < 0) return false;
      if (con.major > 0 || c.minorDirty) return v.major === con.major;
      if (v.major > 0) return false;
      if (con.minor > 0 || c.patchDirty) return v.minor === con.minor;
      if (v.minor > 0) return false;
      return v.patch === con.patch;
    }
  }
  return false;
}

function tilde(v: SemVer, c: Constraint, cmp: number): boolean {
  const con = c.con;
  if (v.prerelease !== '' && con.prerelease === '') return false;
  if (cmp < 0) return false;
  if (con.major === 0 && con.minor === 0 && con.patch === 0 && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== con.major) return false;
  if (v.minor !== con.minor && !c.minorDirty) return false;
  return true;
}

export interface Constraints {
  text: string;
  check(v: SemVer): boolean;
}

/** Masterminds' `NewConstraint`; throws `improper constraint: …` like it. */
export function parseConstraints(text: string): Constraints {
  if (typeof text !== 'string' || text.length > 1024) throw new Error('improper constraint: too long');
  const rewritten = text.replace(RANGE, (...m: string[]) => `>= ${m[1]}, <= ${m[11]}`);
  const ors = rewritten.split('||').map((group) => {
    if (!VALID.test(group)) throw new Error(`improper constraint: ${group}`);
    const found = group.match(FIND) ?? [group];
    return found.map(parseConstraint);
  });
  return { text, check: (v) => ors.some((and) => and.every((c) => check(v, c))) };
}

/**
 * kluctl's `GetLatestVersion`: the highest of `versions` that satisfies `constraints` (without constraints:
 * pre-releases are skipped); strings that are no versions are ignored. Throws like kluctl when nothing fits.
 */
export function latestVersion(versions: readonly string[], constraints?: string): string {
  if (versions.length === 0) throw new Error('no versions found or queried');
  let c: Constraints | undefined;
  if (constraints !== undefined) {
    try {
      c = parseConstraints(constraints);
    } catch (error) {
      throw new Error(`invalid constraints '${constraints}': ${(error as Error).message}`, { cause: error });
    }
  }
  let best: SemVer | undefined;
  for (const text of versions) {
    const v = parseVersion(text);
    if (!v) continue;
    if (c ? !c.check(v) : v.prerelease !== '') continue;
    // Go's stable sort keeps the later of equal versions last, so the later one wins.
    if (!best || compareVersions(v, best) >= 0) best = v;
  }
  if (!best)
    throw new Error(
      constraints === undefined ? 'no version found' : `no version found that satisfies constraints '${constraints}'`,
    );
  return best.original;
}
