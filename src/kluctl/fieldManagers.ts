/**
 * Every field manager this project writes with, in one place: which name owns a field decides what a later
 * server-side apply may take over, so the names are part of the protocol with kluctl, not a detail of one writer.
 */
export const FIELD_MANAGERS = {
  /** Objects a deploy applies: kluctl's own name, so kluctl and kluctl-ts own each other's fields. */
  deploy: 'kluctl',
  /** Command result Secrets in the results namespace. */
  results: 'kluctl-results',
  /** The extension's patches of a KluctlDeployment (request annotations, suspend, approve). */
  requests: 'kluctl-vscode',
} as const;
