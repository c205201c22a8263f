/** Every id the extension contributes, typed, so package.json and code cannot drift apart unnoticed (a test checks). */

export const VIEW_CONTAINER = 'kluctl';
export const DEPLOYMENTS_VIEW = 'kluctl.deployments';
/** Variables of the active editor's project for its selected target (issue #18). */
export const VARIABLES_VIEW = 'kluctl.variables';

export const Commands = {
  refresh: 'kluctl.refresh',
  selectContexts: 'kluctl.selectContexts',
  suspend: 'kluctl.suspend',
  resume: 'kluctl.resume',
  reconcile: 'kluctl.reconcile',
  deploy: 'kluctl.deploy',
  prune: 'kluctl.prune',
  validate: 'kluctl.validate',
  approve: 'kluctl.approve',
  diff: 'kluctl.diff',
  diffWithLocalSource: 'kluctl.diffWithLocalSource',
  showLogs: 'kluctl.showLogs',
  openDeploymentYaml: 'kluctl.openDeploymentYaml',
  copyName: 'kluctl.copyName',
  retry: 'kluctl.retry',
  openObjectDiff: 'kluctl.openObjectDiff',
  showOutput: 'kluctl.showOutput',
  renderTarget: 'kluctl.renderTarget',
  diffTarget: 'kluctl.diffTarget',
  deployTarget: 'kluctl.deployTarget',
  pruneTarget: 'kluctl.pruneTarget',
  reconcileWithOptions: 'kluctl.reconcileWithOptions',
  deployWithOptions: 'kluctl.deployWithOptions',
  diffWithOptions: 'kluctl.diffWithOptions',
  pruneWithOptions: 'kluctl.pruneWithOptions',
  validateWithOptions: 'kluctl.validateWithOptions',
  deployWithLocalSource: 'kluctl.deployWithLocalSource',
  stopFollowingLogs: 'kluctl.stopFollowingLogs',
  showControllerLogs: 'kluctl.showControllerLogs',
  showReconcileLogs: 'kluctl.showReconcileLogs',
  suspendWorkspace: 'kluctl.suspendWorkspace',
  resumeWorkspace: 'kluctl.resumeWorkspace',
  reconcileWorkspace: 'kluctl.reconcileWorkspace',
  openResult: 'kluctl.openResult',
  compareWithPrevious: 'kluctl.compareWithPrevious',
  compareResults: 'kluctl.compareResults',
  openLiveObject: 'kluctl.openLiveObject',
  openResultObject: 'kluctl.openResultObject',
  validateNow: 'kluctl.validateNow',
  diffWithLocalSourceAll: 'kluctl.diffWithLocalSourceAll',
  showAlerts: 'kluctl.showAlerts',
  selectTarget: 'kluctl.selectTarget',
  openRenderedPreview: 'kluctl.openRenderedPreview',
  pullHelmCharts: 'kluctl.pullHelmCharts',
  checkChartUpdates: 'kluctl.checkChartUpdates',
} as const;
export type CommandId = (typeof Commands)[keyof typeof Commands];

/** Context keys set with `setContext`, used in `when` clauses. */
export const ContextKeys = {
  noKubeconfig: 'kluctl.noKubeconfig',
  noMatchingDeployment: 'kluctl.noMatchingDeployment',
  hasMatchingDeployment: 'kluctl.hasMatchingDeployment',
} as const;
export type ContextKey = (typeof ContextKeys)[keyof typeof ContextKeys];

/** The value type of each context key; `setContext` in contextKeys.ts accepts only these. */
export interface ContextKeyValues {
  [ContextKeys.noKubeconfig]: boolean;
  [ContextKeys.noMatchingDeployment]: boolean;
  [ContextKeys.hasMatchingDeployment]: boolean;
}

/** URI scheme of the read-only documents the extension shows (objects of a diff, deployment YAML). */
export const DOCUMENT_SCHEME = 'kluctl';

/** Read-only rendered previews of template files. */
export const PREVIEW_SCHEME = 'kluctl-preview';

export const OUTPUT_CHANNEL = 'Kluctl';
