/** Which `kluctl.*` settings a workspace may not set, and how they are read (vscode-free, so it is unit-tested). */

/**
 * Settings that protect the user or say where the cluster is: a checkout's `.vscode/settings.json` must not turn off
 * confirmations, reveal Secrets, or point requests at another controller. They are `machine`-scoped in package.json
 * (VS Code then ignores workspace values); the reader also takes only user (local or remote) values, whatever the
 * scope, so the rule holds in code.
 */
export const PROTECTED_SETTINGS = [
  'confirmClusterChanges',
  'diff.revealSecrets',
  'controllerNamespace',
  'localSourceOverridePort',
  'requestTimeoutSeconds',
] as const;

/** The parts of `WorkspaceConfiguration.inspect()` a protected setting is read from. */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/** A protected setting's value: the user's (or the remote's, in a remote window), else the default; never a workspace's. */
export function userOnlyValue<T>(inspected: InspectedSetting<T> | undefined): T | undefined {
  return inspected?.globalValue ?? inspected?.defaultValue;
}
