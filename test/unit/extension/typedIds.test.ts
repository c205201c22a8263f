import * as assert from 'node:assert/strict';
import type { CommandArgs } from '../../../src/extension/commands/registry.js';
import type { ContextKeySetter } from '../../../src/extension/contextKeys.js';
import { Commands, ContextKeys } from '../../../src/extension/ids.js';

/**
 * The compiler checks an id's arguments and a context key's value: each `@ts-expect-error` below is a call the
 * type checker must reject (`npm run typecheck` fails if one of them stops being an error). At run time the test
 * only checks that the ids are the ones package.json uses; commandRegistration.test.ts checks what is registered.
 */
type Run<K extends keyof CommandArgs> = (...args: CommandArgs[K]) => void;

describe('typed command ids and context keys', () => {
  it('rejects wrong command arguments and context values at compile time', () => {
    const reconcileLogs: Run<typeof Commands.showReconcileLogs> = () => undefined;
    reconcileLogs(undefined, 'a1b2');
    // @ts-expect-error a reconcile id is a string
    reconcileLogs(undefined, 42);
    const refresh: Run<typeof Commands.refresh> = () => undefined;
    refresh();
    // @ts-expect-error refresh takes no argument
    refresh('x');
    const set = (setter: ContextKeySetter) => {
      void setter.set(ContextKeys.noKubeconfig, true);
      // @ts-expect-error noKubeconfig is a boolean
      void setter.set(ContextKeys.noKubeconfig, 'yes');
      // @ts-expect-error only declared context keys
      void setter.set('kluctl.unknown', true);
    };
    void set;
    assert.equal(Commands.showReconcileLogs, 'kluctl.showReconcileLogs');
    assert.equal(ContextKeys.noKubeconfig, 'kluctl.noKubeconfig');
  });
});
