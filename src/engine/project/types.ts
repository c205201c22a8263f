/** Kluctl's project types (spec §1.2, §2.1), as parsed from YAML. */

import type { JsonObject } from '../../kluctl/uo/merge.js';

export interface DeploymentArg {
  name: string;
  default?: unknown;
}

export interface FixedImage {
  image?: string;
  imageRegex?: string;
  resultImage: string;
  namespace?: string;
  deployment?: string;
  container?: string;
}

export interface AwsConfig {
  profile?: string;
  serviceAccount?: { name?: string; namespace?: string };
}

export interface Target {
  name: string;
  context?: string;
  args?: JsonObject;
  aws?: AwsConfig;
  images?: FixedImage[];
  discriminator?: string;
}

export interface KluctlProjectConfig {
  targets?: Target[];
  args?: DeploymentArg[];
  discriminator?: string;
  aws?: AwsConfig;
}

export type GitRef = string | { branch?: string; tag?: string; commit?: string };

export interface GitProject {
  url: string;
  ref?: GitRef;
  subDir?: string;
}

export interface ObjectRefConfig {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface VarsSource {
  values?: JsonObject;
  file?: string;
  git?: { url: string; ref?: GitRef; path: string };
  gitFiles?: {
    url: string;
    ref?: GitRef;
    files?: Array<{ glob: string; render?: boolean; parseYaml?: boolean; yamlMultiDoc?: boolean }>;
  };
  clusterConfigMap?: ClusterObjectSource;
  clusterSecret?: ClusterObjectSource;
  clusterObject?: ClusterObjectSource & {
    kind: string;
    apiVersion?: string;
    list?: boolean;
    path: string;
    render?: boolean;
    parseYaml?: boolean;
  };
  systemEnvVars?: JsonObject;
  http?: { url: string; method?: string; body?: string; headers?: Record<string, string>; jsonPath?: string };
  awsSecretsManager?: unknown;
  gcpSecretManager?: unknown;
  azureKeyVault?: unknown;
  vault?: unknown;
  when?: string;
  ignoreMissing?: boolean;
  noOverride?: boolean;
  sensitive?: boolean;
  targetPath?: string;
  multidoc?: boolean;
}

export interface ClusterObjectSource {
  name?: string;
  labels?: Record<string, string>;
  namespace: string;
  key?: string;
  targetPath?: string;
}

export interface DeploymentItemConfig {
  path?: string;
  include?: string;
  git?: string | GitProject;
  oci?: { url: string; ref?: { tag?: string; digest?: string }; subDir?: string };
  deleteObjects?: ObjectRefConfig[];
  tags?: string[];
  barrier?: boolean;
  message?: string;
  recursive?: boolean;
  waitReadiness?: boolean;
  waitReadinessObjects?: ObjectRefConfig[];
  args?: JsonObject;
  passVars?: boolean;
  vars?: VarsSource[];
  skipDeleteIfTags?: boolean;
  onlyRender?: boolean;
  alwaysDeploy?: boolean;
  when?: string;
}

export interface IgnoreForDiffConfig {
  fieldPath?: string | string[];
  fieldPathRegex?: string | string[];
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface ConflictResolutionConfig extends IgnoreForDiffConfig {
  manager?: string | string[];
  action: 'ignore' | 'force-apply';
}

export interface DeploymentProjectConfig {
  vars?: VarsSource[];
  when?: string;
  deployments?: DeploymentItemConfig[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  overrideNamespace?: string;
  tags?: string[];
  ignoreForDiff?: IgnoreForDiffConfig[];
  conflictResolution?: ConflictResolutionConfig[];
}
