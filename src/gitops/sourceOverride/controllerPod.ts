import type { KubeClient } from '../../kube/client.js';
import { KubeApiError } from '../../kube/errors.js';
import { SourceOverrideError } from './errors.js';

export const CONTROLLER_POD_LABELS = 'control-plane=kluctl-controller';
export const SOURCE_OVERRIDE_PORT_NAME = 'source-override';

/** The fields of a Pod this module reads. */
export interface PodLike {
  metadata: { name: string; namespace?: string; deletionTimestamp?: string };
  spec?: { containers?: Array<{ ports?: Array<{ name?: string; containerPort: number }> }> };
  status?: { phase?: string; podIP?: string; conditions?: Array<{ type: string; status: string }> };
}

export interface ControllerPod {
  namespace: string;
  name: string;
  podIP: string;
  /** The containerPort named `source-override`. */
  port: number;
}

/** A Running, Ready kluctl-controller pod of the namespace that exposes the source-override port. */
export async function findControllerPod(
  client: KubeClient,
  namespace: string,
  signal?: AbortSignal,
): Promise<ControllerPod> {
  let pods: PodLike[];
  try {
    pods = (
      await client.requestJson<{ items: PodLike[] }>({
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
        query: { labelSelector: CONTROLLER_POD_LABELS },
        signal,
        description: `list kluctl-controller pods in namespace ${namespace}`,
      })
    ).items;
  } catch (error) {
    if (error instanceof KubeApiError && error.isForbidden) {
      throw new SourceOverrideError(
        'noControllerPod',
        `${error.message}. Uploading a source override needs "list pods" and "create pods/portforward" in namespace ${namespace}.`,
      );
    }
    throw error;
  }
  return chooseControllerPod(pods, namespace);
}

/** The first (by name) pod that can take a port-forward to its source-override port; else an error saying why none can. */
export function chooseControllerPod(pods: readonly PodLike[], namespace: string): ControllerPod {
  if (pods.length === 0) {
    throw new SourceOverrideError(
      'noControllerPod',
      `no kluctl-controller pod in namespace "${namespace}" (label ${CONTROLLER_POD_LABELS}). Is the controller installed there? If it runs as a local process, configure its source-override port instead.`,
    );
  }
  const problems: string[] = [];
  for (const pod of [...pods].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const problem = podProblem(pod);
    if (problem) {
      problems.push(`${pod.metadata.name} ${problem}`);
      continue;
    }
    return { namespace, name: pod.metadata.name, podIP: pod.status!.podIP!, port: sourceOverridePort(pod)! };
  }
  throw new SourceOverrideError(
    'noControllerPod',
    `no usable kluctl-controller pod in namespace "${namespace}": ${problems.join('; ')}`,
  );
}

function podProblem(pod: PodLike): string | undefined {
  if (pod.metadata.deletionTimestamp) return 'is terminating';
  if (pod.status?.phase !== 'Running') return `is ${pod.status?.phase ?? 'in an unknown phase'}`;
  if (!pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return 'is not Ready';
  if (!pod.status.podIP) return 'has no IP';
  if (sourceOverridePort(pod) === undefined) {
    return `has no containerPort named "${SOURCE_OVERRIDE_PORT_NAME}" (a controller older than v2.22, or run with --source-override-bind-address=0)`;
  }
  return undefined;
}

function sourceOverridePort(pod: PodLike): number | undefined {
  for (const container of pod.spec?.containers ?? []) {
    const port = container.ports?.find((p) => p.name === SOURCE_OVERRIDE_PORT_NAME);
    if (port) return port.containerPort;
  }
  return undefined;
}
