import * as path from 'node:path';

/** The JSON schemas shipped in media/schemas, by the file kinds Kluctl reads. */
export const SCHEMAS = {
  project: 'kluctl-project.json',
  deployment: 'kluctl-deployment.json',
  kluctlDeployment: 'kluctl-deployment-cr.json',
  helmChart: 'kluctl-helm-chart.json',
} as const;
export type SchemaKind = keyof typeof SCHEMAS;

/**
 * Which Kluctl schema a YAML file gets. `deployment.yaml` is a common name for Kubernetes Deployments too, so it
 * only counts as a Kluctl deployment project inside a Kluctl project or when it looks like one (no `kind:`,
 * a top-level `deployments:`/`vars:`). Pure, so it is tested without VS Code.
 */
export function chooseSchema(fileName: string, text: string, insideKluctlProject: boolean): SchemaKind | undefined {
  const base = path.basename(fileName);
  if (base === '.kluctl.yaml' || base === '.kluctl.yml') return 'project';
  if (base === 'helm-chart.yaml' || base === 'helm-chart.yml') return 'helmChart';
  if (/^kind:\s*KluctlDeployment\s*$/m.test(text) && /^apiVersion:\s*gitops\.kluctl\.io\//m.test(text))
    return 'kluctlDeployment';
  if (base === 'deployment.yaml' || base === 'deployment.yml') {
    if (/^kind:/m.test(text)) return undefined;
    if (insideKluctlProject || /^(deployments|vars|commonLabels|overrideNamespace):/m.test(text)) return 'deployment';
  }
  return undefined;
}
