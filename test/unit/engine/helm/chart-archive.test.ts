import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readChartArchive, writeChartFiles } from '../../../../src/engine/helm/chart-archive.js';
import { tarEntry as entry, tarGz as tgz } from '../../../harness/tar.js';

describe('engine/helm chart archives (Helm loader rules, with limits)', () => {
  it('drops the top directory, skips directories and links, trims a BOM', () => {
    const files = readChartArchive(
      tgz(
        entry('demo/', '', '5'),
        entry('demo/Chart.yaml', 'name: demo\nversion: 1.0.0\n'),
        entry(
          'demo/templates/cm.yaml',
          Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('kind: ConfigMap\n')]),
        ),
        entry('demo/templates/link.yaml', '', '2', '/etc/passwd'),
        entry('demo/hard', '', '1', 'demo/Chart.yaml'),
      ),
    );
    assert.deepEqual(
      files.map((f) => [f.name, f.data.toString()]),
      [
        ['Chart.yaml', 'name: demo\nversion: 1.0.0\n'],
        ['templates/cm.yaml', 'kind: ConfigMap\n'],
      ],
    );
  });

  it('rejects parent references, absolute paths, drive names and a Chart.yaml outside the chart dir', () => {
    assert.throws(() => readChartArchive(tgz(entry('demo/../../evil', 'x'))), /illegally references parent directory/);
    assert.throws(() => readChartArchive(tgz(entry('demo//etc/x', 'x'))), /absolute paths/);
    assert.throws(() => readChartArchive(tgz(entry('demo/C:/x', 'x'))), /illegally named files/);
    assert.throws(
      () => readChartArchive(tgz(entry('Chart.yaml', 'x'))),
      /outside the base directory|not in base directory/,
    );
  });

  it('enforces the size and entry limits and rejects what is no tgz', () => {
    const limits = { maxTotalBytes: 100, maxFileBytes: 60, maxEntries: 3 };
    assert.throws(() => readChartArchive(tgz(entry('d/a', 'x'.repeat(61))), limits), /larger than the limit of 60/);
    assert.throws(
      () => readChartArchive(tgz(entry('d/a', 'x'.repeat(60)), entry('d/b', 'x'.repeat(60))), limits),
      /expands to more than the limit of 100/,
    );
    assert.throws(
      () => readChartArchive(tgz(entry('d/a', ''), entry('d/b', ''), entry('d/c', ''), entry('d/e', '')), limits),
      /more than 3 entries/,
    );
    // A gzip bomb stops at the output limit instead of filling memory.
    assert.throws(() => readChartArchive(zlib.gzipSync(Buffer.alloc(10_000_000)), limits), /not a valid chart archive/);
    assert.throws(() => readChartArchive(Buffer.from('not gzip')), /not a valid chart archive/);
  });

  it('writes files inside the target only, never through an existing link', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-archive-'));
    try {
      writeChartFiles(path.join(dir, 'out'), [{ name: 'templates/a.yaml', data: Buffer.from('a') }]);
      assert.equal(fs.readFileSync(path.join(dir, 'out', 'templates', 'a.yaml'), 'utf8'), 'a');
      assert.equal(fs.statSync(path.join(dir, 'out', 'templates', 'a.yaml')).mode & 0o777, 0o644);
      fs.symlinkSync(path.join(dir, 'victim'), path.join(dir, 'out', 'b.yaml'));
      assert.throws(
        () => writeChartFiles(path.join(dir, 'out'), [{ name: 'b.yaml', data: Buffer.from('b') }]),
        /EEXIST/,
      );
      assert.equal(fs.existsSync(path.join(dir, 'victim')), false);
      assert.throws(
        () => writeChartFiles(path.join(dir, 'out'), [{ name: '../x', data: Buffer.from('x') }]),
        /outside/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
