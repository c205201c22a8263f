import * as path from 'node:path';
import * as vscode from 'vscode';
import { workerEngine } from '../engine/worker/client.js';
import { Clusters } from './clusters.js';
import { KluctlDeploymentCodeLens, KluctlProjectCodeLens } from './codeLens.js';
import { registerCommands } from './commands/index.js';
import { readSettings } from './config.js';
import { DocumentStore } from './documents/documentStore.js';
import { LogChannels } from './logChannels.js';
import { Output } from './output.js';
import { DeploymentsTree } from './tree/deploymentsTree.js';
import { AlertsStatusBar } from './statusBar.js';
import { WorkspaceProjects } from './workspaceProjects.js';
import { registerYamlSchemas } from './yamlSchemas.js';
import { LanguageFeatures } from './language/index.js';

/** What activate() hands to tests (and to other extensions, should they want it). */
export interface KluctlExtensionApi {
  clusters: Clusters;
  projects: WorkspaceProjects;
  tree: DeploymentsTree;
  documents: DocumentStore;
  logs: LogChannels;
  alerts: AlertsStatusBar;
  /** Diagnostics, hover, completion, definitions, variables and previews of the workspace's Kluctl projects. */
  language: LanguageFeatures;
  /** How long activate() took, for the benchmark. */
  activationMs: number;
}

/**
 * Entry point. Everything is owned by the extension context and disposed with it; no cluster is contacted
 * until the Deployments view is shown or a command needs it.
 */
export function activate(context: vscode.ExtensionContext): KluctlExtensionApi {
  const started = performance.now();
  const output = new Output();
  const clusters = new Clusters();
  const projects = new WorkspaceProjects();
  const documents = new DocumentStore();
  const logs = new LogChannels();
  const tree = new DeploymentsTree(clusters, projects);
  const alerts = new AlertsStatusBar(clusters, tree);
  context.subscriptions.push(
    output,
    clusters,
    projects,
    documents,
    logs,
    tree,
    alerts,
    new KluctlDeploymentCodeLens(tree),
    new KluctlProjectCodeLens(),
  );
  // Templates render synchronously: in the extension host, a project that loops would freeze every extension.
  const engine = workerEngine({
    workerFile: path.join(context.extensionPath, 'dist', 'engine-worker.cjs'),
    maxMemoryMb: () => readSettings().engineMaxMemoryMb,
    memoryHint: 'setting kluctl.engine.maxMemoryMb',
    // The editor analyses on every save: the next worker is started ahead of time, and the analysis worker is kept
    // with its incremental render cache (only what changed is rendered again).
    spare: true,
    keepWarm: (command) => command === 'analyze',
    env: (): Record<string, string> =>
      readSettings().engineHelmRenderCache ? {} : { KLUCTL_TS_HELM_RENDER_CACHE: '0' },
  });
  const language = new LanguageFeatures(engine, context.workspaceState);
  context.subscriptions.push(
    engine,
    language,
    ...registerCommands({ clusters, projects, tree, documents, output, logs, engine, language }),
  );
  void registerYamlSchemas(context.extensionUri).catch((error: Error) =>
    output.log.warn(`YAML schemas not registered: ${error.message}`),
  );
  return { clusters, projects, tree, documents, logs, alerts, language, activationMs: performance.now() - started };
}

export function deactivate(): void {
  // Nothing global to undo: every resource hangs off the extension context.
}
