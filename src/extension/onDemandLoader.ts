/**
 * Loads `onDemand.ts` on first use, once. In `dist/extension.cjs` the import below is the separate bundle
 * `dist/extension-on-demand.cjs` (esbuild.mjs), required only when a command or an editor feature first needs it.
 */

import type * as OnDemand from './onDemand.js';

let loading: Promise<typeof OnDemand> | undefined;

export function onDemand(): Promise<typeof OnDemand> {
  loading ??= import('./onDemand.js');
  return loading;
}
