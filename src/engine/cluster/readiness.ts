/** Kluctl's readiness and validation rules per kind (spec §6.6), as a pure function of the live object. */

import type { KubeObject } from '../../kube/objects.js';
import { isGoBool, parseGoBool } from '../postprocess/metadata.js';
import { scalarText } from '../../util/scalar.js';

export interface Validation {
  ready: boolean;
  errors: string[];
  /** "Not ready" reasons land here unless notReadyIsError. */
  warnings: string[];
  /** `validate-result.kluctl.io/*` annotations. */
  results: Array<{ annotation: string; message: string }>;
}

export interface ValidateOptions {
  /** validate reports not-ready as an error; waiting for readiness does not. */
  notReadyIsError: boolean;
  /** Whether the kind's schema has a status (undefined: unknown, so an object without status is ready). */
  statusRequired?: boolean;
  now?: number;
}

type Json = Record<string, unknown>;
/** Thrown to stop evaluating once an outcome is recorded (Kluctl's doRaise). */
class Stop extends Error {}

const REACT = { ignore: 0, error: 1, warning: 2, notReady: 3 } as const;
type Reaction = (typeof REACT)[keyof typeof REACT];

export function validateObject(o: KubeObject, opts: ValidateOptions): Validation {
  const v: Validation = { ready: true, errors: [], warnings: [], results: [] };
  const annotations = o.metadata.annotations ?? {};
  if (parseGoBool(annotations['kluctl.io/validate-ignore'])) return v;
  for (const [k, m] of Object.entries(annotations))
    if (k.startsWith('validate-result.kluctl.io/')) v.results.push({ annotation: k, message: m });

  const addError = (m: string) => {
    v.errors.push(m);
    v.ready = false;
  };
  const addNotReady = (m: string) => {
    (opts.notReadyIsError ? v.errors : v.warnings).push(m);
    v.ready = false;
  };
  const react = (message: string, r: Reaction, raise: boolean) => {
    if (r === REACT.error) addError(message);
    else if (r === REACT.warning) v.warnings.push(message);
    else if (r === REACT.notReady) addNotReady(message);
    if (raise) throw new Stop();
  };

  const isReady = annotations['kluctl.io/is-ready'];
  if (isReady !== undefined && isGoBool(isReady)) {
    if (!parseGoBool(isReady)) addNotReady('kluctl.io/is-ready annotation is set to false');
    return v;
  }

  const status = o.status as Json | undefined;
  if (status === undefined || status === null) {
    if (!opts.statusRequired) return v;
    const created = Date.parse(scalarText(o.metadata.creationTimestamp));
    // Kluctl's hack for CRDs that declare a status their controllers never set.
    if (!Number.isNaN(created) && (opts.now ?? Date.now()) - created > 15_000) return v;
    addNotReady('no status available yet');
    return v;
  }

  const conditions = (type: string, r: Reaction, raise: boolean): Json[] => {
    const list = (Array.isArray(status.conditions) ? status.conditions : []).filter(
      (c: Json) => c?.type === type,
    ) as Json[];
    if (list.length === 0) react(`${type} condition not in status`, r, raise);
    return list;
  };
  const condition = (
    type: string,
    r: Reaction,
    raise: boolean,
  ): { status: string; reason: string; message: string } => {
    const list = conditions(type, r, raise);
    if (list.length > 1) {
      addError(`${type} condition found more then once`);
      if (raise) throw new Stop();
    }
    const c = list[0] ?? {};
    return { status: scalarText(c.status), reason: scalarText(c.reason), message: scalarText(c.message) };
  };
  const statusInt = (field: string, r: Reaction, raise: boolean, def: number): number => {
    const x = status[field];
    if (x === undefined || x === null) {
      react(`${field} field not in status or empty`, r, raise);
      return def;
    }
    if (typeof x === 'number' && Number.isInteger(x)) return x;
    react(`${field} field is not an int`, r, raise);
    return def;
  };
  const spec = (o.spec ?? {}) as Json;
  const nested = (obj: unknown, ...keys: string[]): unknown =>
    keys.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Json)[k] : undefined), obj);

  try {
    const observed = statusInt('observedGeneration', REACT.ignore, false, -1);
    if (observed !== -1 && observed !== (o.metadata.generation ?? 0)) {
      addNotReady('Waiting for reconciliation');
      return v;
    }
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    switch (`${group}/${o.kind}`) {
      case '/Pod': {
        for (const cs of (Array.isArray(status.containerStatuses) ? status.containerStatuses : []) as Json[]) {
          if (nested(cs, 'state', 'terminated', 'reason') === 'Error')
            addError(`container ${String(cs.name)} exited with error`);
        }
        const rc = condition('Ready', REACT.notReady, false);
        if (rc.status === 'False' && rc.reason === 'PodCompleted') break;
        addNotReady('Not ready');
        break;
      }
      case 'batch/Job': {
        const failed = condition('Failed', REACT.ignore, false);
        if (failed.status === 'True') addError(failed.message || 'Failed');
        else {
          const complete = condition('Complete', REACT.ignore, false);
          if (complete.status !== 'True') addNotReady(complete.message || 'Not completed');
        }
        break;
      }
      case 'apps/Deployment': {
        if (typeof spec.replicas === 'number' && spec.replicas !== 0) {
          const ready = statusInt('readyReplicas', REACT.notReady, true, 0);
          const replicas = statusInt('replicas', REACT.notReady, true, 0);
          if (ready < replicas) addNotReady(`readyReplicas (${ready}) is less then replicas (${replicas})`);
        }
        break;
      }
      case '/PersistentVolumeClaim':
        if (status.phase === undefined) react('phase field not in status or empty', REACT.notReady, true);
        if (status.phase !== 'Bound') addNotReady('Volume is not bound');
        break;
      case '/Service': {
        const type = spec.type;
        if (type !== 'ExternalName') {
          if (!spec.clusterIP) addError('Service does not have a cluster IP');
          else if (type === 'LoadBalancer' && !(Array.isArray(spec.externalIPs) && spec.externalIPs.length)) {
            const ingress = nested(status, 'loadBalancer', 'ingress');
            if (!(Array.isArray(ingress) && ingress.length)) addNotReady('Not ready');
          }
        }
        break;
      }
      case 'apps/DaemonSet': {
        if (nested(spec, 'updateStrategy', 'type') !== 'RollingUpdate') break;
        const updated = statusInt('updatedNumberScheduled', REACT.notReady, true, 0);
        const desired = statusInt('desiredNumberScheduled', REACT.notReady, true, 0);
        if (updated !== desired) {
          addNotReady(`DaemonSet is not ready. ${updated} out of ${desired} expected pods have been scheduled`);
          break;
        }
        const maxUnavailable = intOrPercent(nested(spec, 'updateStrategy', 'maxUnavailable') ?? 1, desired) ?? desired;
        const expected = desired - maxUnavailable;
        const ready = statusInt('numberReady', REACT.notReady, true, 0);
        if (ready < expected)
          addNotReady(`DaemonSet is not ready. ${ready} out of ${expected} expected pods are ready`);
        break;
      }
      case 'apiextensions.k8s.io/CustomResourceDefinition': {
        if (condition('Established', REACT.ignore, false).status !== 'True') {
          if (condition('NamesAccepted', REACT.notReady, true).status !== 'False') addNotReady('CRD is not ready');
        }
        break;
      }
      case 'apps/StatefulSet': {
        if (nested(spec, 'updateStrategy', 'type') !== 'RollingUpdate') break;
        const partition = Number(nested(spec, 'updateStrategy', 'rollingUpdate', 'partition') ?? 0);
        const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
        if (replicas === 0) break;
        const updated = statusInt('updatedReplicas', REACT.notReady, true, 0);
        if (updated !== replicas - partition) {
          addNotReady(
            `StatefulSet is not ready. ${updated} out of ${replicas - partition} expected pods have been scheduled`,
          );
          break;
        }
        const ready = statusInt('readyReplicas', REACT.notReady, true, 0);
        if (ready !== replicas)
          addNotReady(`StatefulSet is not ready. ${ready} out of ${replicas} expected pods are ready`);
        break;
      }
      case 'cluster.x-k8s.io/MachineDeployment': {
        for (const type of ['Ready', 'Available']) {
          const c = condition(type, REACT.notReady, true);
          if (c.status !== 'True') addNotReady(c.message || 'Not ready');
        }
        const ready = statusInt('readyReplicas', REACT.notReady, true, 0);
        const replicas = statusInt('replicas', REACT.notReady, true, 0);
        const unavailable = statusInt('unavailableReplicas', REACT.ignore, false, 0);
        if (ready < replicas) addNotReady(`readyReplicas (${ready}) is less then replicas (${replicas})`);
        if (unavailable !== 0) addNotReady(`unavailableReplicas (${unavailable}) != 0`);
        break;
      }
    }
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  return v;
}

/** An int, or "N%" of total rounded down; undefined when unparsable. */
function intOrPercent(x: unknown, total: number): number | undefined {
  if (typeof x === 'number') return x;
  if (typeof x !== 'string') return undefined;
  const n = Number.parseInt(x.replace(/%/g, ''), 10);
  if (Number.isNaN(n)) return undefined;
  return x.includes('%') ? Math.floor((n * total) / 100) : n;
}
