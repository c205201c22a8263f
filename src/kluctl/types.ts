/**
 * Typed models of the KluctlDeployment CRD (gitops.kluctl.io/v1beta1) as of kluctl v2.22–v2.28, the range in
 * which this protocol is unchanged, plus the result types of resultTypes.ts. Only the fields a client reads
 * or writes are modelled; everything is optional where the controller may omit it.
 */
import type { KubeObject } from '../kube/objects.js';
import type {
  CommandResultSummary,
  DriftDetectionResult,
  FixedImage,
  GitRef,
  ProjectKey,
  TargetKey,
  ValidateResult,
} from './resultTypes.js';

export const KLUCTL_GROUP = 'gitops.kluctl.io';
export const KLUCTL_VERSION = 'v1beta1';
export const KLUCTL_API_VERSION = `${KLUCTL_GROUP}/${KLUCTL_VERSION}`;
export const KLUCTL_DEPLOYMENT_KIND = 'KluctlDeployment';
export const KLUCTL_DEPLOYMENT_PLURAL = 'kluctldeployments';
export const KLUCTL_DEPLOYMENT_CRD = `${KLUCTL_DEPLOYMENT_PLURAL}.${KLUCTL_GROUP}`;

export const REQUEST_KINDS = ['reconcile', 'diff', 'deploy', 'prune', 'validate'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** The annotation that asks the controller for one manual request of each kind. */
export const REQUEST_ANNOTATIONS: Readonly<Record<RequestKind, `kluctl.io/request-${RequestKind}`>> = {
  reconcile: 'kluctl.io/request-reconcile',
  diff: 'kluctl.io/request-diff',
  deploy: 'kluctl.io/request-deploy',
  prune: 'kluctl.io/request-prune',
  validate: 'kluctl.io/request-validate',
};

export type RequestResultField = `${RequestKind}RequestResult`;

/** The status field in which the controller acknowledges and completes each kind of request. */
export const REQUEST_RESULT_FIELDS: Readonly<Record<RequestKind, RequestResultField>> = {
  reconcile: 'reconcileRequestResult',
  diff: 'diffRequestResult',
  deploy: 'deployRequestResult',
  prune: 'pruneRequestResult',
  validate: 'validateRequestResult',
};

export interface SourceOverride {
  /** A RepoKey string such as `git://host/path` or `oci://host/path`. */
  repoKey: string;
  /** Must use the scheme `grpc+source-override`. */
  url: string;
  isGroup?: boolean;
}

export interface DeploymentSource {
  git?: { url: string; ref?: GitRef; path?: string };
  oci?: { url: string; ref?: { tag?: string; digest?: string }; path?: string };
  /** Deprecated legacy Git source, still honoured by the controller and the CLI. */
  url?: string;
  ref?: GitRef;
  path?: string;
}

export interface KluctlDeploymentSpec {
  source: DeploymentSource;
  sourceOverrides?: SourceOverride[];
  interval: string;
  retryInterval?: string;
  deployInterval?: string;
  validateInterval?: string;
  timeout?: string;
  suspend?: boolean;
  target?: string;
  targetNameOverride?: string;
  context?: string;
  args?: Record<string, unknown>;
  images?: FixedImage[];
  dryRun?: boolean;
  noWait?: boolean;
  forceApply?: boolean;
  replaceOnError?: boolean;
  forceReplaceOnError?: boolean;
  abortOnError?: boolean;
  includeTags?: string[];
  excludeTags?: string[];
  includeDeploymentDirs?: string[];
  excludeDeploymentDirs?: string[];
  deployMode?: 'full-deploy' | 'poke-images';
  /** Serialised without omitempty; the CRD default is true. */
  validate?: boolean;
  prune?: boolean;
  delete?: boolean;
  manual?: boolean;
  manualObjectsHash?: string;
  [key: string]: unknown;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** Ready reasons, from kluctl's condition_types.go and the Flux meta package it vendors. */
export const READY_REASONS = {
  succeeded: 'ReconciliationSucceeded',
  progressing: 'Progressing',
  prepareFailed: 'PrepareFailed',
  deployFailed: 'DeployFailed',
  validateFailed: 'ValidateFailed',
  diffFailed: 'DiffFailed',
  pruneFailed: 'PruneFailed',
} as const;

export interface ManualRequest {
  requestValue: string;
  /** An RFC 7386 merge patch applied once to the KluctlDeployment; it may only touch `spec`. */
  overridesPatch?: Record<string, unknown>;
}

export interface ManualRequestResult {
  request: ManualRequest;
  startTime: string;
  endTime?: string;
  reconcileId: string;
  resultId?: string;
  commandError?: string;
}

export type KluctlDeploymentStatus = Partial<Record<RequestResultField, ManualRequestResult>> & {
  observedGeneration?: number;
  observedCommit?: string;
  conditions?: Condition[];
  projectKey?: ProjectKey;
  targetKey?: TargetKey;
  lastObjectsHash?: string;
  lastManualObjectsHash?: string;
  lastPrepareError?: string;
  lastDiffResult?: CommandResultSummary;
  /** A manual prune writes its summary here too. */
  lastDeployResult?: CommandResultSummary;
  lastValidateResult?: ValidateResult;
  lastDriftDetectionResult?: DriftDetectionResult;
  lastDriftDetectionResultMessage?: string;
};

export interface KluctlDeployment extends KubeObject {
  spec: KluctlDeploymentSpec;
  status?: KluctlDeploymentStatus;
}
