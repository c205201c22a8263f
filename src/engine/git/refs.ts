/** Git refs as Kluctl resolves them: `ref` of git includes and git vars, ref regexes of gitFiles vars. */

import type { GitRef } from '../project/types.js';

/** What `git ls-remote --symref` says about a remote. */
export interface RepoInfo {
  url: string;
  /** The remote's HEAD, e.g. `refs/heads/main`; undefined for an empty repository. */
  defaultRef?: string;
  /** `refs/heads/*` and `refs/tags/*` to commit ids (annotated tags peeled to their commit). */
  refs: Map<string, string>;
}

export interface MatchedRef {
  /** Full ref name (`refs/heads/x`, `refs/tags/y`); absent when a commit was asked for directly. */
  refName?: string;
  commit: string;
}

export function parseLsRemote(url: string, text: string): RepoInfo {
  const info: RepoInfo = { url, refs: new Map() };
  const peeled = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [left, name] = line.split('\t');
    if (!name) continue;
    if (left.startsWith('ref: ')) {
      if (name === 'HEAD') info.defaultRef = left.slice(5);
    } else if (name.endsWith('^{}')) {
      peeled.set(name.slice(0, -3), left);
    } else if (name.startsWith('refs/heads/') || name.startsWith('refs/tags/')) {
      info.refs.set(name, left);
    }
  }
  for (const [name, commit] of peeled) if (info.refs.has(name)) info.refs.set(name, commit);
  return info;
}

/** Kluctl's GitRef.String(): `refs/tags/x`, `refs/heads/x`, or the legacy plain string. */
export function refString(ref: GitRef | undefined): string {
  if (ref === undefined) return '';
  if (typeof ref === 'string') return ref;
  if (ref.tag) return `refs/tags/${ref.tag}`;
  if (ref.branch) return `refs/heads/${ref.branch}`;
  return ref.commit ?? '';
}

/** `{branch: x}` or `{tag: y}` for a full ref name (Kluctl's ParseGitRef). */
export function refObject(refName: string): { branch: string } | { tag: string } {
  if (refName.startsWith('refs/heads/')) return { branch: refName.slice('refs/heads/'.length) };
  if (refName.startsWith('refs/tags/')) return { tag: refName.slice('refs/tags/'.length) };
  throw new Error(`can't parse ${refName} as GitRef`);
}

/** A ref object must set exactly one of branch, tag and commit. */
export function checkRef(ref: GitRef | undefined): void {
  if (ref === undefined || typeof ref === 'string') return;
  const set = [ref.branch, ref.tag, ref.commit].filter((x) => x).length;
  if (set === 0) throw new Error('either branch, tag or commit must be set');
  if (set > 1) throw new Error('only one of the ref fields can be set');
}

/** The single commit a git include or git vars source checks out. */
export function resolveRef(info: RepoInfo, ref: GitRef | undefined): MatchedRef {
  checkRef(ref);
  if (ref === undefined) {
    if (!info.defaultRef || !info.refs.has(info.defaultRef))
      throw new Error(`the repository ${info.url} has no default branch`);
    return { refName: info.defaultRef, commit: info.refs.get(info.defaultRef)! };
  }
  if (typeof ref !== 'string' && ref.commit) return { commit: ref.commit };
  const name = refString(ref);
  // A legacy string ref may be a short branch or tag name; branches win.
  const candidates =
    typeof ref === 'string' && !/^refs\/(heads|tags)\//.test(name)
      ? [`refs/heads/${name}`, `refs/tags/${name}`]
      : [name];
  for (const c of candidates) if (info.refs.has(c)) return { refName: c, commit: info.refs.get(c)! };
  throw new Error(`ref ${name} not found`);
}

/** gitFiles: every branch or tag whose name matches the regex in `ref.branch`/`ref.tag` (Kluctl anchors it). */
export function matchRefs(info: RepoInfo, ref: GitRef | undefined): MatchedRef[] {
  checkRef(ref);
  if (ref === undefined) return [resolveRef(info, undefined)];
  if (typeof ref === 'string')
    throw new Error(`a plain string ref (${ref}) is not supported here; use ref.branch or ref.tag`);
  if (ref.commit) {
    const hit = [...info.refs].sort(([a], [b]) => (a < b ? -1 : 1)).find(([, commit]) => commit === ref.commit);
    if (!hit) throw new Error(`commit ${ref.commit} not found`);
    return [{ refName: hit[0], commit: hit[1] }];
  }
  const [kind, pattern, prefix] = ref.tag ? ['tag', ref.tag, 'refs/tags/'] : ['branch', ref.branch!, 'refs/heads/'];
  let regex: RegExp;
  try {
    regex = new RegExp(`^${prefix}${pattern}$`);
  } catch (error) {
    throw new Error(`invalid ${kind} regex specified: ${(error as Error).message}`, { cause: error });
  }
  return [...info.refs]
    .filter(([name]) => regex.test(name))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([refName, commit]) => ({ refName, commit }));
}
