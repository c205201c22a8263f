import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { REPO_ROOT } from './paths.js';

/** Small targetless Kluctl projects for the engine's isolation tests (worker, CLI, VS Code). */

/**
 * A template that does not end within any test: 10^18 iterations of synchronous template code, each building a
 * 100,000-character string, so that the render budget (100M steps, a few seconds for an empty loop) is hours away
 * and only a cancel stops it.
 */
export const LOOPING_TEMPLATE =
  "{% for i in range(10**9) %}{% for j in range(10**9) %}{% if ('x' * 100000) | length == 1 %}!{% endif %}{% endfor %}{% endfor %}";

export function configMapProject(name: string, value: string): Record<string, string> {
  return {
    'deployment.yaml': 'deployments:\n  - path: cm\n',
    'cm/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  x: "${value}"\n`,
  };
}

/** Renders for ever (until cancelled). */
export const LOOPING_PROJECT = configMapProject('loop', LOOPING_TEMPLATE);
/** Renders a ConfigMap with x: "42". */
export const SMALL_PROJECT = configMapProject('small', '{{ 6 * 7 }}');

/** Builds dist/engine-worker.cjs' equivalent into `outfile` (tests do not depend on a previous `npm run build`). */
export async function buildEngineWorker(outfile: string): Promise<string> {
  await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, 'src', 'engine', 'worker', 'engine-worker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  // esbuild keeps a service process for later builds; the suite's leak check wants it gone.
  await esbuild.stop();
  return outfile;
}
