/**
 * The few engine functions the extension runs in its own thread (everything else runs in the engine worker). This
 * module is built as a bundle of its own, `dist/extension-engine.cjs`, and loaded on first use through
 * `engineLoader.ts`: activation does not load the template engine, and `dist/extension.cjs` stays small.
 */

import { loadKluctlProject } from '../engine/deployment/kluctl-project.js';
import { callableDocs, type CallableDoc } from '../engine/insight/docs.js';
import type { KluctlProjectConfig, Target } from '../engine/project/types.js';

/** `.kluctl.yaml` of a local project as the engine reads it (targets and declared args; no vars, no cluster). */
export function readKluctlProject(projectDir: string): { config: KluctlProjectConfig; targets: Target[] } {
  const loaded = loadKluctlProject(projectDir, {});
  return { config: loaded.config, targets: loaded.targets };
}

/** The documentation of every Jinja2 and Kluctl function, filter and test, keyed `kind:name`. */
export function templateCallableDocs(): ReadonlyMap<string, CallableDoc> {
  return callableDocs();
}
