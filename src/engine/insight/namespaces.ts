/**
 * Objects without a namespace where one is needed (issue #18): a namespaced kind whose rendered object has no
 * namespace after the object itself, its kustomization (`namespace:`) and `overrideNamespace` had their say. Offline,
 * so namespaced-ness comes from the CRDs the project renders and kustomize's table of built-in kinds; a kind known to
 * neither is not judged. Helm's objects are not either (Helm gives them the release namespace). Each problem is shown
 * at the object in its source file (the `name:` line of its metadata), else at the item's `path:` in deployment.yaml.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeObject } from '../../kube/objects.js';
import { HELM_INSTALL_NAMESPACE } from '../helm/helm-chart.js';
import { RESOURCE_DEFINITIONS } from '../kustomize/patches/merge-schema-data.js';
import { isClusterScoped, parseApiVersion } from '../kustomize/resid.js';
import type { InsightDiagnostic } from './diagnostics.js';
import { findInFile } from './locate.js';

export interface ItemObjects {
  /** The item dir, slash-separated relative to `sourceDir`. */
  dir?: string;
  objects: readonly KubeObject[];
}

/** Files read per item to find an object, and their size: bounded, like every read of a checkout. */
const MAX_FILES = 500;
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** By `group/kind`: whether built-in kinds are namespaced (any version kustomize knows). */
const BUILT_IN = (() => {
  const out = new Map<string, boolean>();
  for (const key of Object.keys(RESOURCE_DEFINITIONS)) {
    const [apiVersion, kind] = key.split(' ');
    const { group, version } = parseApiVersion(apiVersion);
    out.set(`${group}/${kind}`, !isClusterScoped({ group, version, kind }));
  }
  return out;
})();

/** Namespaced-ness of a kind: a CRD of the project first, then the built-in table; undefined when unknown. */
export function namespacedKinds(
  objects: readonly KubeObject[],
): (apiVersion: string, kind: string) => boolean | undefined {
  const fromCrds = new Map<string, boolean>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || parseApiVersion(o.apiVersion ?? '').group !== 'apiextensions.k8s.io')
      continue;
    const spec = (o.spec ?? {}) as { scope?: string; group?: string; names?: { kind?: string } };
    if (spec.scope && spec.group && spec.names?.kind)
      fromCrds.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Namespaced');
  }
  return (apiVersion, kind) => {
    const key = `${parseApiVersion(apiVersion).group}/${kind}`;
    return fromCrds.get(key) ?? BUILT_IN.get(key);
  };
}

export function missingNamespaceDiagnostics(
  items: readonly ItemObjects[],
  sourceDir: string,
  deploymentFileOf: (itemDir: string) => string | undefined,
): InsightDiagnostic[] {
  const namespaced = namespacedKinds(items.flatMap((i) => i.objects));
  const out: InsightDiagnostic[] = [];
  for (const item of items) {
    const missing = item.objects.filter(
      (o) =>
        !o.metadata?.namespace &&
        o.metadata?.annotations?.[HELM_INSTALL_NAMESPACE] === undefined &&
        namespaced(o.apiVersion ?? '', o.kind ?? '') === true,
    );
    if (!missing.length || item.dir === undefined) continue;
    const itemDir = path.join(sourceDir, item.dir);
    const files = yamlFiles(itemDir);
    for (const o of missing) {
      const message =
        `${o.kind} ${o.metadata.name} has no namespace: ${o.kind} is namespaced, and neither the object, ` +
        `its kustomization (namespace:) nor overrideNamespace gives it one (a deploy would put it in 'default')`;
      const at = locateObject(files, o.kind ?? '', o.metadata.name ?? '');
      if (at) {
        out.push({ ...at, message, severity: 'warning', code: 'namespace' });
        continue;
      }
      const deploymentFile = deploymentFileOf(itemDir);
      const hit = deploymentFile ? findInFile(deploymentFile, path.basename(item.dir)) : undefined;
      out.push({
        file: deploymentFile ?? itemDir,
        line: hit?.line ?? 1,
        column: hit?.column ?? 1,
        endColumn: hit ? hit.column + path.basename(item.dir).length : undefined,
        message,
        severity: 'warning',
        code: 'namespace',
      });
    }
  }
  return out;
}

/** The YAML files below an item dir (sorted, bounded), with their text. */
function yamlFiles(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (d: string, depth: number) => {
    if (depth > 8 || out.length >= MAX_FILES) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      const f = path.join(d, e.name);
      if (e.isDirectory() && !e.name.startsWith('.')) walk(f, depth + 1);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) {
        try {
          if (fs.statSync(f).size <= MAX_FILE_BYTES) out.push({ file: f, text: fs.readFileSync(f, 'utf8') });
        } catch {
          // unreadable: not a place to point at
        }
      }
    }
  };
  walk(dir, 0);
  return out;
}

const quoted = (s: string) => `['"]?${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?`;

/** The `name:` line of the document that declares `kind` with metadata name `name` (a literal one). */
export function locateObject(
  files: ReadonlyArray<{ file: string; text: string }>,
  kind: string,
  name: string,
): { file: string; line: number; column: number; endColumn: number } | undefined {
  const kindRe = new RegExp(`^kind:\\s*${quoted(kind)}\\s*(#.*)?$`, 'm');
  const nameRe = new RegExp(`^(\\s+name:\\s*)${quoted(name)}\\s*(#.*)?$`);
  for (const { file, text } of files) {
    const lines = text.split('\n');
    let docStart = 0;
    for (let i = 0; i <= lines.length; i++) {
      if (i < lines.length && !/^---/.test(lines[i])) continue;
      const doc = lines.slice(docStart, i);
      if (kindRe.test(doc.join('\n'))) {
        let inMetadata = false;
        let indent: number | undefined;
        for (const [j, l] of doc.entries()) {
          if (/^metadata:\s*$/.test(l)) {
            inMetadata = true;
            indent = undefined;
            continue;
          }
          if (/^\S/.test(l)) inMetadata = false;
          if (!inMetadata || !l.trim() || l.trimStart().startsWith('#')) continue;
          const own = l.length - l.trimStart().length;
          indent ??= own;
          const m = own === indent ? nameRe.exec(l) : null;
          if (m) return { file, line: docStart + j + 1, column: m[1].length + 1, endColumn: l.trimEnd().length + 1 };
        }
      }
      docStart = i + 1;
    }
  }
  return undefined;
}
