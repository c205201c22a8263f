/**
 * Loads `engineOnDemand.ts` on first use, once. In `dist/extension.cjs` the import below is the separate bundle
 * `dist/extension-engine.cjs` (esbuild.mjs), required only when a command or an editor feature first needs it.
 */

import type * as EngineOnDemand from './engineOnDemand.js';

let loading: Promise<typeof EngineOnDemand> | undefined;

export function engineOnDemand(): Promise<typeof EngineOnDemand> {
  loading ??= import('./engineOnDemand.js');
  return loading;
}
