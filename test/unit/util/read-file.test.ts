import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFileWithStat } from '../../../src/util/read-file.js';

describe('readFileWithStat', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-read-file-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads what fs.readFileSync reads, with the stat of that file (through a symlink too)', () => {
    const file = path.join(dir, 'a.yaml');
    const big = Buffer.alloc(200_000, 'x');
    for (const content of [Buffer.from('a: 1\n'), Buffer.alloc(0), big]) {
      fs.writeFileSync(file, content);
      const { bytes, stat } = readFileWithStat(file);
      assert.deepEqual(bytes, fs.readFileSync(file));
      const expected = fs.statSync(file);
      assert.deepEqual(
        [stat.ino, stat.size, stat.mtimeMs, stat.ctimeMs],
        [expected.ino, expected.size, expected.mtimeMs, expected.ctimeMs],
      );
    }
    fs.symlinkSync(file, path.join(dir, 'link.yaml'));
    assert.equal(readFileWithStat(path.join(dir, 'link.yaml')).stat.ino, fs.statSync(file).ino);
  });

  it('reads to the end a file whose stat gives no size (procfs)', function () {
    if (!fs.existsSync('/proc/self/status')) this.skip();
    assert.match(readFileWithStat('/proc/self/status').bytes.toString(), /^Name:/);
  });

  it('fails as fs.readFileSync does for a missing file or a directory', () => {
    assert.throws(() => readFileWithStat(path.join(dir, 'missing')), /ENOENT/);
    assert.throws(() => readFileWithStat(dir), /EISDIR/);
  });
});
