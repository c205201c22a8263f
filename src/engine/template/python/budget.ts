/**
 * Bounds on one render (a template file or string, with everything it includes, imports and calls): statements and
 * loop iterations executed, and the size of any one string or list it builds and of its output. The defaults are
 * far above any real project (a render that would run for tens of seconds or produce hundreds of MB); a project
 * that passes them gets a one-line error instead of freezing or exhausting the process.
 *
 * Rendering is synchronous, so the budget of the render in progress is module state: values deep in the Python
 * layer (a lazy `range`, string repetition) charge it without an interpreter reference. Nested renders (a
 * `render_string` inside a template) charge the same budget.
 */

import { PyError } from '../python/errors.js';

export interface RenderBudget {
  /** Statements, loop iterations, macro calls and lazily produced items. */
  maxSteps: number;
  /** Characters of output, and of any single string a template builds. */
  maxOutput: number;
  /** Items of any single list a template builds (`range(n) | list`, `[x] * n`). */
  maxItems: number;
}

export const DEFAULT_RENDER_BUDGET: RenderBudget = {
  maxSteps: 100_000_000,
  maxOutput: 256 * 1024 * 1024,
  maxItems: 16 * 1024 * 1024,
};

let defaults: RenderBudget = DEFAULT_RENDER_BUDGET;

/**
 * Sets the budget of renderers created without one (the project pipeline's); `undefined` restores the defaults.
 * Returns the previous setting. For tests and hosts that need tighter bounds than the defaults.
 */
export function setRenderBudget(budget: Partial<RenderBudget> | undefined): RenderBudget {
  const previous = defaults;
  defaults = { ...DEFAULT_RENDER_BUDGET, ...budget };
  return previous;
}

export function renderBudget(): RenderBudget {
  return defaults;
}

interface State {
  budget: RenderBudget;
  steps: number;
  output: number;
  /** Once exceeded, every further charge fails too (nothing in a template can swallow the error). */
  exceeded?: PyError;
}

let current: State | undefined;

/** Runs `fn` with `budget` as the active budget, unless a render is already in progress (then that one counts). */
export function withBudget<T>(budget: RenderBudget, fn: () => T): T {
  if (current) return fn();
  current = { budget, steps: 0, output: 0 };
  try {
    return fn();
  } finally {
    current = undefined;
  }
}

function exceed(message: string): never {
  const error = new PyError('RenderBudgetExceeded', message);
  if (current) current.exceeded = error;
  throw error;
}

/** Charges `n` steps. */
export function chargeSteps(n = 1): void {
  const s = current;
  if (!s) return;
  if (s.exceeded) throw s.exceeded;
  s.steps += n;
  if (s.steps > s.budget.maxSteps)
    exceed(`the render exceeded its budget of ${s.budget.maxSteps} steps (an endless or extremely long loop?)`);
}

/** Charges `chars` characters of output. */
export function chargeOutput(chars: number): void {
  const s = current;
  if (!s) return;
  if (s.exceeded) throw s.exceeded;
  s.output += chars;
  if (s.output > s.budget.maxOutput) exceed(`the render output exceeds its budget of ${s.budget.maxOutput} characters`);
}

/** Fails before building a string of `chars` characters that the budget does not allow. */
export function checkStringSize(chars: number): void {
  const max = current?.budget.maxOutput ?? defaults.maxOutput;
  if (chars > max) exceed(`a string of ${chars} characters exceeds the render budget of ${max} characters`);
}

/** Fails before building a list of `items` items that the budget does not allow. */
export function checkListSize(items: number): void {
  const max = current?.budget.maxItems ?? defaults.maxItems;
  if (items > max) exceed(`a list of ${items} items exceeds the render budget of ${max} items`);
}
