/** Errors and warnings of one command, deduplicated per (object, message) as Kluctl does. */

import type { DeploymentError, ObjectRef } from '../../kluctl/resultTypes.js';
import { apiMessageOf } from '../../kube/errors.js';
import { compactRef } from '../../kluctl/objectRef.js';

export class DeploymentMessages {
  private readonly errors = new Map<string, DeploymentError>();
  private readonly warnings = new Map<string, DeploymentError>();

  addError(ref: ObjectRef | undefined, error: unknown): void {
    add(this.errors, ref, error);
  }

  addWarning(ref: ObjectRef | undefined, warning: unknown): void {
    add(this.warnings, ref, warning);
  }

  hadError(ref: ObjectRef): boolean {
    const key = JSON.stringify(compactRef(ref));
    for (const e of this.errors.values()) if (JSON.stringify(e.ref) === key) return true;
    return false;
  }

  get errorList(): DeploymentError[] {
    return [...this.errors.values()];
  }

  get warningList(): DeploymentError[] {
    return [...this.warnings.values()];
  }

  /** A copy for a trial run (deploy's diff pass) whose messages must not leak into the real result. */
  clone(): DeploymentMessages {
    const copy = new DeploymentMessages();
    for (const [k, v] of this.errors) copy.errors.set(k, v);
    for (const [k, v] of this.warnings) copy.warnings.set(k, v);
    return copy;
  }
}

function add(map: Map<string, DeploymentError>, ref: ObjectRef | undefined, error: unknown): void {
  // The API server's own message, as Kluctl reports it; the entry's ref names the object.
  const message = apiMessageOf(error);
  const entry: DeploymentError = { ref: compactRef(ref ?? { kind: '', name: '' }), message };
  map.set(JSON.stringify(entry), entry);
}
