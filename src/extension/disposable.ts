import type * as vscode from 'vscode';

/**
 * Base class of everything that owns resources: register each one once, dispose them all together, in reverse
 * order. Disposing twice is harmless.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;

  protected register<T extends vscode.Disposable>(resource: T): T {
    if (this.disposed) resource.dispose();
    else this.owned.push(resource);
    return resource;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const resource of this.owned.reverse()) {
      try {
        resource.dispose();
      } catch {
        // One failing dispose must not keep the others alive.
      }
    }
    this.owned.length = 0;
  }
}

/** A Disposable from a function, e.g. for an unsubscribe callback of the core. */
export function toDisposable(dispose: () => void): vscode.Disposable {
  return { dispose };
}
