import type { DeploymentState, ValidationState } from './status.js';

/**
 * Icons as plain data (a codicon id and a ThemeColor id) so this core stays free of the vscode API; the
 * extension wraps them in ThemeIcon/ThemeColor. Colours are the semantic tokens themes define for exactly
 * these meanings. A spinner carries no colour: VS Code ignores it.
 */
export interface StatusIcon {
  codicon: string;
  themeColor?: string;
}

const DEPLOYMENT_ICONS: Readonly<Record<DeploymentState, StatusIcon>> = {
  suspended: { codicon: 'debug-pause', themeColor: 'disabledForeground' },
  requestPending: { codicon: 'watch', themeColor: 'charts.blue' },
  reconciling: { codicon: 'sync~spin' },
  ready: { codicon: 'pass', themeColor: 'testing.iconPassed' },
  prepareFailed: { codicon: 'sync-ignored', themeColor: 'testing.iconFailed' },
  failed: { codicon: 'error', themeColor: 'problemsErrorIcon.foreground' },
  unknown: { codicon: 'question', themeColor: 'problemsWarningIcon.foreground' },
};

const VALIDATION_ICONS: Readonly<Record<ValidationState, StatusIcon>> = {
  disabled: { codicon: 'heart', themeColor: 'disabledForeground' },
  unknown: { codicon: 'question', themeColor: 'problemsWarningIcon.foreground' },
  ready: { codicon: 'heart-filled', themeColor: 'testing.iconPassed' },
  warnings: { codicon: 'heart-filled', themeColor: 'problemsWarningIcon.foreground' },
  failed: { codicon: 'error', themeColor: 'problemsErrorIcon.foreground' },
};

/** Shown next to a deployment whose last drift detection found differences. */
export const DRIFT_ICON: StatusIcon = { codicon: 'diff', themeColor: 'gitDecoration.modifiedResourceForeground' };

export function statusIcon(state: DeploymentState): StatusIcon {
  return DEPLOYMENT_ICONS[state];
}

export function validationIcon(state: ValidationState): StatusIcon {
  return VALIDATION_ICONS[state];
}
