import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readRemoteUrl, remoteUrls } from './gitConfig.js';
import { normalizeGitUrl, type GitProjectKey, type RepoKey } from './repoKey.js';

export const KLUCTL_PROJECT_FILES = ['.kluctl.yaml', '.kluctl.yml'] as const;

export interface LocalProject extends GitProjectKey {
  /** The nearest directory with a `.kluctl.yaml`/`.kluctl.yml` inside the checkout, else the start directory. */
  projectDir: string;
  /** The working tree root: the directory holding `.git` (a directory, or a file for worktrees and submodules). */
  gitRoot: string;
  /** The URL of remote `origin` as configured (it may carry credentials: do not show it verbatim). */
  originUrl: string;
}

export type LocalProjectProblem = 'notGitRepository' | 'noOriginRemote' | 'unsupportedOriginUrl';

export class LocalProjectError extends Error {
  constructor(
    readonly problem: LocalProjectProblem,
    message: string,
  ) {
    super(message);
    this.name = 'LocalProjectError';
  }
}

/**
 * The project key of the checkout `startDir` is in: the Git root (found on the filesystem), the `origin` remote's
 * URL as git reads it, and the project's sub-directory with forward slashes.
 * Unlike the Kluctl CLI it finds the project from any directory inside it, and understands `.git` files.
 */
export async function findLocalProject(startDir: string): Promise<LocalProject> {
  const start = path.resolve(startDir);
  const git = await findGitRoot(start);
  if (!git) {
    throw new LocalProjectError(
      'notGitRepository',
      `${start} is not in a Git repository (no .git in it or any parent directory); KluctlDeployments can only be matched to a Git checkout`,
    );
  }
  const originUrl = await originUrlOf(git.root, git.gitDir);
  if (!originUrl) {
    throw new LocalProjectError(
      'noOriginRemote',
      `the Git repository at ${git.root} has no remote named "origin"; KluctlDeployments are matched by the origin URL (add one with: git remote add origin <url>)`,
    );
  }
  const repoKey = originRepoKey(originUrl, git.root);
  const projectDir = (await findProjectDir(start, git.root)) ?? start;
  return { projectDir, gitRoot: git.root, originUrl, repoKey, subDir: relativeSubDir(git.root, projectDir) };
}

/** `origin` as git reads it (includes, insteadOf); the config file read by hand only when git cannot run. */
async function originUrlOf(gitRoot: string, gitDir: string): Promise<string | undefined> {
  const answer = await readRemoteUrl(gitRoot, 'origin');
  if (answer.kind === 'url') return answer.url;
  if (answer.kind === 'none') return undefined;
  const configText = await readOptional(path.join(await commonGitDir(gitDir), 'config'));
  return configText === undefined ? undefined : remoteUrls(configText, 'origin')[0];
}

function originRepoKey(originUrl: string, gitRoot: string): RepoKey {
  try {
    return normalizeGitUrl(originUrl);
  } catch (error) {
    throw new LocalProjectError(
      'unsupportedOriginUrl',
      `the "origin" remote of ${gitRoot} cannot be used: ${(error as Error).message}`,
    );
  }
}

/** `dir` relative to `root` with forward slashes whatever the platform; `""` for the root itself. */
export function relativeSubDir(root: string, dir: string, paths: path.PlatformPath = path): string {
  const relative = paths.relative(root, dir);
  return relative === '' ? '' : relative.split(paths.sep).join('/');
}

async function findGitRoot(start: string): Promise<{ root: string; gitDir: string } | undefined> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    const stat = await fs.stat(dotGit).catch(() => undefined);
    if (stat?.isDirectory()) return { root: dir, gitDir: dotGit };
    if (stat?.isFile()) {
      const pointer = /^gitdir:\s*(.+?)\s*$/m.exec(await fs.readFile(dotGit, 'utf8'));
      if (pointer) return { root: dir, gitDir: path.resolve(dir, pointer[1]) };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** A linked worktree's git dir names the main repository's in `commondir`; config lives there. */
async function commonGitDir(gitDir: string): Promise<string> {
  const commonDir = (await readOptional(path.join(gitDir, 'commondir')))?.trim();
  return commonDir ? path.resolve(gitDir, commonDir) : gitDir;
}

async function findProjectDir(start: string, gitRoot: string): Promise<string | undefined> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    for (const name of KLUCTL_PROJECT_FILES) {
      if (await isFile(path.join(dir, name))) return dir;
    }
    if (dir === gitRoot || path.dirname(dir) === dir) return undefined;
  }
}

async function isFile(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => undefined))?.isFile() ?? false;
}

async function readOptional(file: string): Promise<string | undefined> {
  return fs.readFile(file, 'utf8').catch(() => undefined);
}
