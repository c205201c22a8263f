import * as assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { decryptValue } from '../../../../src/engine/sops/cipher.js';
import { isEncryptedPath, toMetadata } from '../../../../src/engine/sops/metadata.js';
import { emitPlain, loadEncrypted } from '../../../../src/engine/sops/stores.js';
import { sopsFormatForPath } from '../../../../src/engine/sops/format.js';
import { SopsDecryptor, SopsKeyNeeded, withSopsKeys } from '../../../../src/engine/sops/decryptor.js';

/** A value in SOPS's format, sealed the way sops aes/cipher.go seals it (32-byte IV, path as additional data). */
function seal(plain: string, key: Buffer, aad: string, type = 'str'): string {
  const iv = randomBytes(32);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:${type}]`;
}

const META =
  'sops:\n  lastmodified: "2024-01-01T00:00:00Z"\n  mac: ""\n  age:\n    - recipient: age1xyz\n      enc: x\n';

describe('SOPS value format and stores', () => {
  const key = randomBytes(32);

  it('decrypts str/int/float/bool values and checks the GCM tag and the key path', () => {
    assert.equal(decryptValue(seal('hello', key, 'a:b:'), key, 'a:b:'), 'hello');
    assert.equal(decryptValue(seal('42', key, 'n:', 'int'), key, 'n:'), 42);
    assert.equal(decryptValue(seal('0.5', key, 'f:', 'float'), key, 'f:'), 0.5);
    assert.equal(decryptValue(seal('True', key, 'b:', 'bool'), key, 'b:'), true);
    assert.equal(decryptValue('', key, 'x:'), '');
    const v = seal('hello', key, 'a:');
    assert.throws(() => decryptValue(v, key, 'b:'), /message authentication failed/, 'moved to another key');
    const altered = v.replace(/data:(.)/, (_m, c: string) => `data:${c === 'A' ? 'B' : 'A'}`);
    assert.throws(() => decryptValue(altered, key, 'a:'), /message authentication failed/);
    assert.throws(() => decryptValue(v, randomBytes(32), 'a:'), /message authentication failed/);
    assert.throws(() => decryptValue('plain', key, 'a:'), /does not match sops' data format/);
  });

  it('encryption rules as SOPS applies them', () => {
    const m = (extra: string) => toMetadata({ lastmodified: '2024-01-01T00:00:00Z', ...JSON.parse(extra) }, 'f');
    assert.equal(isEncryptedPath(m('{}'), ['a', 'b']), true);
    assert.equal(isEncryptedPath(m('{}'), ['a_unencrypted', 'b']), false, 'default unencrypted_suffix');
    assert.equal(isEncryptedPath(m('{"encrypted_suffix":"_enc"}'), ['x', 'pw_enc']), true);
    assert.equal(isEncryptedPath(m('{"encrypted_suffix":"_enc"}'), ['x', 'pw']), false);
    assert.equal(isEncryptedPath(m('{"encrypted_regex":"^(data|stringData)$"}'), ['stringData', 'k']), true);
    assert.equal(isEncryptedPath(m('{"encrypted_regex":"^(data|stringData)$"}'), ['metadata', 'name']), false);
    assert.equal(isEncryptedPath(m('{"unencrypted_regex":"^meta"}'), ['metadata', 'name']), false);
    assert.throws(() => m('{"encrypted_regex":"a","encrypted_suffix":"b"}'), /more than one of/);
    assert.throws(() => toMetadata({ lastmodified: 'yesterday' }, 'f.yaml'), /f\.yaml: .*lastmodified/);
  });

  it('formats by file name, as SOPS decides them', () => {
    assert.deepEqual(['a.yaml', 'a.yml', 'a.json', '.env', 'x.ini', 'id_rsa', 'a.yaml.txt'].map(sopsFormatForPath), [
      'yaml',
      'yaml',
      'json',
      'dotenv',
      'ini',
      'binary',
      'binary',
    ]);
  });

  it('plain files are not SOPS files; a `sops: null` is not metadata', () => {
    assert.equal(loadEncrypted('a: 1\n', 'yaml', 'f'), undefined);
    assert.equal(loadEncrypted('sops: null\n', 'yaml', 'f'), undefined);
    assert.equal(loadEncrypted('not: [valid', 'yaml', 'f'), undefined);
    assert.equal(loadEncrypted('A=1\n# sops\n', 'dotenv', 'f'), undefined);
    assert.equal(loadEncrypted('just text mentioning sops', 'binary', 'f'), undefined);
    assert.throws(
      () => loadEncrypted('[sops]\nmac=x\n', 'ini', 'x.ini'),
      /x\.ini: SOPS-encrypted INI files are not supported/,
    );
  });

  it('reads dotenv metadata from flattened sops_ keys and writes values back escaped', () => {
    const doc = loadEncrypted(
      'A=x\n#c\nsops_age__list_0__map_recipient=age1abc\nsops_age__list_0__map_enc=line1\\nline2\nsops_lastmodified=2024-01-01T00:00:00Z\n',
      'dotenv',
      'f.env',
    )!;
    assert.deepEqual(doc.metadata.keyGroups, [[{ type: 'age', recipient: 'age1abc', enc: 'line1\nline2' }]]);
    assert.equal(emitPlain(doc), 'A=x\n#c\n');
  });

  it('writes decrypted YAML with go-yaml v3 quoting of ambiguous strings, JSON as Go indents it', () => {
    const y = loadEncrypted(`a:\n  b: "yes"\n  c: [1, "2"]\n  "1": x\n${META}`, 'yaml', 'f')!;
    assert.equal(emitPlain(y), 'a:\n    b: "yes"\n    c:\n        - 1\n        - "2"\n    "1": x\n');
    const j = loadEncrypted(
      `{"b": "<&>", "a": {"n": 1, "l": []}, "sops": {"lastmodified": "2024-01-01T00:00:00Z"}}`,
      'json',
      'f',
    )!;
    assert.equal(emitPlain(j), '{\n\t"b": "\\u003c\\u0026\\u003e",\n\t"a": {\n\t\t"n": 1,\n\t\t"l": []\n\t}\n}');
  });

  it('a synchronous reader asks for a missing data key and gets it on the next round; unknown keys fail naming them', async () => {
    const d = new SopsDecryptor({ env: { XDG_CONFIG_HOME: '/nonexistent-kluctl-ts-test' } });
    const text = `a: ${seal('v', key, 'a:')}\n${META}`;
    assert.throws(() => d.decryptSync(text, 'f.yaml'), SopsKeyNeeded);
    await assert.rejects(
      withSopsKeys(d, () => d.decryptSync(text, 'f.yaml')),
      /failed to decrypt file f\.yaml: cannot get sops data key: .*age recipient age1xyz: no age identity found/,
    );
    assert.equal(d.decryptSync('a: 1\n', 'f.yaml').encrypted, false);
  });
});
