/**
 * What the extension needs only for some commands, built as a bundle of its own, `dist/extension-on-demand.cjs`, and
 * loaded on first use through `onDemandLoader.ts`: the few engine functions the extension runs in its own thread
 * (everything else of the engine runs in the engine worker) and the local source override (gRPC, tar). Activation
 * loads none of it, and `dist/extension.cjs` stays small.
 */

import { loadKluctlProject } from '../engine/deployment/kluctl-project.js';
import { helmAuthProvider } from '../engine/helm/credentials.js';
import { applyChartVersion, checkChartUpdates, helmPullCommand, type ChartUpdate } from '../engine/helm/helm-pull.js';
import { compareVersions, parseVersion } from '../engine/helm/semver.js';
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

/** `kluctl helm-pull` of a project, with the `KLUCTL_HELM_*` credentials of the environment; the actions done. */
export function pullHelmCharts(projectDir: string, signal: AbortSignal, log: (line: string) => void): Promise<number> {
  return helmPullCommand({ projectDir, auth: helmAuthProvider(undefined, process.env), signal, log });
}

/** `kluctl helm-update` without `--upgrade`: every chart with the versions its repository or registry offers. */
export function chartUpdates(
  projectDir: string,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<ChartUpdate[]> {
  return checkChartUpdates({ projectDir, auth: helmAuthProvider(undefined, process.env), signal, log });
}

/** The versions of `versions` newer than `current` (semver, as helm compares them). */
export function newerVersions(versions: readonly string[], current: string): string[] {
  const now = parseVersion(current);
  return versions.filter((v) => {
    const pv = parseVersion(v);
    return pv !== undefined && (!now || compareVersions(pv, now) > 0);
  });
}

/** Writes `version` into a helm-chart.yaml's `chartVersion`, keeping the rest of the file. */
export function writeChartVersion(configFile: string, version: string): void {
  applyChartVersion(configFile, version);
}
