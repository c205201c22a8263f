/**
 * Alerts for the deployments of the workspace: one state per deployment (for a status bar), and a notification
 * when one turns failed, drifted or awaits manual approval, once per change of state.
 */
import type { PresentedStatus } from './status.js';

export type AlertState = 'ready' | 'reconciling' | 'failed' | 'drift' | 'approval' | 'suspended' | 'unknown';

/** States that deserve a notification when a deployment enters them. */
export const ALERTING_STATES: ReadonlySet<AlertState> = new Set(['failed', 'drift', 'approval']);

/** The one state that matters most for a deployment, worst first: failed > approval > drift > reconciling > ready. */
export function alertStateOf(status: PresentedStatus): AlertState {
  if (status.state === 'failed' || status.state === 'prepareFailed') return 'failed';
  if (status.manualApprovalPending) return 'approval';
  if (status.drift?.hasDrift) return 'drift';
  if (status.state === 'reconciling' || status.state === 'requestPending') return 'reconciling';
  if (status.state === 'suspended') return 'suspended';
  if (status.state === 'ready') return 'ready';
  return 'unknown';
}

export interface Alert {
  key: string;
  state: AlertState;
  previous?: AlertState;
  summary: string;
}

/**
 * Remembers each deployment's last state and reports entering an alerting state (failed, drift, approval) once.
 * A deployment seen for the first time does not alert (it was like that before the editor looked), nor does a
 * reconcile in between: failed → reconciling → failed is the same failure.
 */
export class AlertTracker {
  private readonly last = new Map<string, AlertState>();
  /** The last alerting state each deployment was reported in; cleared when it recovers (ready). */
  private readonly reported = new Map<string, AlertState>();

  /** Feeds the current states of all tracked deployments; returns the alerts to show now. */
  update(current: ReadonlyArray<{ key: string; state: AlertState; summary: string }>): Alert[] {
    const alerts: Alert[] = [];
    const seen = new Set<string>();
    for (const { key, state, summary } of current) {
      seen.add(key);
      const previous = this.last.get(key);
      this.last.set(key, state);
      if (previous === undefined) {
        if (ALERTING_STATES.has(state)) this.reported.set(key, state);
        continue;
      }
      if (state === 'ready') this.reported.delete(key);
      if (!ALERTING_STATES.has(state) || this.reported.get(key) === state) continue;
      this.reported.set(key, state);
      alerts.push({ key, state, previous, summary });
    }
    for (const key of [...this.last.keys()])
      if (!seen.has(key)) {
        this.last.delete(key);
        this.reported.delete(key);
      }
    return alerts;
  }
}

/** Counts per state and the worst one, for a status bar item. */
export function summarizeStates(states: readonly AlertState[]): {
  counts: Partial<Record<AlertState, number>>;
  worst?: AlertState;
  text: string;
} {
  const order: AlertState[] = ['failed', 'approval', 'drift', 'reconciling', 'unknown', 'suspended', 'ready'];
  const counts: Partial<Record<AlertState, number>> = {};
  for (const s of states) counts[s] = (counts[s] ?? 0) + 1;
  const worst = order.find((s) => counts[s]);
  const label: Record<AlertState, string> = {
    failed: 'failed',
    approval: 'awaiting approval',
    drift: 'drifted',
    reconciling: 'reconciling',
    unknown: 'unknown',
    suspended: 'suspended',
    ready: 'ready',
  };
  const text = order
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${label[s]}`)
    .join(', ');
  return { counts, worst, text };
}
