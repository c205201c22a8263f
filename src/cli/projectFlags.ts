/** The flags every project command shares (kluctl's project, target, args, images and inclusion flags). */

import * as path from 'node:path';
import type { FixedImage } from '../engine/project/types.js';
import type { RegistryFlags } from '../engine/oci/credentials.js';
import type { RenderProjectOptions } from '../engine/render/render-project.js';
import type { HelmCredentialArgs } from '../engine/helm/credentials.js';
import { UsageError, type FlagSpec, type ParsedFlags } from './flags.js';

/** kluctl's `--registry-*` flags: [flag suffix, RegistryFlags key, help]; files are resolved against the cwd. */
const REGISTRY_FLAGS: Array<[string, keyof RegistryFlags, string]> = [
  ['username', 'username', 'Username for <registry>/<repo>=<username>'],
  ['password', 'password', 'Password for <registry>/<repo>=<password>'],
  ['identity-token', 'identityToken', 'Identity token for <registry>/<repo>=<token>'],
  ['token', 'token', 'Registry token for <registry>/<repo>=<token>'],
  ['creds', 'creds', 'Credentials as <registry>/<repo>=<username>:<password> or =<token>'],
  ['key-file', 'keyFile', 'Client key as <registry>/<repo>=<file>'],
  ['cert-file', 'certFile', 'Client certificate as <registry>/<repo>=<file>'],
  ['ca-file', 'caFile', 'CA bundle as <registry>/<repo>=<file>'],
  ['plain-http', 'plainHttp', 'Use plain HTTP for <registry>/<repo>'],
  ['insecure-skip-tls-verify', 'insecureSkipTlsVerify', 'Skip TLS verification for <registry>/<repo>'],
];

const FILE_FLAGS = new Set<keyof RegistryFlags>(['keyFile', 'certFile', 'caFile']);

/** The `--registry-*` flags as RegistryFlags, file values made absolute against `cwd`. */
export function registryFlags(flags: ParsedFlags, cwd: string): RegistryFlags | undefined {
  const out: RegistryFlags = {};
  let any = false;
  for (const [name, key] of REGISTRY_FLAGS) {
    const values = (flags[`registry-${name}`] as string[] | undefined) ?? [];
    if (values.length === 0) continue;
    any = true;
    out[key] = FILE_FLAGS.has(key)
      ? values.map((v) => {
          const eq = v.indexOf('=');
          return eq < 0 ? v : `${v.slice(0, eq)}=${path.resolve(cwd, v.slice(eq + 1))}`;
        })
      : values;
  }
  return any ? out : undefined;
}

export const PROJECT_FLAGS: FlagSpec[] = [
  { name: 'project-dir', kind: 'string', help: 'Project directory (default: the current directory)' },
  { name: 'project-config', short: 'c', kind: 'string', help: 'Location of the .kluctl.yaml config file' },
  { name: 'target', short: 't', kind: 'string', help: 'Target name to run the command for' },
  { name: 'target-name-override', short: 'T', kind: 'string', help: 'Overrides the target name' },
  { name: 'context', kind: 'string', help: 'Overrides the context name specified in the target' },
  { name: 'kubeconfig', kind: 'string', help: 'Overrides the kubeconfig to use' },
  { name: 'arg', short: 'a', kind: 'list', help: 'Passes a template argument in the form of name=value' },
  { name: 'args-from-file', kind: 'list', help: 'Loads a YAML file with arguments' },
  {
    name: 'fixed-image',
    short: 'F',
    kind: 'list',
    help: 'Pin an image: image[:namespace[:deployment[:container]]]=result',
  },
  { name: 'fixed-images-file', kind: 'string', help: 'Use fixed images from this file' },
  { name: 'include-tag', short: 'I', kind: 'list', help: 'Include deployments with given tag' },
  { name: 'exclude-tag', short: 'E', kind: 'list', help: 'Exclude deployments with given tag' },
  { name: 'include-deployment-dir', kind: 'list', help: 'Include deployment dir (relative to the Git root)' },
  { name: 'exclude-deployment-dir', kind: 'list', help: 'Exclude deployment dir (relative to the Git root)' },
  { name: 'discriminator', kind: 'string', help: 'Override the target discriminator' },
  ...registryFlagSpecs(),
  ...helmCredentialFlags(),
];

