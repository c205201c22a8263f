import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { remoteUrls } from '../../../src/kluctl/gitConfig.js';
import { findLocalProject, LocalProjectError, relativeSubDir } from '../../../src/kluctl/localProject.js';
import { repoKeyString } from '../../../src/kluctl/repoKey.js';

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'protocol.file.allow=always', ...args],
    {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    },
  );
}

function write(file: string, text = ''): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function initRepo(dir: string, originUrl?: string): string {
  fs.mkdirSync(dir, { recursive: true });
  git(dir, 'init', '--quiet', '--initial-branch=main');
  if (originUrl) git(dir, 'remote', 'add', 'origin', originUrl);
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<LocalProjectError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LocalProjectError, String(error));
    return error;
  }
  assert.fail('expected a LocalProjectError');
}

describe('gitops/localProject', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-local-project-')));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads origin through git: included config files and url.insteadOf rewriting apply', async () => {
    const repo = initRepo(path.join(tmp, 'repo'));
    write(
      path.join(tmp, 'shared.gitconfig'),
      '[url "https://github.com/"]\n\tinsteadOf = gh:\n[remote "origin"]\n\turl = gh:Acme/Included.git\n',
    );
    git(repo, 'config', 'include.path', path.join(tmp, 'shared.gitconfig'));
    const saved = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = '/dev/null';
    try {
      const project = await findLocalProject(repo);
      assert.equal(project.originUrl, 'https://github.com/Acme/Included.git');
      assert.equal(repoKeyString(project.repoKey), 'git://github.com/acme/included');
    } finally {
      if (saved === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = saved;
    }
    // The hand parser, git's fallback, sees neither.
    assert.deepEqual(remoteUrls(fs.readFileSync(path.join(repo, '.git', 'config'), 'utf8'), 'origin'), []);
  });

  it('walks up to the nearest .kluctl.yaml and to the Git root, and keys the project by origin and sub-directory', async () => {
    const repo = initRepo(path.join(tmp, 'repo'), 'git@github.com:Acme/Deployments.git');
    write(path.join(repo, 'deploy', 'app', '.kluctl.yaml'), 'targets: []\n');
    const start = path.join(repo, 'deploy', 'app', 'namespaces', 'apps');
    fs.mkdirSync(start, { recursive: true });

    const project = await findLocalProject(start);
    assert.equal(project.projectDir, path.join(repo, 'deploy', 'app'));
    assert.equal(project.gitRoot, repo);
    assert.equal(project.subDir, 'deploy/app');
    assert.equal(project.originUrl, 'git@github.com:Acme/Deployments.git');
    assert.equal(repoKeyString(project.repoKey), 'git://github.com/acme/deployments');
  });

  it('recognises .kluctl.yml as well', async () => {
    const repo = initRepo(path.join(tmp, 'repo'), 'https://github.com/acme/d.git');
    write(path.join(repo, 'p', '.kluctl.yml'));
    fs.mkdirSync(path.join(repo, 'p', 'sub'));
    assert.equal((await findLocalProject(path.join(repo, 'p', 'sub'))).subDir, 'p');
  });

  it('uses the start directory when no .kluctl.yaml is inside the checkout, ignoring one above the Git root', async () => {
    write(path.join(tmp, '.kluctl.yaml'));
    const repo = initRepo(path.join(tmp, 'repo'), 'https://github.com/acme/d.git');
    const start = path.join(repo, 'some', 'dir');
    fs.mkdirSync(start, { recursive: true });
    const project = await findLocalProject(start);
    assert.equal(project.projectDir, start);
    assert.equal(project.subDir, 'some/dir');
  });

  it('gives "" as the sub-directory of a project at the Git root', async () => {
    const repo = initRepo(path.join(tmp, 'repo'), 'https://github.com/acme/d.git');
    write(path.join(repo, '.kluctl.yaml'));
    assert.equal((await findLocalProject(repo)).subDir, '');
  });

  it('takes the first URL of origin and ignores other remotes', async () => {
    const repo = initRepo(path.join(tmp, 'repo'));
    git(repo, 'remote', 'add', 'upstream', 'https://github.com/upstream/d.git');
    git(repo, 'remote', 'add', 'origin', 'https://github.com/acme/first.git');
    git(repo, 'config', '--add', 'remote.origin.url', 'https://github.com/acme/second.git');
    assert.equal(repoKeyString((await findLocalProject(repo)).repoKey), 'git://github.com/acme/first');
  });

  it('finds the main repository’s config from a linked worktree (.git file + commondir)', async () => {
    const repo = initRepo(path.join(tmp, 'repo'), 'ssh://git@gitlab.example.com:22/g/r.git');
    write(path.join(repo, 'app', '.kluctl.yaml'));
    git(repo, 'add', '--all');
    git(repo, 'commit', '--quiet', '-m', 'init');
    const worktree = path.join(tmp, 'wt');
    git(repo, 'worktree', 'add', '--quiet', worktree, '-b', 'feature');
    assert.ok(fs.statSync(path.join(worktree, '.git')).isFile());

    const project = await findLocalProject(path.join(worktree, 'app'));
    assert.equal(project.gitRoot, worktree);
    assert.equal(project.subDir, 'app');
    assert.equal(repoKeyString(project.repoKey), 'git://gitlab.example.com/g/r');
  });

  it('reads a submodule’s own origin through its relative gitdir pointer', async () => {
    const upstream = initRepo(path.join(tmp, 'upstream'));
    git(upstream, 'commit', '--quiet', '--allow-empty', '-m', 'init');
    const repo = initRepo(path.join(tmp, 'repo'), 'https://github.com/acme/parent.git');
    git(repo, 'submodule', '--quiet', 'add', upstream, 'sub');
    git(path.join(repo, 'sub'), 'remote', 'set-url', 'origin', 'https://github.com/acme/child.git');
    assert.match(fs.readFileSync(path.join(repo, 'sub', '.git'), 'utf8'), /^gitdir: \.\.\//);

    const project = await findLocalProject(path.join(repo, 'sub'));
    assert.equal(project.gitRoot, path.join(repo, 'sub'));
    assert.equal(repoKeyString(project.repoKey), 'git://github.com/acme/child');
  });

  it('says clearly when the directory is not in a Git repository', async () => {
    const error = await rejection(findLocalProject(tmp));
    assert.equal(error.problem, 'notGitRepository');
    assert.match(error.message, /is not in a Git repository/);
  });

  it('says clearly when there is no origin remote', async () => {
    const repo = initRepo(path.join(tmp, 'repo'));
    git(repo, 'remote', 'add', 'upstream', 'https://github.com/upstream/d.git');
    const error = await rejection(findLocalProject(repo));
    assert.equal(error.problem, 'noOriginRemote');
    assert.match(error.message, /no remote named "origin".*git remote add origin/);
  });

  it('rejects an origin that is a local path, as Kluctl cannot use it', async () => {
    const repo = initRepo(path.join(tmp, 'repo'), '/srv/git/d.git');
    const error = await rejection(findLocalProject(repo));
    assert.equal(error.problem, 'unsupportedOriginUrl');
    assert.match(error.message, /local paths are not supported/);
  });

  describe('relativeSubDir', () => {
    it('joins Windows path segments with forward slashes, case-insensitively on the drive', () => {
      assert.equal(relativeSubDir('C:\\work\\repo', 'C:\\work\\repo\\deploy\\app', path.win32), 'deploy/app');
      assert.equal(relativeSubDir('c:\\Work\\Repo', 'C:\\work\\repo\\x', path.win32), 'x');
      assert.equal(relativeSubDir('C:\\work\\repo', 'C:\\work\\repo', path.win32), '');
    });

    it('is "" for the root and slash-separated below it on POSIX', () => {
      assert.equal(relativeSubDir('/r', '/r'), '');
      assert.equal(relativeSubDir('/r', '/r/a/b'), 'a/b');
    });
  });
});

