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

/** Makes `import 'vscode'` resolve to this file for every module loaded afterwards. */
export function installVscodeStub(): void {
  const url = import.meta.url;
  const hook = `export async function resolve(specifier, context, next) {
    return specifier === 'vscode' ? { url: ${JSON.stringify(url)}, shortCircuit: true } : next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