/** kluctl's `--registry-*` flags: credentials and TLS for OCI includes and OCI Helm charts. */
export function registryFlagSpecs(): FlagSpec[] {
  return REGISTRY_FLAGS.map(([name, , help]): FlagSpec => ({
    name: `registry-${name}`,
    kind: 'list',
    help: `${help} (OCI includes, charts)`,
  }));
}

/** kluctl's helm credential flags: `<host>[/<path>]=<value>` or the deprecated `<credentialsId>:<value>`. */
function helmCredentialFlags(): FlagSpec[] {
  const form = (what: string) => `in the form <host>/<path>=${what} or <credentialsId>:${what}`;
  return [
    { name: 'helm-username', kind: 'list', help: `Username for Helm repository authentication, ${form('<username>')}` },
    { name: 'helm-password', kind: 'list', help: `Password for Helm repository authentication, ${form('<password>')}` },
    {
      name: 'helm-key-file',
      kind: 'list',
      help: `Client key for Helm repository authentication, ${form('<filePath>')}`,
    },
    {
      name: 'helm-cert-file',
      kind: 'list',
      help: `Client certificate for Helm repository authentication, ${form('<filePath>')}`,
    },
    { name: 'helm-ca-file', kind: 'list', help: `CA bundle for Helm repository authentication, ${form('<filePath>')}` },
    {
      name: 'helm-insecure-skip-tls-verify',
      kind: 'list',
      help: 'Skip TLS verification, in the form <host>/<path> or <credentialsId>',
    },
    { name: 'helm-creds', kind: 'list', help: 'Username and password: <host>/<path>=<username>:<password>' },
  ];
}

export const HELM_CREDENTIAL_FLAGS: FlagSpec[] = helmCredentialFlags();

/** The `--helm-*` flags as the engine takes them (key, cert and CA paths resolved against `cwd`). */
export function helmCredentials(flags: ParsedFlags, cwd: string): HelmCredentialArgs {
  const list = (n: string) => (flags[n] as string[] | undefined) ?? [];
  const files = (n: string) =>
    list(n).map((s) => {
      const eq = s.indexOf('=');
      if (eq >= 0) return `${s.slice(0, eq + 1)}${path.resolve(cwd, s.slice(eq + 1))}`;
      const colon = s.indexOf(':');
      return colon >= 0 ? `${s.slice(0, colon + 1)}${path.resolve(cwd, s.slice(colon + 1))}` : s;
    });
  return {
    username: list('helm-username'),
    password: list('helm-password'),
    keyFile: files('helm-key-file'),
    certFile: files('helm-cert-file'),
    caFile: files('helm-ca-file'),
    insecureSkipTlsVerify: list('helm-insecure-skip-tls-verify'),
    creds: list('helm-creds'),
  };
}

export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', kind: 'bool', help: 'Show this help' };

/** `image[:namespace[:deployment[:container]]]=result`, as kluctl's -F. */
export function parseFixedImage(text: string): FixedImage {
  const eq = text.indexOf('=');
  if (eq < 0) throw new UsageError(`invalid --fixed-image ${text}: expected image=result`);
  const [image, namespace, deployment, container] = text.slice(0, eq).split(':');
  return {
    image,
    resultImage: text.slice(eq + 1),
    namespace: namespace || undefined,
    deployment: deployment || undefined,
    container: container || undefined,
  };
}

export function projectOptions(flags: ParsedFlags, cwd: string, env?: NodeJS.ProcessEnv): RenderProjectOptions {
  const str = (n: string) => flags[n] as string | undefined;
  const list = (n: string) => (flags[n] as string[] | undefined) ?? [];
  const file = (n: string) => (str(n) ? path.resolve(cwd, str(n)!) : undefined);
  return {
    projectDir: path.resolve(cwd, str('project-dir') ?? '.'),
    projectConfig: file('project-config'),
    target: str('target'),
    targetNameOverride: str('target-name-override'),
    context: str('context'),
    kubeconfig: str('kubeconfig'),
    args: list('arg'),
    argsFromFiles: list('args-from-file').map((f) => path.resolve(cwd, f)),
    env,
    fixedImages: list('fixed-image').map(parseFixedImage),
    fixedImagesFile: file('fixed-images-file'),
    inclusion: {
      includeTags: list('include-tag'),
      excludeTags: list('exclude-tag'),
      includeDeploymentDirs: list('include-deployment-dir'),
      excludeDeploymentDirs: list('exclude-deployment-dir'),
    },
    discriminator: str('discriminator'),
    registry: registryFlags(flags, cwd),
    helmCredentials: helmCredentials(flags, cwd),
  };
}