describe('gitops/gitConfig remoteUrls', () => {
  it('reads url entries of [remote "origin"] only, in order', () => {
    const config = [
      '[core]',
      '\turl = https://not-a-remote/x',
      '[remote "upstream"]',
      '\turl = https://github.com/upstream/x.git',
      '[remote "origin"]',
      '\turl = https://github.com/acme/x.git',
      '\tfetch = +refs/heads/*:refs/remotes/origin/*',
      '\tpushurl = git@github.com:acme/x.git',
      '\tURL = https://mirror.example.com/acme/x.git',
    ].join('\n');
    assert.deepEqual(remoteUrls(config, 'origin'), [
      'https://github.com/acme/x.git',
      'https://mirror.example.com/acme/x.git',
    ]);
  });

  it('treats section names case-insensitively and subsection names case-sensitively', () => {
    assert.deepEqual(remoteUrls('[REMOTE "origin"]\nurl = a', 'origin'), ['a']);
    assert.deepEqual(remoteUrls('[remote "Origin"]\nurl = a', 'origin'), []);
  });

  it('understands the deprecated [remote.origin] header', () => {
    assert.deepEqual(remoteUrls('[remote.origin]\n  url=https://h/x', 'origin'), ['https://h/x']);
  });

  it('strips comments and quotes, keeps # inside quotes, and joins continuation lines', () => {
    const config = [
      '[remote "origin"] ; comment',
      '  url = "https://h/a#b" # trailing',
      '  url = https://h/\\',
      'continued ; c',
      '# url = https://commented/out',
    ].join('\r\n');
    assert.deepEqual(remoteUrls(config, 'origin'), ['https://h/a#b', 'https://h/continued']);
  });

  it('reads a key written on the header line', () => {
    assert.deepEqual(remoteUrls('[remote "origin"] url = https://h/x', 'origin'), ['https://h/x']);
  });
});
