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

/** The language mode of YAML files of a Kluctl project that hold Jinja2 (package.json `languages`). */
export const KLUCTL_YAML_LANGUAGE = 'kluctl-yaml';

/** Only this much of a file is looked at for Jinja2 tags (bounded, like every read of a checkout). */
const MAX_SNIFF_CHARS = 512 * 1024;

/**
 * Whether a document opened in the `yaml` mode should be switched to Kluctl YAML: a YAML file (by name) of a
 * Kluctl project whose text has a Jinja2 tag (`{{`, `{%`, `{#`). Kluctl renders every YAML file of a deployment
 * item, its deployment.yaml and vars files as templates; as plain YAML their tag lines are false errors (a `{% if %}`
 * line is no YAML, and `key: {{ x }}` parses as a flow mapping). Files without a tag stay `yaml`, with their schema.
 * Pure, so it is tested without VS Code.
 */
export function wantsKluctlYaml(
  fileName: string,
  languageId: string,
  text: string,
  insideKluctlProject: boolean,
): boolean {
  if (languageId !== 'yaml' || !insideKluctlProject || !/\.ya?ml$/.test(fileName)) return false;
  return /\{[{%#]/.test(text.length > MAX_SNIFF_CHARS ? text.slice(0, MAX_SNIFF_CHARS) : text);
}
