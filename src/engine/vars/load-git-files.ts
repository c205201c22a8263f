/**
 * `gitFiles` vars (Kluctl v2.28; v2.22 has no such source): for each branch/tag matching `ref`, the files matching
 * the globs, each with its content and optionally rendered and parsed. Always a list, so `targetPath` is required.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GitRepoCache } from '../git/repo-cache.js';
import { matchRefs, refObject } from '../git/refs.js';
import type { VarsSource } from '../project/types.js';
import { parseYaml, parseYamlAll } from '../yaml/strict.js';
import { globToRegExp } from './glob.js';
import { setNested, setOwn, type JsonObject } from '../../kluctl/uo/merge.js';
import { SopsDecryptor } from '../sops/decryptor.js';
import { asContext, rendererFor } from './templating.js';
import { decodeUtf8 } from '../../util/utf8.js';
import { ProjectError } from '../errors.js';

type GitFilesSource = NonNullable<VarsSource['gitFiles']>;
type GitFileSpec = NonNullable<GitFilesSource['files']>[number];

interface FileMatch {
  file: GitFileSpec;
  path: string;
  size: number;
  content: string;
  parsed?: unknown;
}

/** Files below `dir` in Go's filepath.Walk order (lexical per directory), `.git` left out. */
function walkFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  const names = fs.readdirSync(path.join(dir, rel)).sort();
  for (const name of names) {
    const relPath = rel ? `${rel}/${name}` : name;
    if (!rel && name === '.git') continue;
    if (fs.statSync(path.join(dir, relPath)).isDirectory()) out.push(...walkFiles(dir, relPath));
    else out.push(relPath);
  }
  return out;
}

/** The spec as Kluctl echoes it: false flags are omitted. */
function specCopy(f: GitFileSpec): GitFileSpec {
  return {
    glob: f.glob,
    ...(f.render && { render: true }),
    ...(f.parseYaml && { parseYaml: true }),
    ...(f.yamlMultiDoc && { yamlMultiDoc: true }),
  };
}

async function matchFile(
  dir: string,
  relPath: string,
  spec: GitFileSpec,
  vars: JsonObject,
  sops: SopsDecryptor,
): Promise<FileMatch> {
  const raw = fs.readFileSync(path.join(dir, relPath));
  let content = decodeUtf8(raw);
  if (content === undefined) throw new ProjectError(relPath, undefined, 'invalid UTF-8');
  if (spec.render) {
    try {
      content = rendererFor([]).renderString(content, asContext(vars), { name: relPath });
    } catch (error) {
      throw new Error(`failed to render ${relPath}: ${(error as Error).message}`, { cause: error });
    }
  }
  let size = raw.length;
  // As Kluctl (v2.28): rendered, then decrypted; size is then the decrypted size.
  const decrypted = await sops.maybeDecrypt(content, relPath);
  if (decrypted.encrypted) {
    content = decrypted.data.toString('utf8');
    size = decrypted.data.length;
  }
  const match: FileMatch = { file: specCopy(spec), path: relPath, size, content };
  if (spec.parseYaml) {
    try {
      match.parsed = (spec.yamlMultiDoc ? parseYamlAll(content, relPath) : parseYaml(content, relPath)) ?? null;
    } catch (error) {
      throw new Error(`failed to parse ${relPath}: ${(error as Error).message}`, { cause: error });
    }
  }
  return match;
}

export async function loadGitFiles(
  cache: GitRepoCache,
  vars: JsonObject,
  src: GitFilesSource,
  ignoreMissing: boolean,
  signal?: AbortSignal,
  sops: SopsDecryptor = new SopsDecryptor({ env: process.env, signal }),
): Promise<unknown> {
  const info = await cache.repoInfo(src.url, signal);
  const refs = matchRefs(info, src.ref);
  if (refs.length === 0 && ignoreMissing) return null;
  const specs = (src.files ?? []).map((f) => ({ spec: f, regex: globToRegExp(f.glob) }));

  const results: JsonObject[] = [];
  for (const ref of refs) {
    const dir = await cache.checkoutCommit(src.url, ref.commit, signal);
    const files: FileMatch[] = [];
    for (const relPath of walkFiles(dir)) {
      const hit = specs.find((s) => s.regex.test(relPath));
      if (hit) files.push(await matchFile(dir, relPath, hit.spec, vars, sops));
    }
    const filesByPath: JsonObject = {};
    const filesTree: JsonObject = {};
    for (const f of files) {
      setOwn(filesByPath, f.path, f);
      setNested(filesTree, f.path.split('/'), f);
    }
    results.push({ ref: refObject(ref.refName!), refStr: ref.refName!, files, filesByPath, filesTree });
  }
  return structuredClone(results);
}
