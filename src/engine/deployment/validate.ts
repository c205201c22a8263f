import type { DeploymentItemConfig } from '../project/types.js';

/** Kluctl's ValidateDeploymentItemConfig; returns the problem or undefined. */
export function validateItem(item: DeploymentItemConfig): string | undefined {
  const kinds = (['path', 'include', 'git', 'oci'] as const).filter((k) => item[k] !== undefined);
  if (kinds.length > 1) return `only one of path, include, git and oci can be set (found ${kinds.join(', ')})`;
  const isInclude = kinds[0] === 'include' || kinds[0] === 'git' || kinds[0] === 'oci';
  if (item.recursive && kinds[0] !== 'path') return 'recursive is only allowed for path items';
  if (item.waitReadiness && kinds[0] !== 'path')
    return 'only kustomize deployments are allowed to have waitReadiness set';
  if (item.args && Object.keys(item.args).length && !isInclude)
    return 'args are only allowed when another project is included (via include, git or oci)';
  if (item.passVars && !isInclude)
    return 'passVars is only allowed when another project is included (via include, git or oci)';
  for (const d of item.deleteObjects ?? [])
    if (d.group === undefined && d.kind === undefined)
      return 'deleteObjects: at least one of group or kind must be set';
  return undefined;
}
