import { parseAllDocuments } from 'yaml';
import type { DeploymentRef } from '../gitops/deploymentApi.js';

/** The KluctlDeployments of a (possibly multi-document, possibly templated) YAML text, with their offsets. */
export function findManifests(text: string): Array<{ ref: DeploymentRef; offset: number }> {
  const found: Array<{ ref: DeploymentRef; offset: number }> = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) continue;
    const value = doc.toJS() as {
      kind?: string;
      apiVersion?: string;
      metadata?: { name?: string; namespace?: string };
    } | null;
    if (
      value?.kind !== 'KluctlDeployment' ||
      !value.apiVersion?.startsWith('gitops.kluctl.io/') ||
      !value.metadata?.name
    )
      continue;
    found.push({
      ref: { namespace: value.metadata.namespace ?? 'default', name: value.metadata.name },
      offset: doc.contents?.range?.[0] ?? doc.range[0],
    });
  }
  return found;
}
