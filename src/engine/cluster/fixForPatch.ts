/** Kluctl's FixObjectForPatch: defaults and types that server-side apply would otherwise trip over. */

import type { KubeObject } from '../../kube/objects.js';

type Json = Record<string, unknown>;

export function fixObjectForPatch(obj: KubeObject): KubeObject {
  const o = structuredClone(obj);
  const at = (root: unknown, ...keys: string[]): unknown =>
    keys.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Json)[k] : undefined), root);
  const fixPorts = (ports: unknown) => {
    if (Array.isArray(ports))
      for (const p of ports) if (p && typeof p === 'object' && !('protocol' in p)) (p as Json).protocol = 'TCP';
  };
  const fixCpu = (holder: unknown) => {
    if (holder && typeof holder === 'object' && 'cpu' in holder && typeof (holder as Json).cpu !== 'string')
      (holder as Json).cpu = String((holder as Json).cpu);
  };
  const containers = at(o, 'spec', 'template', 'spec', 'containers');
  if (Array.isArray(containers)) {
    for (const c of containers) {
      fixPorts(at(c, 'ports'));
      fixCpu(at(c, 'resources', 'limits'));
      fixCpu(at(c, 'resources', 'requests'));
    }
  }
  fixPorts(at(o, 'spec', 'ports'));
  const limits = at(o, 'spec', 'limits');
  if (Array.isArray(limits)) {
    for (const l of limits) {
      fixCpu(at(l, 'default'));
      fixCpu(at(l, 'defaultRequest'));
    }
  }
  return o;
}
