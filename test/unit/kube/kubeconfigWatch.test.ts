import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { watchKubeconfigFiles } from '../../../src/kube/kubeconfigWatch.js';

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('kubeconfig file watch', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-watch-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports a file written in place, replaced by a rename, deleted and created again; not other files', async () => {
    const file = path.join(dir, 'config');
    fs.writeFileSync(file, 'a');
    let changes = 0;
    const stop = watchKubeconfigFiles([file, path.join(dir, 'missing-dir', 'config')], () => changes++, 50);
    try {
      fs.writeFileSync(path.join(dir, 'other'), 'x');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(changes, 0, 'another file in the directory');
      fs.writeFileSync(file, 'b');
      await until('in-place write', () => changes === 1);
      fs.writeFileSync(`${file}.tmp`, 'c');
      fs.renameSync(`${file}.tmp`, file);
      await until('replaced by rename', () => changes === 2);
      fs.writeFileSync(file, 'd');
      await until('written after the rename (the directory is watched, not the old inode)', () => changes === 3);
      fs.rmSync(file);
      await until('deleted', () => changes === 4);
      fs.writeFileSync(file, 'e');
      await until('created again', () => changes === 5);
    } finally {
      stop();
    }
    fs.writeFileSync(file, 'f');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(changes, 5, 'nothing after stop');
  });
});
