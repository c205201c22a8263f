/**
 * SOPS's value format, `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` (sops aes/cipher.go): AES-256-GCM with the
 * data key, the leaf's key path (`a:b:`) as additional data, and the plaintext's type. An altered value or a wrong
 * path fails the GCM tag. The file's MAC is not checked, as Kluctl does not check it (templating may have changed
 * unencrypted values next to encrypted ones).
 */

import { createDecipheriv } from 'node:crypto';
import { SopsError } from './errors.js';
import { isEncryptedPath, type SopsMetadata } from './metadata.js';
import type { DotenvLine, SopsDocument, Tree } from './stores.js';

const ENC = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function b64(s: string, what: string): Buffer {
  if (!B64.test(s) || s.length % 4 !== 0) throw new Error(`Error base64-decoding ${what}`);
  return Buffer.from(s, 'base64');
}

export type Plain = string | number | boolean | { comment: string };

/** One value; `additionalData` is the leaf's path joined with ':' plus a trailing ':'. */
export function decryptValue(value: string, key: Uint8Array, additionalData: string): Plain {
  if (value === '') return '';
  const m = ENC.exec(value);
  if (!m)
    throw new Error(
      `Input string ${value.length > 60 ? `${value.slice(0, 60)}…` : value} does not match sops' data format`,
    );
  const data = b64(m[1], 'data');
  const iv = b64(m[2], 'iv');
  const tag = b64(m[3], 'tag');
  if (key.length !== 32) throw new Error('the data key is not 256 bits');
  if (iv.length === 0 || tag.length !== 16) throw new Error('Could not decrypt with AES_GCM: bad iv or tag');
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    d.setAAD(Buffer.from(additionalData, 'utf8'));
    d.setAuthTag(tag);
    plain = Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw new Error('Could not decrypt with AES_GCM: cipher: message authentication failed');
  }
  const text = plain.toString('utf8');
  switch (m[4]) {
    case 'str':
    case 'bytes':
      return text;
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) throw new Error(`strconv.Atoi: parsing "${text}": invalid syntax`);
      return Number(text);
    }
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n))
        throw new Error(`strconv.ParseFloat: parsing "${text}": invalid syntax`);
      return n;
    }
    case 'bool': {
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
      throw new Error(`strconv.ParseBool: parsing "${text}": invalid syntax`);
    }
    case 'comment':
      return { comment: text };
    default:
      throw new Error(`Unknown datatype: ${m[4]}`);
  }
}

function leaf(v: Tree, path: string[], key: Uint8Array, m: SopsMetadata): Tree {
  if (v === null || !isEncryptedPath(m, path)) return v;
  if (typeof v !== 'string') throw new Error(`Could not decrypt value: the value at ${path.join('.')} is not a string`);
  const plain = decryptValue(v, key, `${path.join(':')}:`);
  if (typeof plain === 'object') throw new Error(`Could not decrypt value at ${path.join('.')}: a comment`);
  return plain;
}

function walk(v: Tree, path: string[], key: Uint8Array, m: SopsMetadata): Tree {
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, walk(x, [...path, k], key, m)]));
  if (Array.isArray(v)) return v.map((x) => walk(x, path, key, m));
  return leaf(v, path, key, m);
}

function dotenvLine(l: DotenvLine, key: Uint8Array, m: SopsMetadata): DotenvLine {
  if ('comment' in l) {
    // SOPS keeps a comment it cannot decrypt as it is (files from older SOPS versions).
    try {
      const plain = isEncryptedPath(m, []) ? decryptValue(l.comment, key, ':') : l.comment;
      return { comment: typeof plain === 'object' ? plain.comment : String(plain) };
    } catch {
      return l;
    }
  }
  const v = leaf(l.value, [l.key], key, m);
  return { key: l.key, value: typeof v === 'object' ? JSON.stringify(v) : String(v) };
}

/** The document with every encrypted leaf decrypted (sops.Tree.Decrypt, without the MAC). */
export function decryptDocument(doc: SopsDocument, key: Uint8Array, file: string): SopsDocument {
  try {
    if (doc.format === 'dotenv') return { ...doc, lines: doc.lines.map((l) => dotenvLine(l, key, doc.metadata)) };
    return { ...doc, docs: doc.docs.map((d) => walk(d, [], key, doc.metadata)) };
  } catch (e) {
    throw new SopsError(file, `error decrypting sops tree: ${(e as Error).message}`);
  }
}
