import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { KubeClient } from './client.js';

/**
 * The kubeconfig files to read, like kubectl: an explicit path wins; otherwise every entry of $KUBECONFIG
 * (":"-separated, ";" on Windows); otherwise ~/.kube/config. Missing files are skipped, as kubectl does.
 */
export function kubeconfigPaths(explicit?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit) return [explicit];
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p.trim() !== '');
  if (fromEnv.length > 0) return fromEnv;
  return [path.join(os.homedir(), '.kube', 'config')];
}

/**
 * Loads and merges kubeconfig files read-only. Earlier files win for duplicate names, as with kubectl.
 * Nothing here ever writes a kubeconfig.
 */
export function loadKubeConfig(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const paths = kubeconfigPaths(explicitPath, env).filter((p) => fs.existsSync(p));
  if (explicitPath && paths.length === 0) throw new Error(`kubeconfig ${explicitPath} does not exist`);
  const merged = new KubeConfig();
  let currentContext = '';
  for (const file of paths) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (error) {
      throw new Error(`kubeconfig ${file} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    currentContext ||= one.getCurrentContext();
    const has = <T extends { name: string }>(list: T[], item: T): boolean => list.some((x) => x.name === item.name);
    merged.loadFromOptions({
      clusters: [...merged.getClusters(), ...one.getClusters().filter((c) => !has(merged.getClusters(), c))],
      users: [...merged.getUsers(), ...one.getUsers().filter((u) => !has(merged.getUsers(), u))],
      contexts: [...merged.getContexts(), ...one.getContexts().filter((c) => !has(merged.getContexts(), c))],
      currentContext,
    });
  }
  return merged;
}

/** A client for one context of a loaded kubeconfig; the shared KubeConfig object is not modified. */
export function clientForContext(kubeConfig: KubeConfig, contextName?: string, timeoutMs?: number): KubeClient {
  const name = contextName || kubeConfig.getCurrentContext();
  if (!name) throw new Error('the kubeconfig has no current context; choose a context explicitly');
  if (!kubeConfig.getContextObject(name)) throw new Error(`context "${name}" does not exist in the kubeconfig`);
  const scoped = new KubeConfig();
  scoped.loadFromOptions({
    clusters: kubeConfig.getClusters(),
    users: kubeConfig.getUsers().map(nonInteractiveExec),
    contexts: kubeConfig.getContexts(),
    currentContext: name,
  });
  return new KubeClient(scoped, name, timeoutMs);
}

/**
 * Tells exec credential plugins, as kubectl does through KUBERNETES_EXEC_INFO, that nobody can answer a prompt,
 * so that plugins such as kubelogin fail instead of waiting for input.
 */
function nonInteractiveExec(user: User): User {
  const exec = (user as { exec?: { env?: Array<{ name: string; value: string }> | null; apiVersion?: string } }).exec;
  if (!exec) return user;
  const info = {
    apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    spec: { interactive: false },
  };
  const env = [
    ...(exec.env ?? []).filter((e) => e.name !== 'KUBERNETES_EXEC_INFO'),
    { name: 'KUBERNETES_EXEC_INFO', value: JSON.stringify(info) },
  ];
  return { ...user, exec: { ...exec, env } };
}
