/**
 * Running the git CLI non-interactively, bounded and without anything a project could turn into a command: the
 * caller puts `--` (or `--end-of-options`) before every operand and refuses option-like URLs and refs; here git
 * gets no terminal (its own session), no prompts, ssh in batch mode, no hooks, no `ext::`/`fd::` transports and a
 * timeout that kills it with everything it started.
 */

import { runProcess, ProcessTimeoutError } from './run-process.js';

/** Editors, pagers and hooks-like overrides that clone/fetch/checkout never need. */
const NOT_NEEDED =
  /^(EDITOR|VISUAL|PAGER|PREFIX|GIT_EDITOR|GIT_SEQUENCE_EDITOR|GIT_PAGER|GIT_EXTERNAL_DIFF|GIT_EXEC_PATH|GIT_TEMPLATE_DIR|GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|GIT_OBJECT_DIRECTORY|GIT_ALTERNATE_OBJECT_DIRECTORIES|GIT_CEILING_DIRECTORIES|GIT_COMMON_DIR|GIT_NAMESPACE)$/i;

/** Per git call; a fetch of a big repository over a slow link may take this long, nothing should take longer. */
export const DEFAULT_GIT_TIMEOUT_MS = 10 * 60_000;

/** Configuration forced on every call, whatever the user's or a repository's config says. */
const SAFE_CONFIG = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'protocol.ext.allow=never',
  'protocol.fd.allow=never',
  'credential.interactive=never',
];

/**
 * The user's own environment (it carries their Git auth setup: GIT_SSH_COMMAND, askpass helpers, GIT_SSL_CAINFO,
 * GIT_CONFIG_*), made non-interactive. A user-set GIT_SSH_COMMAND keeps its options and gets BatchMode added.
 */
export function gitEnv(env: NodeJS.ProcessEnv = process.env, configuredSsh?: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !NOT_NEEDED.test(k)) out[k] = v;
  out.GIT_TERMINAL_PROMPT = '0';
  // GIT_SSH_COMMAND overrides core.sshCommand, so the user's configured command is carried over into it.
  if (!out.GIT_SSH) out.GIT_SSH_COMMAND = `${out.GIT_SSH_COMMAND || configuredSsh || 'ssh'} -o BatchMode=yes`;
  return out;
}

let configuredSshCommand: Promise<string | undefined> | undefined;

/** The user's `core.sshCommand` (global/system config; read once, outside any repository). */
function userSshCommand(cwd: string): Promise<string | undefined> {
  configuredSshCommand ??= runProcess('git', ['config', '--get', 'core.sshCommand'], {
    cwd,
    env: { ...process.env, GIT_DIR: '/nonexistent' },
    timeoutMs: 10_000,
  }).then(
    (r) => (r.code === 0 ? r.stdout.toString('utf8').trim() || undefined : undefined),
    () => undefined,
  );
  return configuredSshCommand;
}

export interface GitOptions {
  /**
   * The working directory: inside the cache for fetches and checkouts (never the project, whose .git config is
   * untrusted); a project checkout only to read its remotes (no hook or helper runs for that, and SAFE_CONFIG holds).
   */
  cwd: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Runs `git <args>` and returns its stdout; a failure throws with git's stderr in the message. */
export async function runGit(args: readonly string[], options: GitOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_GIT_TIMEOUT_MS;
  const config = SAFE_CONFIG.flatMap((c) => ['-c', c]);
  let result;
  try {
    result = await runProcess('git', [...config, ...args], {
      cwd: options.cwd,
      env: gitEnv(process.env, await userSshCommand(options.cwd)),
      signal: options.signal,
      timeoutMs,
    });
  } catch (error) {
    if (error instanceof ProcessTimeoutError)
      throw new Error(`git ${args[0]} timed out after ${timeoutMs / 1000}s`, { cause: error });
    throw error;
  }
  if (result.code !== 0) {
    const stderr = result.stderr.toString('utf8').trim();
    throw new Error(stderr || `git ${args[0]} failed with exit code ${result.code}`);
  }
  return result.stdout.toString('utf8');
}

/** The meaningful lines of a git failure. */
export function gitErrorMessage(error: unknown): string {
  const lines = String((error as Error).message ?? error)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const fatal = lines.filter((l) => /^(fatal|error):/.test(l));
  return (fatal.length ? fatal : lines).join('; ');
}
