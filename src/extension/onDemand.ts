/**
 * What the extension needs only for some commands, built as a bundle of its own, `dist/extension-on-demand.cjs`, and
 * loaded on first use through `onDemandLoader.ts`: the few engine functions the extension runs in its own thread
 * (everything else of the engine runs in the engine worker) and the local source override (gRPC, tar). Activation
 * loads none of it, and `dist/extension.cjs` stays small.
 */

import { loadKluctlProject } from '../engine/deployment/kluctl-project.js';
import { callableDocs, type CallableDoc } from '../engine/insight/docs.js';
import type { KluctlProjectConfig, Target } from '../engine/project/types.js';
import {
  startSourceOverride,
  type SourceOverrideSession,
  type StartSourceOverrideOptions,
} from '../gitops/sourceOverride/session.js';

/** `.kluctl.yaml` of a local project as the engine reads it (targets and declared args; no vars, no cluster). */
export function readKluctlProject(projectDir: string): { config: KluctlProjectConfig; targets: Target[] } {
  const loaded = loadKluctlProject(projectDir, {});
  return { config: loaded.config, targets: loaded.targets };
}

/** The documentation of every Jinja2 and Kluctl function, filter and test, keyed `kind:name`. */
export function templateCallableDocs(): ReadonlyMap<string, CallableDoc> {
  return callableDocs();
}

/** The local source override of one request (port-forward, gRPC proxy, the uploaded checkout). */
export function startLocalSourceOverride(options: StartSourceOverrideOptions): Promise<SourceOverrideSession> {
  return startSourceOverride(options);
}
