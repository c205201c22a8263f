/**
 * The result JSON the controller stores in result Secrets and in the KluctlDeployment status (protocol §6),
 * unchanged from kluctl v2.20 to v2.28. Re-exported by types.ts.
 */
import type { KubeObject } from '../kube/objects.js';

export type GitRef = { branch: string } | { tag: string } | { commit: string };

/** The wire form of a project key, as in `status.projectKey` and in results. */
export interface ProjectKey {
  repoKey?: string;
  subDir?: string;
}

export interface TargetKey {
  targetName?: string;
  /** The UID of the target cluster's kube-system namespace. */
  clusterId: string;
  discriminator?: string;
}

export interface ObjectRef {
  group?: string;
  version?: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface Change {
  type: 'insert' | 'delete' | 'update';
  /** e.g. `spec.template.spec.containers[0].image` or `data["secret.dot1"]`. */
  jsonPath: string;
  oldValue?: unknown;
  newValue?: unknown;
  /** A unified diff without the `---`/`+++` header. */
  unifiedDiff?: string;
}

export interface DeploymentError {
  ref: ObjectRef;
  message: string;
}

export interface ResultObject {
  ref: ObjectRef;
  changes?: Change[];
  new?: boolean;
  orphan?: boolean;
  deleted?: boolean;
  hook?: boolean;
  rendered?: KubeObject;
  remote?: KubeObject;
  applied?: KubeObject;
}

export interface FixedImage {
  image?: string;
  imageRegex?: string;
  resultImage: string;
  [key: string]: unknown;
}

export interface CommandInfo {
  initiator: 'CommandLine' | 'KluctlDeployment';
  startTime: string;
  endTime: string;
  command?: 'diff' | 'deploy' | 'prune' | 'poke-images' | 'delete';
  [key: string]: unknown;
}

export interface KluctlDeploymentInfo {
  name: string;
  namespace: string;
  clusterId: string;
}

export interface GitInfo {
  url: string | null;
  ref: GitRef | null;
  subDir: string;
  commit: string;
  dirty: boolean;
}

export interface TargetInfo {
  name: string;
  context?: string;
  discriminator?: string;
  [key: string]: unknown;
}

interface ResultHeader {
  id: string;
  reconcileId: string;
  projectKey: ProjectKey;
  targetKey: TargetKey;
  kluctlDeployment?: KluctlDeploymentInfo;
  renderedObjectsHash?: string;
}

/** The `reducedResult` payload of a command result Secret. */
export interface CommandResult extends ResultHeader {
  target: TargetInfo;
  /** Named `command` here but `commandInfo` in the summary. */
  command?: CommandInfo;
  overridesPatch?: Record<string, unknown>;
  gitInfo?: GitInfo;
  clusterInfo: { clusterId: string };
  deployment?: unknown;
  objects?: ResultObject[];
  errors?: DeploymentError[];
  warnings?: DeploymentError[];
  seenImages?: FixedImage[];
}

export interface CommandResultSummary extends ResultHeader {
  target: TargetInfo;
  commandInfo: CommandInfo;
  gitInfo?: GitInfo;
  clusterInfo?: { clusterId: string };
  renderedObjects: number;
  remoteObjects: number;
  appliedObjects: number;
  appliedHookObjects: number;
  newObjects: number;
  changedObjects: number;
  orphanObjects: number;
  deletedObjects: number;
  errors: DeploymentError[];
  warnings: DeploymentError[];
  totalChanges: number;
}

export interface ValidateResultEntry {
  ref: ObjectRef;
  annotation: string;
  message: string;
}

export interface ValidateResult extends ResultHeader {
  overridesPatch?: Record<string, unknown>;
  startTime: string;
  endTime: string;
  ready: boolean;
  warnings?: DeploymentError[];
  errors?: DeploymentError[];
  results?: ValidateResultEntry[];
}

/** The `kluctl.io/validate-result-summary` annotation of a validate result Secret. */
export interface ValidateResultSummary extends ResultHeader {
  startTime: string;
  endTime: string;
  ready: boolean;
  warnings: number;
  errors: number;
  results: number;
}

export interface DriftedObject extends ResultObject {
  lastResourceVersion: string;
}

/** `status.lastDriftDetectionResult`: lists only drifted objects (new, orphan, deleted or changed). */
export interface DriftDetectionResult extends ResultHeader {
  startTime: string;
  endTime: string;
  warnings?: DeploymentError[];
  errors?: DeploymentError[];
  objects?: DriftedObject[];
}
