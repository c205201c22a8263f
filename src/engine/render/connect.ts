/**
 * Connecting to the target's cluster the way Kluctl does (spec §1.3). Its own module, imported when a render is not
 * offline: the kubeconfig loader brings @kubernetes/client-node, whose load is a large share of starting the engine
 * (render-project.ts imports this dynamically, so an offline render never loads it).
 */

import { clientForContext, loadKubeConfig } from '../../kube/kubeconfig.js';
import { ResourceMapper } from '../../kube/discovery.js';
import type { ClusterConnection } from './cluster.js';

/**
 * Without a usable kubeconfig and no requested context Kluctl only warns and runs without a client; a requested
 * context that does not exist is an error. `timeoutMs` bounds each request (the editor passes its
 * `kluctl.requestTimeoutSeconds`, as its own clients use); the client's default otherwise.
 */
export function connect(
  kubeconfig: string | undefined,
  requested: string | undefined,
  warnings: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs?: number,
): ClusterConnection | undefined {
  let config;
  try {
    config = loadKubeConfig(kubeconfig, env);
  } catch (error) {
    if (requested) throw error;
    warnings.push(
      `No valid KUBECONFIG provided, which means the Kubernetes client is not available (${(error as Error).message})`,
    );
    return undefined;
  }
  if (!requested && !config.getCurrentContext()) {
    warnings.push(
      'No valid KUBECONFIG provided, which means the Kubernetes client is not available. Depending on your deployment project, this might cause follow-up errors.',
    );
    return undefined;
  }
  const client = clientForContext(config, requested, timeoutMs);
  return { client, mapper: new ResourceMapper(client), contextName: client.contextName };
}
