import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { chooseSchema, SCHEMAS, type SchemaKind } from './schemaSelection.js';

const SCHEME = 'kluctl-schema';

interface YamlExtensionApi {
  registerContributor(
    id: string,
    requestSchema: (resource: string) => string | undefined,
    requestSchemaContent: (uri: string) => string | undefined,
  ): boolean;
}

/**
 * Schemas for `.kluctl.yaml`, `deployment.yaml` and KluctlDeployment manifests through the YAML extension's
 * contributor API, which can look at the file (location and content). Without that extension the static
 * `yamlValidation` contribution still covers `.kluctl.yaml`.
 */
export async function registerYamlSchemas(extensionUri: vscode.Uri): Promise<void> {
  const yaml = vscode.extensions.getExtension<YamlExtensionApi>('redhat.vscode-yaml');
  if (!yaml) return;
  const api = await yaml.activate();
  if (typeof api?.registerContributor !== 'function') return;
  api.registerContributor(
    'kluctl',
    (resource) => {
      const uri = vscode.Uri.parse(resource);
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === resource);
      const kind = chooseSchema(
        uri.fsPath,
        document?.getText() ?? '',
        uri.scheme === 'file' && insideKluctlProject(uri.fsPath),
      );
      return kind ? `${SCHEME}://schemas/${kind}` : undefined;
    },
    (schemaUri) => {
      const kind = schemaUri.replace(`${SCHEME}://schemas/`, '') as SchemaKind;
      const file = SCHEMAS[kind];
      return file ? fs.readFileSync(path.join(extensionUri.fsPath, 'media', 'schemas', file), 'utf8') : undefined;
    },
  );
}

/** A `.kluctl.yaml` in the file's directory or above it. */
function insideKluctlProject(file: string): boolean {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.kluctl.yaml')) || fs.existsSync(path.join(dir, '.kluctl.yml'))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}
