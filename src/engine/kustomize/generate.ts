/**
 * Kluctl's generated kustomization for an item directory without one: every `.yml`/`.yaml` file by name
 * (helm values skipped, a helm chart's output added when it is not rendered yet); with `recursive`, the files of
 * all sub-directories too, where a nested kustomization is an error.
 */

import type { Dirent } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { KustomizeError } from '../errors.js';
import { isPlainObject, parseYaml11, readYamlText } from '../yaml/kustomize.js';

/** The names Kluctl itself looks for (kustomize also knows `Kustomization`). */
const KLUCTL_KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml'];
const HELM_VALUES = ['helm-values.yml', 'helm-values.yaml'];
const HELM_CHART = ['helm-chart.yml', 'helm-chart.yaml'];

export async function generateKustomization(
  dir: string,
  options: { recursive?: boolean } = {},
): Promise<{ resources: string[] }> {
  if (options.recursive) {
    for (const name of KLUCTL_KUSTOMIZATION_NAMES) {
      if (await isFile(path.join(dir, name))) {
        throw new KustomizeError(
          'recursive: true cannot be used when a kustomization.yaml/yml already exists',
          path.join(dir, name),
        );
      }
    }
  }
  const files = options.recursive
    ? await walk(dir, '')
    : (await sortedEntries(dir)).filter((e) => !e.isDirectory()).map((e) => e.name);
  const resources: string[] = [];
  for (const file of files) {
    const base = path.basename(file);
    let resource: string | undefined;
    if (HELM_VALUES.includes(base)) continue;
    if (HELM_CHART.includes(base)) {
      const output = await helmChartOutput(path.join(dir, file));
      if (!(await isFile(path.join(dir, path.dirname(file), output)))) resource = path.join(path.dirname(file), output);
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
async function walk(dir: string, rel: string): Promise<string[]> {
  const files: string[] = [];
  for (const e of await sortedEntries(path.join(dir, rel))) {
    const relPath = rel ? path.join(rel, e.name) : e.name;
    if (e.isDirectory()) {
      files.push(...(await walk(dir, relPath)));
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

async function sortedEntries(dir: string): Promise<Dirent[]> {
  return (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) =>
    Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)),
  );
}

/** `helmChart.output` of a helm-chart.yaml, default `helm-rendered.yaml`. */
async function helmChartOutput(file: string): Promise<string> {
  const { value } = parseYaml11(readYamlText(await fs.readFile(file), file), file);
  const chart = isPlainObject(value) ? value.helmChart : undefined;
  const output = isPlainObject(chart) ? chart.output : undefined;
  return typeof output === 'string' && output ? output : 'helm-rendered.yaml';
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}
