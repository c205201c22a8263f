/** Running the git CLI through simple-git, non-interactively and with the user's own environment. */

import { simpleGit, type SimpleGit } from 'simple-git';

/** Editors, pagers and hooks-like overrides that clone/fetch/checkout never need. */
const NOT_NEEDED =
  /^(EDITOR|VISUAL|PAGER|PREFIX|GIT_EDITOR|GIT_SEQUENCE_EDITOR|GIT_PAGER|GIT_EXTERNAL_DIFF|GIT_EXEC_PATH|GIT_TEMPLATE_DIR)$/i;

/**
 * simple-git strips or rejects GIT_* and some other variables unless allowed. The environment here is the user's
 * own and carries their Git auth setup (GIT_SSH_COMMAND, askpass helpers, GIT_SSL_CAINFO, GIT_CONFIG_*), so it is
 * passed on and those categories are allowed. The arguments are always our own; only the URL comes from a project.
 */
export function gitClient(cwd?: string, signal?: AbortSignal): SimpleGit {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !NOT_NEEDED.test(k)) env[k] = v;
  env.GIT_TERMINAL_PROMPT = '0';
  return simpleGit({
    baseDir: cwd,
    abort: signal,
    allowEnvironment: Object.keys(env),
    unsafe: {
      allowUnsafeSshCommand: true,
      allowUnsafeAskPass: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeGitProxy: true,
    },
  }).env(env);
}

/** The meaningful lines of a git failure (simple-git puts all of stderr into the message). */
export function gitErrorMessage(error: unknown): string {
  const lines = String((error as Error).message ?? error)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const fatal = lines.filter((l) => /^(fatal|error):/.test(l));
  return (fatal.length ? fatal : lines).join('; ');
}
