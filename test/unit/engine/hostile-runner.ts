/**
 * Child-process side of hostile-render.test.ts: renders one project offline and prints one JSON line with the
 * outcome, the time taken and the process's peak RSS, so the test can bound time and memory from outside (a V8
 * abort shows up as a signal or a missing line, not as a dead test runner).
 *
 * argv: <projectDir> [target] [maxSteps] [-a name=value]...
 */

import { renderProject } from '../../../src/engine/render/render-project.js';
import { setRenderBudget } from '../../../src/engine/template/python/budget.js';

async function main(): Promise<void> {
  const [projectDir, target, maxSteps, ...args] = process.argv.slice(2);
  if (maxSteps) setRenderBudget({ maxSteps: Number(maxSteps) });
  const started = Date.now();
  let result: { ok: boolean; message?: string; objects?: unknown[] };
  try {
    const r = await renderProject({ projectDir, target: target || undefined, offline: true, args });
    result = { ok: true, objects: r.objects };
  } catch (e) {
    result = { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  const report = { ...result, ms: Date.now() - started, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

void main();
