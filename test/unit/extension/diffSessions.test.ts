import * as assert from 'node:assert/strict';
import { DiffSessions } from '../../../src/extension/documents/diffSessions.js';

describe('document store: diff sessions are evicted when their editor closes', () => {
  it('evicts a session once no tab shows it, and only after it was shown', () => {
    const sessions = new DiffSessions();
    sessions.add('/diff-1/ctx_a', 'Kluctl Diff: a');
    // Another tab closes while the diff editor is still opening: nothing is evicted.
    assert.deepEqual(sessions.update([{ label: 'deployment.yaml', paths: [] }]), []);
    // The multi-file diff editor is open (its tab carries the title).
    assert.deepEqual(sessions.update([{ label: 'Kluctl Diff: a', paths: [] }]), []);
    // It closes: the folder goes.
    assert.deepEqual(sessions.update([{ label: 'deployment.yaml', paths: [] }]), ['/diff-1/ctx_a']);
    assert.equal(sessions.size, 0);
    assert.deepEqual(sessions.update([]), [], 'evicted once');
  });

  it('keeps a session while a single object diff opened from it is still open', () => {
    const sessions = new DiffSessions();
    sessions.add('/diff-1/ctx_a', 'Kluctl Diff: a');
    sessions.add('/diff-2/ctx_b', 'Kluctl Diff: b');
    sessions.opened('/diff-1/ctx_a');
    sessions.opened('/diff-2/ctx_b');
    const objectDiff = { label: 'ConfigMap/x.yaml', paths: ['/diff-1/ctx_a/ns/ConfigMap/x.yaml'] };
    assert.deepEqual(sessions.update([objectDiff, { label: 'Kluctl Diff: b', paths: [] }]), []);
    assert.deepEqual(sessions.update([{ label: 'Kluctl Diff: b', paths: [] }]), ['/diff-1/ctx_a']);
    assert.deepEqual(sessions.update([]), ['/diff-2/ctx_b']);
  });

  it('does not take a folder for its prefix sibling', () => {
    const sessions = new DiffSessions();
    sessions.add('/diff-1/a', 'A');
    sessions.opened('/diff-1/a');
    assert.deepEqual(sessions.update([{ label: 'other', paths: ['/diff-1/ab/x.yaml'] }]), ['/diff-1/a']);
  });
});
