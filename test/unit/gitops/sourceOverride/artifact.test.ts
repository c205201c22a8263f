import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArtifactTooLargeError, SourceOverrideError } from '../../../../src/gitops/sourceOverride/errors.js';
import { buildArtifact } from '../../../../src/gitops/sourceOverride/artifact.js';
import { readArchive } from './archive.js';

describe('source override artifact', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'so-artifact-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const write = (file: string, content: string | Buffer = `${file}\n`, mode?: number): void => {
    const full = path.join(root, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
    if (mode !== undefined) fs.chmodSync(full, mode);
  };

  it('holds relative forward-slash entries, a directory before its contents, in byte order of names', async () => {
    write('b.txt');
    write('a.txt');
    write('a/z.yaml');
    write('a/b/c.yaml');
    write('B.txt');
    write('a-b/x');
    const artifact = await buildArtifact(root);
    // Names are sorted per directory, as Go's filepath.Walk does: "a" < "a-b" < "a.txt".
    const expected = ['B.txt', 'a/', 'a/b/', 'a/b/c.yaml', 'a/z.yaml', 'a-b/', 'a-b/x', 'a.txt', 'b.txt'];
    assert.deepEqual(artifact.entries, expected);
    assert.deepEqual(
      (await readArchive(artifact.data)).map((e) => e.path),
      expected,
    );
    assert.equal(artifact.files, 6);
  });

  it('zeroes owners and times, keeps only the modes Git tracks, and stores contents exactly', async () => {
    write('run.sh', '#!/bin/sh\n', 0o750);
    write('conf/app.yaml', 'a: 1\n', 0o600);
    write('empty', '');
    const entries = await readArchive((await buildArtifact(root)).data);
    assert.deepEqual(
      entries.map((e) => [
        e.path,
        e.type,
        e.mode,
        e.uid,
        e.gid,
        e.uname ?? '',
        e.gname ?? '',
        e.mtime?.getTime() ?? 0,
        e.content,
      ]),
      [
        ['conf/', 'Directory', 0o755, 0, 0, '', '', 0, ''],
        ['conf/app.yaml', 'File', 0o644, 0, 0, '', '', 0, 'a: 1\n'],
        ['empty', 'File', 0o644, 0, 0, '', '', 0, ''],
        ['run.sh', 'File', 0o755, 0, 0, '', '', 0, '#!/bin/sh\n'],
      ],
    );
  });

  it("packs the same tree to the same bytes, whatever the files' times", async () => {
    write('a/b.yaml');
    write('c.txt', randomBytes(5000));
    const first = await buildArtifact(root);
    fs.utimesSync(path.join(root, 'c.txt'), new Date('2001-01-01'), new Date('2001-01-01'));
    const second = await buildArtifact(root);
    assert.ok(first.data.equals(second.data));
    write('c.txt', 'changed');
    assert.ok(!first.data.equals((await buildArtifact(root)).data));
  });

  it('leaves out .git (directory or file, at any depth), symlinks and hard-link entries', async () => {
    write('.git/config', '[core]\n');
    write('.git/objects/x', 'x');
    write('sub/.git', 'gitdir: ../.git/modules/sub\n');
    write('sub/file.txt');
    write('target.txt');
    fs.symlinkSync('target.txt', path.join(root, 'link.txt'));
    fs.symlinkSync('sub', path.join(root, 'linkdir'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'outside'));
    fs.linkSync(path.join(root, 'target.txt'), path.join(root, 'hard.txt'));
    const entries = await readArchive((await buildArtifact(root)).data);
    assert.deepEqual(
      entries.map((e) => `${e.type} ${e.path}`),
      ['File hard.txt', 'Directory sub/', 'File sub/file.txt', 'File target.txt'],
    );
    assert.equal(entries[0].content, 'target.txt\n', 'a hard link is stored as a plain file');
  });

  it('stores long and non-ASCII names exactly (pax records)', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}.yaml`;
    write(long, 'long\n');
    write('über/ümlaut.yaml', 'ü\n');
    const entries = await readArchive((await buildArtifact(root)).data);
    assert.deepEqual(
      entries.map((e) => [e.path, e.content]),
      [
        [`${'d'.repeat(120)}/`, ''],
        [long, 'long\n'],
        ['über/', ''],
        ['über/ümlaut.yaml', 'ü\n'],
      ],
    );
  });

  it('fails when the files hold more than the controller unpacks, naming the largest', async () => {
    write('small.txt', 'x'.repeat(10));
    write('big/data.bin', 'y'.repeat(3000));
    write('mid.bin', 'z'.repeat(2000));
    const error = await buildArtifact(root, { limits: { maxUnpackedBytes: 4096 } }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ArtifactTooLargeError);
    assert.equal(error.problem, 'artifactTooLarge');
    assert.deepEqual(error.largestFiles, [
      { path: 'big/data.bin', size: 3000 },
      { path: 'mid.bin', size: 2000 },
      { path: 'small.txt', size: 10 },
    ]);
    assert.match(
      error.message,
      /its files hold 4\.9 KiB, more than the controller unpacks \(4\.0 KiB\)\. Largest files: big\/data\.bin \(2\.9 KiB\), mid\.bin/,
    );
    assert.match(error.message, /\.gitignore/);
  });

  it('fails when the archive compresses to more than the controller accepts', async () => {
    write('random.bin', randomBytes(64 * 1024));
    write('text.txt', 'a'.repeat(64 * 1024));
    const error = await buildArtifact(root, { limits: { maxArtifactBytes: 32 * 1024 } }).catch((e: unknown) => e);
    assert.ok(error instanceof ArtifactTooLargeError);
    assert.match(error.message, /it compresses to 64\.\d KiB, more than the controller accepts \(32\.0 KiB\)/);
    assert.deepEqual(
      error.largestFiles.map((f) => f.path),
      ['random.bin', 'text.txt'],
    );
  });

  it("the default limits are the controller's: 32 MiB compressed, 64 MiB unpacked", async () => {
    write('a.bin', Buffer.alloc(40 * 1024 * 1024));
    write('b.bin', Buffer.alloc(30 * 1024 * 1024));
    const error = await buildArtifact(root).catch((e: unknown) => e);
    assert.ok(error instanceof ArtifactTooLargeError);
    assert.match(error.message, /its files hold 70\.0 MiB, more than the controller unpacks \(64\.0 MiB\)/);
  });

  it('refuses a name the controller would reject instead of uploading a broken archive', async () => {
    write('back\\slash.yaml');
    const error = await buildArtifact(root).catch((e: unknown) => e);
    assert.ok(error instanceof SourceOverrideError);
    assert.equal(error.problem, 'artifactFailed');
    assert.match(error.message, /"back\\slash\.yaml": the kluctl-controller rejects names containing "\\"/);
  });
});
