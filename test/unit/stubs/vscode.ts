/**
 * A recording stand-in for the `vscode` module, loaded only by tests that install it (installVscodeStub). It holds
 * just what those tests look at: the commands registered, and the setContext calls.
 */
import { register } from 'node:module';

export const registered = new Map<string, (...args: unknown[]) => unknown>();
export const executed: unknown[][] = [];

export const commands = {
  registerCommand(id: string, run: (...args: unknown[]) => unknown): { dispose(): void } {
    if (registered.has(id)) throw new Error(`command '${id}' already exists`);
    registered.set(id, run);
    return { dispose: () => registered.delete(id) };
  },
  executeCommand(...args: unknown[]): Promise<unknown> {
    executed.push(args);
    return Promise.resolve(undefined);
  },
};

/** Messages shown, by kind, and whether the next progress starts cancelled. */
export const shown: Array<{ kind: 'info' | 'warning' | 'error'; message: string }> = [];
export const progressControl = { cancelled: false };

const show =
  (kind: 'info' | 'warning' | 'error') =>
  (message: string): Promise<undefined> => {
    shown.push({ kind, message });
    return Promise.resolve(undefined);
  };

export const window = {
  showInformationMessage: show('info'),
  showWarningMessage: show('warning'),
  showErrorMessage: show('error'),
  withProgress<T>(_options: unknown, task: (progress: { report(): void }, token: unknown) => Promise<T>): Promise<T> {
    const token = {
      isCancellationRequested: progressControl.cancelled,
      onCancellationRequested: () => ({ dispose() {} }),
    };
    return task({ report() {} }, token);
  },
};

export const workspace = {
  isTrusted: true,
  getConfiguration: () => ({ get: () => undefined, inspect: () => undefined }),
};

export const ProgressLocation = { Notification: 15 };

/** Makes `import 'vscode'` resolve to this file for every module loaded afterwards. */
export function installVscodeStub(): void {
  const url = import.meta.url;
  const hook = `export async function resolve(specifier, context, next) {
    return specifier === 'vscode' ? { url: ${JSON.stringify(url)}, shortCircuit: true } : next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
