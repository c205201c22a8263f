/**
 * Kluctl's generated kustomization for an item directory without one: every `.yml`/`.yaml` file by name
 * (helm values skipped, a helm chart's output added when it is not rendered yet); with `recursive`, the files of
 * all sub-directories too, where a nested kustomization is an error.
 */

import * as path from 'node:path';
import { KustomizeError } from '../errors.js';
import { diskFs, type TreeEntry, type TreeFs } from './tree-fs.js';
import { isPlainObject, parseYaml11, readYamlText } from '../yaml/kustomize.js';

/** The names Kluctl itself looks for (kustomize also knows `Kustomization`). */
const KLUCTL_KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml'];
const HELM_VALUES = ['helm-values.yml', 'helm-values.yaml'];
const HELM_CHART = ['helm-chart.yml', 'helm-chart.yaml'];

export function generateKustomization(
  dir: string,
  options: { recursive?: boolean; tree?: TreeFs } = {},
): Promise<{ resources: string[] }> {
  // The executor turns a throw into a rejection, as the former async version did.
  return new Promise((resolve) => resolve(generate(dir, options)));
}

function generate(dir: string, options: { recursive?: boolean; tree?: TreeFs }): { resources: string[] } {
  const tree = options.tree ?? diskFs;
  if (options.recursive) {
    for (const name of KLUCTL_KUSTOMIZATION_NAMES) {
      if (tree.kind(path.join(dir, name)) === 'file') {
        throw new KustomizeError(
          'recursive: true cannot be used when a kustomization.yaml/yml already exists',
          path.join(dir, name),
        );
      }
    }
  }
  const files = options.recursive
    ? walk(tree, dir, '')
    : sortedEntries(tree, dir)
        .filter((e) => !e.isDirectory)
        .map((e) => e.name);
  const resources: string[] = [];
  for (const file of files) {
    const base = path.basename(file);
    let resource: string | undefined;
    if (HELM_VALUES.includes(base)) continue;
    if (HELM_CHART.includes(base)) {
      const output = helmChartOutput(tree, path.join(dir, file));
      if (tree.kind(path.join(dir, path.dirname(file), output)) !== 'file')
        resource = path.join(path.dirname(file), output);
    } else if (/\.ya?ml$/i.test(file)) {
      resource = file;
    }
    if (resource === undefined) continue;
    const clean = path.posix.normalize(resource.split(path.sep).join('/'));
    if (!resources.includes(clean)) resources.push(clean);
  }
  return { resources };
}

/** Files below `dir` in filepath.WalkDir order (by name, depth first), relative to `dir`. */
function walk(tree: TreeFs, dir: string, rel: string): string[] {
  const files: string[] = [];
  for (const e of sortedEntries(tree, path.join(dir, rel))) {
    const relPath = rel ? path.join(rel, e.name) : e.name;
    if (e.isDirectory) {
      files.push(...walk(tree, dir, relPath));
      continue;
    }
    if (KLUCTL_KUSTOMIZATION_NAMES.includes(e.name)) {
      throw new KustomizeError(
        'recursive: true cannot be used when a nested kustomization.yaml/yml already exists',
        path.join(dir, relPath),
      );
    }
    files.push(relPath);
  }
  return files;
}

function sortedEntries(tree: TreeFs, dir: string): TreeEntry[] {
  return tree.readdir(dir).sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}

/** `helmChart.output` of a helm-chart.yaml, default `helm-rendered.yaml`. */
function helmChartOutput(tree: TreeFs, file: string): string {
  const { value } = parseYaml11(readYamlText(tree.readFile(file), file), file);
  const chart = isPlainObject(value) ? value.helmChart : undefined;
  const output = isPlainObject(chart) ? chart.output : undefined;
  return typeof output === 'string' && output ? output : 'helm-rendered.yaml';
}
