import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../../harness/paths.js';

const ALLOWED = [
  /^node:/,
  /^@grpc\/grpc-js$/,
  /^@grpc\/proto-loader$/,
  /^protobufjs$/,
  /^tar$/,
  /^ignore$/,
  /^@kubernetes\/client-node$/,
  /^\.\.?\/.*\.js$/,
];

describe('source override module boundaries', () => {
  it('imports only built-ins, its protocol dependencies and relative .js modules (never vscode)', () => {
    const dir = path.join(REPO_ROOT, 'src', 'gitops', 'sourceOverride');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
    const offenders = files.flatMap((file) =>
      [
        ...fs
          .readFileSync(path.join(dir, file), 'utf8')
          .matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g),
      ]
        .map((m) => m[1])
        .filter((spec) => !ALLOWED.some((allowed) => allowed.test(spec)))
        .map((spec) => `${file}: ${spec}`),
    );
    assert.ok(files.length > 5);
    assert.deepEqual(offenders, []);
  });
});
