import * as assert from 'node:assert/strict';
import { DiffSessions } from '../../../src/extension/documents/diffSessions.js';

describe('document store: diff sessions are evicted when their editor closes', () => {
  it('evicts a session once no tab shows it, and only after a tab was seen showing it', () => {
    const sessions = new DiffSessions();
    sessions.add('/diff-1', 'Kluctl Diff: a');
    // Another tab closes while the diff editor is still opening (or its tab is not recognised): nothing is evicted.
    assert.deepEqual(sessions.update([{ label: 'deployment.yaml', paths: [] }]), []);
    assert.deepEqual(sessions.update([]), [], 'never seen in a tab: kept');
    // The multi-file diff editor is open (its tab carries the title).
    assert.deepEqual(sessions.update([{ label: 'Kluctl Diff: a', paths: [] }]), []);
    // It closes: the folder goes.
    assert.deepEqual(sessions.update([{ label: 'deployment.yaml', paths: [] }]), ['/diff-1']);
    assert.equal(sessions.size, 0);
    assert.deepEqual(sessions.update([]), [], 'evicted once');
  });

  it('keeps a session while a single object diff opened from it is still open', () => {
    const sessions = new DiffSessions();
    sessions.add('/diff-1', 'Kluctl Diff: a');
    sessions.add('/diff-2', 'Kluctl Diff: b');
    const objectDiff = { label: 'ConfigMap/x.yaml', paths: ['/diff-1/ctx_a/ns/ConfigMap/x.yaml'] };
    assert.deepEqual(sessions.update([objectDiff, { label: 'Kluctl Diff: b', paths: [] }]), []);
    assert.deepEqual(sessions.update([{ label: 'Kluctl Diff: b', paths: [] }]), ['/diff-1']);
    assert.deepEqual(sessions.update([]), ['/diff-2']);
  });

  it('does not take a folder for its prefix sibling', () => {
    const sessions = new DiffSessions();
    sessions.add('/diff-1', 'A');
    assert.deepEqual(sessions.update([{ label: 'A', paths: [] }]), []);
    assert.deepEqual(sessions.update([{ label: 'other', paths: ['/diff-10/x.yaml'] }]), ['/diff-1']);
  });

  it('keeps only the newest sessions, oldest first out, whatever the tabs', () => {
    const sessions = new DiffSessions(3);
    const evicted = [1, 2, 3, 4, 5].flatMap((n) => sessions.add(`/diff-${n}`, `D${n}`));
    assert.deepEqual(evicted, ['/diff-1', '/diff-2']);
    assert.equal(sessions.size, 3);
  });
});
