import * as vscode from 'vscode';
import type { ContextKey, ContextKeyValues } from './ids.js';

/**
 * Sets `when`-clause context keys with the value type ids.ts gives each key, and skips values that did not change
 * (the tree refreshes often; each `setContext` is a round trip to the renderer).
 */
export class ContextKeySetter {
  private readonly values = new Map<ContextKey, unknown>();

  constructor(
    private readonly execute: (command: string, ...rest: unknown[]) => Thenable<unknown> = (command, ...rest) =>
      vscode.commands.executeCommand(command, ...rest),
  ) {}

  async set<K extends ContextKey>(key: K, value: ContextKeyValues[K]): Promise<void> {
    if (this.values.has(key) && this.values.get(key) === value) return;
    this.values.set(key, value);
    await this.execute('setContext', key, value);
  }
}

// Compile-time: every key in ContextKeys has a value type in ContextKeyValues.
const everyKeyTyped: [Exclude<ContextKey, keyof ContextKeyValues>] extends [never] ? true : never = true;
void everyKeyTyped;
