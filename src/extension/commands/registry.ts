/**
 * The arguments of every command, by id, so the compiler checks both ends: what `registerCommands` accepts and what
 * a CodeLens or other caller passes. VS Code may still call a command with anything (a menu on another view, a
 * keybinding with `args`), so implementations keep narrowing at run time; the types say what callers in this
 * code base pass.
 */
import * as vscode from 'vscode';
import { Commands, type CommandId } from '../ids.js';
import type { ContextNode, DeploymentNode, DriftObjectNode, MessageNode } from '../tree/nodes.js';
import type { InventoryObjectNode, ResultObjectNode, TimelineEntryNode, ValidationNode } from '../tree/historyNodes.js';
import type { RequestOptions } from '../overridesPatch.js';

/** A deployment command runs on its tree or CodeLens node; from the palette it has none and asks. */
type OnDeployment = [node?: DeploymentNode];
/** A push command runs on a `.kluctl.yaml` CodeLens's project and target; from the palette it has none and asks. */
/** A push command's project, target and args (`kluctl.renderTarget` and the others). */
export interface PushTarget {
  projectDir: string;
  /** Undefined: a targetless project. */
  target?: string;
  args?: string[];
}

type OnPushTarget = [target?: Partial<PushTarget>];
/** From the tree with several deployments selected, VS Code passes the clicked node and the whole selection. */
type OnSelection = [node?: DeploymentNode, selection?: readonly DeploymentNode[]];
/** What a caller (a keybinding, another extension, a test) may pass instead of answering the prompts. */
export interface RequestOptionsArg {
  options: RequestOptions;
  /** Validate only. */
  warningsAsErrors?: boolean;
}

/** "… with Options": tests and other callers may pass the options instead of being prompted. */
type WithOptions = [node?: DeploymentNode, options?: RequestOptionsArg];

export interface CommandArgs {
  [Commands.refresh]: [];
  [Commands.selectContexts]: [];
  [Commands.suspend]: OnSelection;
  [Commands.resume]: OnSelection;
  [Commands.reconcile]: OnSelection;
  [Commands.deploy]: OnSelection;
  [Commands.prune]: OnSelection;
  [Commands.validate]: OnSelection;
  [Commands.approve]: OnDeployment;
  [Commands.diff]: OnSelection;
  [Commands.diffWithLocalSource]: OnDeployment;
  [Commands.showLogs]: OnDeployment;
  [Commands.openDeploymentYaml]: OnDeployment;
  [Commands.copyName]: OnDeployment;
  [Commands.retry]: [node?: MessageNode];
  [Commands.openObjectDiff]: [node?: DriftObjectNode];
  [Commands.showOutput]: [];
  [Commands.renderTarget]: OnPushTarget;
  [Commands.diffTarget]: OnPushTarget;
  [Commands.deployTarget]: OnPushTarget;
  [Commands.pruneTarget]: OnPushTarget;
  [Commands.reconcileWithOptions]: WithOptions;
  [Commands.deployWithOptions]: WithOptions;
  [Commands.diffWithOptions]: WithOptions;
  [Commands.pruneWithOptions]: WithOptions;
  [Commands.validateWithOptions]: WithOptions;
  [Commands.deployWithLocalSource]: OnDeployment;
  [Commands.stopFollowingLogs]: OnDeployment;
  [Commands.showControllerLogs]: [node?: DeploymentNode | ContextNode];
  [Commands.showReconcileLogs]: [node?: DeploymentNode, reconcileId?: string];
  [Commands.suspendWorkspace]: [];
  [Commands.resumeWorkspace]: [];
  [Commands.reconcileWorkspace]: [];
  [Commands.openResult]: [node?: TimelineEntryNode | DeploymentNode];
  [Commands.compareWithPrevious]: [node?: TimelineEntryNode];
  [Commands.compareResults]: [node?: DeploymentNode | TimelineEntryNode];
  [Commands.openLiveObject]: [node?: InventoryObjectNode];
  [Commands.openResultObject]: [node?: ResultObjectNode];
  [Commands.validateNow]: [node?: ValidationNode | DeploymentNode];
  [Commands.diffWithLocalSourceAll]: [];
  [Commands.showAlerts]: [];
  /** The status bar item's command: pick the target (and args) the editor renders the active project with. */
  [Commands.selectTarget]: [projectDir?: string];
  /** On a template file (the active editor's when absent). */
  [Commands.openRenderedPreview]: [file?: vscode.Uri];
  /** On a project dir (the workspace's, picked, when absent). */
  [Commands.pullHelmCharts]: [projectDir?: string];
  [Commands.checkChartUpdates]: [projectDir?: string];
}

// Compile-time: every id in Commands has its arguments above (and nothing else is listed).
const everyCommandTyped: [Exclude<CommandId, keyof CommandArgs>, Exclude<keyof CommandArgs, CommandId>] extends [
  never,
  never,
]
  ? true
  : never = true;
void everyCommandTyped;

/** Registers one command; `run` must accept what the id's callers pass. */
export function registerCommand<K extends CommandId>(
  id: K,
  run: (...args: CommandArgs[K]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, run as (...args: unknown[]) => unknown);
}

/** A `vscode.Command` (CodeLens, tree item) whose arguments the compiler checks against the id. */
export function commandOf<K extends CommandId>(id: K, title: string, ...args: CommandArgs[K]): vscode.Command {
  return { command: id, title, arguments: args };
}

/** Runs one of our commands; the compiler checks the arguments against the id, as for `commandOf`. */
export function runCommand<K extends CommandId>(id: K, ...args: CommandArgs[K]): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}
