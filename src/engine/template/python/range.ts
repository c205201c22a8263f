/** Python's range object, shared by the `range` global (jinja/globals.ts) and the loop runtime. */

import { chargeSteps } from './budget.js';
import { intOf, isInt, PyObject, type PyValue } from './values.js';

/** Python's `range`: lazy, so `{% for i in range(10**9) %}` allocates nothing (spec: Jinja2 loops over the range). */
export class PyRange extends PyObject {
  readonly typeName = 'range';
  constructor(
    readonly start: bigint,
    readonly stop: bigint,
    readonly step: bigint,
  ) {
    super();
  }
  override len(): number {
    const span = this.step > 0n ? this.stop - this.start : this.start - this.stop;
    const step = this.step > 0n ? this.step : -this.step;
    return span <= 0n ? 0 : Number((span + step - 1n) / step);
  }
  override iter(): Iterator<PyValue> {
    const { start, step } = this;
    const n = this.len();
    let i = 0;
    // Each produced item is a step: `range(10**12) | sum` ends at the step budget instead of running for hours.
    return {
      next: () => {
        if (i >= n) return { value: undefined, done: true };
        chargeSteps();
        return { value: start + BigInt(i++) * step, done: false };
      },
    };
  }
  override getItem(key: PyValue): PyValue | undefined {
    if (!isInt(key)) return undefined;
    let i = Number(intOf(key));
    if (i < 0) i += this.len();
    return i >= 0 && i < this.len() ? this.start + BigInt(i) * this.step : undefined;
  }
  override repr(): string {
    return this.step === 1n ? `range(${this.start}, ${this.stop})` : `range(${this.start}, ${this.stop}, ${this.step})`;
  }
}
