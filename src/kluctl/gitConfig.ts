import { gitErrorMessage, runGit } from '../util/git-command.js';

/** Reading config is local and quick; a hung git (a network filesystem) must not hold the editor. */
const GIT_CONFIG_TIMEOUT_MS = 10_000;

export type RemoteUrl =
  | { kind: 'url'; url: string }
  /** git ran and the repository has no such remote. */
  | { kind: 'none' }
  /** git could not answer (not installed, it refuses the checkout, timed out): the reason, for the fallback. */
  | { kind: 'unavailable'; reason: string };

/**
 * A remote's URL as git itself reads it (`git remote get-url`): with `include`/`includeIf` files, the user's global
 * config and `url.<base>.insteadOf` rewriting, exactly what `git fetch` would contact. Reading config runs no hook
 * or helper, so it is safe in an untrusted checkout.
 */
export async function readRemoteUrl(gitRoot: string, remote: string, signal?: AbortSignal): Promise<RemoteUrl> {
  try {
    const out = await runGit(['remote', 'get-url', '--', remote], {
      cwd: gitRoot,
      signal,
      timeoutMs: GIT_CONFIG_TIMEOUT_MS,
    });
    const url = out.split('\n')[0]?.trim();
    return url ? { kind: 'url', url } : { kind: 'none' };
  } catch (error) {
    const message = gitErrorMessage(error);
    // `git remote get-url` exits 2 with "No such remote" when the remote is missing.
    if (/no such remote/i.test(message)) return { kind: 'none' };
    return { kind: 'unavailable', reason: message };
  }
}

/**
 * The fallback when git cannot run: remote URLs from a Git config file's text. Covers the syntax `git remote add`
 * and hand edits produce: `[remote "name"]` and the deprecated `[remote.name]` headers, case-insensitive
 * section and key names, quoted values with escapes, `#`/`;` comments and `\` line continuations.
 * `include`/`includeIf` and `url.*.insteadOf` are not followed (git does that in readRemoteUrl).
 */
export function remoteUrls(configText: string, remote: string): string[] {
  const urls: string[] = [];
  let inRemote = false;
  for (const line of logicalLines(configText)) {
    const header = /^\s*\[([^\]]*)\]\s*(.*)$/.exec(line);
    if (header) {
      inRemote = isRemoteSection(header[1], remote);
      // A key may follow the header on the same line: `[remote "origin"] url = …`.
      const trailing = header[2];
      if (inRemote && trailing) collect(trailing, urls);
      continue;
    }
    if (inRemote) collect(line, urls);
  }
  return urls;
}

function collect(line: string, urls: string[]): void {
  const entry = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*=(.*)$/.exec(line);
  if (entry && entry[1].toLowerCase() === 'url') urls.push(parseValue(entry[2]));
}

function isRemoteSection(header: string, remote: string): boolean {
  const quoted = /^\s*([A-Za-z0-9.-]+)\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(header);
  if (quoted) return quoted[1].toLowerCase() === 'remote' && quoted[2].replace(/\\(.)/g, '$1') === remote;
  // Deprecated `[remote.origin]`: the whole name is case-insensitive.
  return header.trim().toLowerCase() === `remote.${remote}`.toLowerCase();
}

/** Joins lines ending in an unquoted backslash with the next one. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = pending + raw;
    if (/(?:^|[^\\])(?:\\\\)*\\$/.test(line)) {
      pending = line.slice(0, -1);
    } else {
      lines.push(line);
      pending = '';
    }
  }
  if (pending) lines.push(pending);
  return lines;
}

/** A value without comments, quotes or escapes; inner whitespace kept, outer whitespace trimmed. */
function parseValue(raw: string): string {
  let value = '';
  let quoted = false;
  let trailingSpace = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[++i];
      value += trailingSpace + ({ n: '\n', t: '\t', b: '\b' }[next] ?? next);
      trailingSpace = '';
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && (c === '#' || c === ';')) {
      break;
    } else if (!quoted && /\s/.test(c)) {
      if (value !== '') trailingSpace += c;
    } else {
      value += trailingSpace + c;
      trailingSpace = '';
    }
  }
  return value;
}
