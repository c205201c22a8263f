/**
 * Confining a `kustomize` binary build to the rendered tree, as the native builder's FileLoader confines its own:
 * kustomize's LoadRestrictionsNone (which Kluctl uses) lets `../` and absolute paths read anything, and
 * LoadRestrictionsRootOnly would both break Kluctl's `../base` layouts and still let bases leave the tree. So before
 * the binary runs, every path any kustomization in the build names (recursively) is resolved with FileLoader, which
 * follows symlinks and refuses what lands outside the root; remote resources (which kustomize would fetch with git)
 * are refused as well.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { KustomizeError } from '../errors.js';
import type { FileLoader } from './file-loader.js';
import { findKustomizationFile } from './kustomization.js';
import { isPlainObject, parseYaml11 } from '../yaml/kustomize.js';

/** Fields whose entries are file or directory paths (strings), and fields of objects holding one `path`. */
const PATH_LISTS = [
  'resources',
  'bases',
  'components',
  'crds',
  'configurations',
  'patchesStrategicMerge',
  'transformers',
  'generators',
  'validators',
];
const OBJECT_LISTS_WITH_PATH = ['patches', 'patchesJson6902', 'replacements'];
const GENERATORS = ['configMapGenerator', 'secretGenerator'];
/** kustomize fields that run programs or fetch charts; the binary gets no flag enabling them, but be explicit. */
const REFUSED = ['helmCharts', 'helmChartInflationGenerator', 'helmGlobals'];

const MAX_KUSTOMIZATIONS = 1000;

/** Throws a KustomizeError naming the kustomization file when the build of `dir` would read outside the root. */
export function confineBinaryBuild(dir: string, files: FileLoader): void {
  const seen = new Set<string>();
  const visit = (kdir: string): void => {
    const real = files.resolve(kdir, '.');
    if (seen.has(real)) return;
    seen.add(real);
    if (seen.size > MAX_KUSTOMIZATIONS) throw new KustomizeError(`more than ${MAX_KUSTOMIZATIONS} kustomizations`, dir);
    const file = findKustomizationFile(real);
    if (!file) return;
    const { value, lineOf } = parseYaml11(fs.readFileSync(file, 'utf8'), file);
    if (!isPlainObject(value)) return;
    const check = (p: unknown, key: (string | number)[], mayBeDir: boolean): void => {
      if (typeof p !== 'string' || p === '') return;
      // Inline YAML (patches, transformer configs) is not a path.
      if (p.includes('\n')) return;
      // The line only for an error: finding it may parse the file in full.
      const from = {
        file,
        get line() {
          return lineOf(key);
        },
      };
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || /^(git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/.test(p))
        throw new KustomizeError(
          `remote resource '${p}' is not supported (only files inside the project)`,
          file,
          from.line,
        );
      const abs = files.resolve(real, p, from);
      if (files.kind(abs) === 'file' && files.isTransformed(abs))
        throw new KustomizeError(
          `'${p}' is SOPS-encrypted, and this kustomization needs the kustomize binary, which cannot decrypt it`,
          file,
          from.line,
        );
      if (files.kind(abs) === 'dir') {
        if (!mayBeDir) throw new KustomizeError(`'${p}' is a directory`, file, from.line);
        visit(abs);
      } else if (files.kind(abs) === undefined && mayBeDir && /^[^./][^/]*\.[^/]*\//.test(p)) {
        // Missing and host-like (`example.com/org/repo`): kustomize would try to fetch it with git.
        throw new KustomizeError(
          `remote resource '${p}' is not supported (only files inside the project)`,
          file,
          from.line,
        );
      }
    };
    for (const field of REFUSED)
      if (value[field] !== undefined)
        throw new KustomizeError(`'${field}' is not supported (it would run helm)`, file, lineOf([field]));
    for (const field of PATH_LISTS) {
      const list = value[field];
      if (Array.isArray(list)) list.forEach((p, i) => check(p, [field, i], true));
    }
    for (const field of OBJECT_LISTS_WITH_PATH) {
      const list = value[field];
      if (Array.isArray(list)) list.forEach((x, i) => isPlainObject(x) && check(x.path, [field, i, 'path'], false));
    }
    for (const field of GENERATORS) {
      const list = value[field];
      if (!Array.isArray(list)) continue;
      list.forEach((g, i) => {
        if (!isPlainObject(g)) return;
        const fileList = Array.isArray(g.files) ? (g.files as unknown[]) : [];
        fileList.forEach((f, j) => {
          if (typeof f !== 'string') return;
          const eq = f.indexOf('=');
          check(eq >= 0 ? f.slice(eq + 1) : f, [field, i, 'files', j], false);
        });
        const envs = [...(Array.isArray(g.envs) ? (g.envs as unknown[]) : []), g.env];
        envs.forEach((e) => check(e, [field, i, 'envs'], false));
      });
    }
    if (isPlainObject(value.openapi)) check(value.openapi.path, ['openapi', 'path'], false);
  };
  visit(path.resolve(dir));
}
