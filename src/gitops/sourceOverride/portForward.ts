import * as net from 'node:net';
import { Writable } from 'node:stream';
import type { PortForward } from '@kubernetes/client-node';
import { SourceOverrideError } from './errors.js';
import type { ControllerPod } from './controllerPod.js';

/** What the listener needs of client-node's `PortForward` (a fake in tests). */
export type PodPortForwarder = Pick<PortForward, 'portForward'>;

interface ClosableSocket {
  close(): void;
  terminate?(): void;
  on(event: 'close', listener: () => void): unknown;
}

export interface PortForwardListener {
  /** The local port on 127.0.0.1. */
  readonly port: number;
  /** The last failure of a forwarded connection (upgrade refused, pod port closed), for error messages. */
  lastError(): string | undefined;
  /** Stops listening and ends every forwarded connection. */
  close(): Promise<void>;
}

/**
 * A listener on a random 127.0.0.1 port; each connection to it becomes one Kubernetes port-forward stream (a
 * WebSocket to the API server) to the pod's port, like `kubectl port-forward`.
 */
export async function listenPortForward(forwarder: PodPortForwarder, pod: ControllerPod): Promise<PortForwardListener> {
  const sockets = new Set<net.Socket>();
  const webSockets = new Set<ClosableSocket>();
  let lastError: string | undefined;
  const where = `pod ${pod.namespace}/${pod.name} port ${pod.port}`;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const errors = new Writable({
      write(chunk: Buffer, _encoding, done) {
        // client-node passes on the error channel's first frame (the port number it strips) as an empty chunk:
        // only a message is an error. Seen against a real node proxy (kwok's kubelet server).
        const text = chunk.toString('utf8').trim();
        if (text) {
          lastError = `port-forward to ${where}: ${text}`;
          socket.destroy();
        }
        done();
      },
    });
    forwarder.portForward(pod.namespace, pod.name, [pod.port], socket, errors, socket).then(
      (result: unknown) => {
        // client-node's WebSocket (isomorphic-ws, whose types are not installed here), or a function returning it.
        const ws = (typeof result === 'function' ? (result as () => unknown)() : result) as ClosableSocket | null;
        if (!ws) return;
        if (socket.destroyed) {
          ws.close();
          return;
        }
        webSockets.add(ws);
        ws.on('close', () => {
          webSockets.delete(ws);
          socket.destroy();
        });
        socket.on('close', () => ws.close());
      },
      (error: unknown) => {
        lastError = `port-forward to ${where} failed: ${describeForwardFailure(error, pod)}`;
        socket.destroy();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) =>
      reject(
        new SourceOverrideError(
          'controllerUnreachable',
          `cannot listen for a port-forward to ${where}: ${error.message}`,
        ),
      ),
    );
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    lastError: () => lastError,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      // terminate() drops the connection at once; close() would wait for the API server's close frame.
      for (const ws of webSockets) (ws.terminate ?? ws.close).call(ws);
      await closed;
    },
  };
}

/** client-node reports a refused WebSocket upgrade as "Unexpected server response: 403": say which permission. */
function describeForwardFailure(error: unknown, pod: ControllerPod): string {
  // client-node rejects with the WebSocket's ErrorEvent, which is no Error but carries a message.
  const message =
    error instanceof Error
      ? error.message
      : typeof error === 'object' && error !== null && 'message' in error
        ? String(error.message)
        : String(error);
  if (/\b403\b/.test(message)) {
    return `the API server refused it (403 Forbidden): a port-forward needs "create pods/portforward" in namespace ${pod.namespace}`;
  }
  return message;
}
