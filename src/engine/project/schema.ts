/**
 * The shapes of Kluctl's config files, for strict loading: Kluctl reads them with `UnmarshalStrict`, so an unknown
 * field or a value of the wrong type is an error (spec §0).
 */

import type { Schema } from '../yaml/strict.js';

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'bool' };
const int: Schema = { type: 'int' };
const any: Schema = { type: 'any' };
const obj = (fields: Record<string, Schema>): Schema => ({ type: 'object', fields });
const list = (of: Schema): Schema => ({ type: 'list', of });
const map = (of: Schema): Schema => ({ type: 'map', of });
const strOrList: Schema = { type: 'either', options: [str, list(str)] };

const deploymentArg = obj({ name: str, default: any });
const awsConfig = obj({ profile: str, serviceAccount: obj({ name: str, namespace: str }) });
const fixedImage = obj({
  image: str,
  imageRegex: str,
  resultImage: str,
  deployedImage: str,
  namespace: str,
  object: any,
  deployment: str,
  container: str,
  deployTags: list(str),
  deploymentDir: str,
});

export const TARGET: Schema = obj({
  name: str,
  context: str,
  args: map(any),
  aws: awsConfig,
  images: list(fixedImage),
  discriminator: str,
});
export const KLUCTL_PROJECT: Schema = obj({
  targets: list(TARGET),
  args: list(deploymentArg),
  discriminator: str,
  aws: awsConfig,
});
export const KLUCTL_LIBRARY: Schema = obj({ args: list(deploymentArg) });

const gitRef = obj({ branch: str, tag: str, commit: str });
const gitRefOrString: Schema = { type: 'either', options: [str, gitRef] };
const gitProject: Schema = { type: 'either', options: [str, obj({ url: str, ref: gitRefOrString, subDir: str })] };
const ociProject = obj({ url: str, ref: obj({ tag: str, digest: str }), subDir: str });
const objectRef = obj({ group: str, kind: str, name: str, namespace: str });
const labels = map(str);

const clusterObjectRef = { name: str, labels, namespace: str };
export const VARS_SOURCE: Schema = obj({
  values: map(any),
  file: str,
  git: obj({ url: str, ref: gitRefOrString, path: str }),
  gitFiles: obj({
    url: str,
    ref: gitRefOrString,
    files: list(obj({ glob: str, render: bool, parseYaml: bool, yamlMultiDoc: bool })),
  }),
  clusterConfigMap: obj({ ...clusterObjectRef, key: str, targetPath: str }),
  clusterSecret: obj({ ...clusterObjectRef, key: str, targetPath: str }),
  clusterObject: obj({
    ...clusterObjectRef,
    kind: str,
    apiVersion: str,
    list: bool,
    path: str,
    render: bool,
    parseYaml: bool,
  }),
  systemEnvVars: map(any),
  http: obj({ url: str, method: str, body: str, headers: map(str), jsonPath: str }),
  awsSecretsManager: obj({ secretName: str, region: str, profile: str }),
  gcpSecretManager: obj({ secretName: str }),
  azureKeyVault: obj({ vaultUri: str, secretName: str }),
  vault: obj({ address: str, path: str }),
  when: str,
  ignoreMissing: bool,
  noOverride: bool,
  sensitive: bool,
  targetPath: str,
  multidoc: bool,
});

const ignoreForDiff = obj({
  fieldPath: strOrList,
  fieldPathRegex: strOrList,
  group: str,
  kind: str,
  name: str,
  namespace: str,
});
const conflictResolution = obj({
  fieldPath: strOrList,
  fieldPathRegex: strOrList,
  manager: strOrList,
  group: str,
  kind: str,
  name: str,
  namespace: str,
  action: str,
});

export const DEPLOYMENT_ITEM: Schema = obj({
  path: str,
  include: str,
  git: gitProject,
  oci: ociProject,
  deleteObjects: list(objectRef),
  tags: list(str),
  barrier: bool,
  message: str,
  recursive: bool,
  waitReadiness: bool,
  waitReadinessObjects: list(objectRef),
  args: map(any),
  passVars: bool,
  vars: list(VARS_SOURCE),
  skipDeleteIfTags: bool,
  onlyRender: bool,
  alwaysDeploy: bool,
  when: str,
});

export const DEPLOYMENT_PROJECT: Schema = obj({
  vars: list(VARS_SOURCE),
  when: str,
  deployments: list(DEPLOYMENT_ITEM),
  commonLabels: labels,
  commonAnnotations: labels,
  overrideNamespace: str,
  tags: list(str),
  ignoreForDiff: list(ignoreForDiff),
  conflictResolution: list(conflictResolution),
  // Removed in Kluctl v2.25 and ignored since; v2.22.1 still accepts them (deprecated, without effect here).
  templateExcludePatterns: list(str),
});

export const HELM_CHART: Schema = obj({
  helmChart: obj({
    repo: str,
    path: str,
    git: obj({ url: str, ref: gitRefOrString, subDir: str }),
    credentialsId: str,
    chartName: str,
    chartVersion: str,
    updateConstraints: str,
    releaseName: str,
    namespace: str,
    output: str,
    skipCRDs: bool,
    skipUpdate: bool,
    skipPrePull: bool,
  }),
});

export const FIXED_IMAGES_FILE: Schema = obj({ images: list(fixedImage) });

export { int };
