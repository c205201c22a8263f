import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { listenPortForward, type PodPortForwarder } from '../../../../src/gitops/sourceOverride/portForward.js';
import { type ControllerPod } from '../../../../src/gitops/sourceOverride/controllerPod.js';

const pod: ControllerPod = { namespace: 'kluctl-system', name: 'kluctl-controller-0', podIP: '10.0.0.1', port: 8082 };

/** Stands in for the API server's WebSocket: echoes, or fails the way it is told to. */
class FakeForwarder implements Pick<PodPortForwarder, 'portForward'> {
  readonly sockets: FakeWebSocket[] = [];
  constructor(private readonly mode: 'echo' | 'refuse' | 'podPortClosed') {}

  portForward: PodPortForwarder['portForward'] = (
    namespace,
    podName,
    ports,
    output: Writable,
    err: Writable | null,
    input: Readable,
  ) => {
    assert.deepEqual([namespace, podName, ports], [pod.namespace, pod.name, [pod.port]]);
    // client-node rejects with the WebSocket's ErrorEvent (not an Error).
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what client-node really does
    if (this.mode === 'refuse') return Promise.reject({ type: 'error', message: 'Unexpected server response: 403' });
    const ws = new FakeWebSocket();
    this.sockets.push(ws);
    if (this.mode === 'podPortClosed')
      setImmediate(() => err!.write(Buffer.from('an error occurred forwarding 8082 -> 8082: connection refused')));
    else {
      // client-node writes the error channel's port header to `err` as an empty chunk: not an error.
      err!.write(Buffer.alloc(0));
      input.on('data', (chunk: Buffer) => output.write(chunk));
    }
    return Promise.resolve(ws);
  };
}

class FakeWebSocket extends EventEmitter {
  closed = false;
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
  terminate(): void {
    this.close();
  }
}

function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    socket.on('data', (d) => {
      got += d.toString();
      if (got.length >= text.length) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(got));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('source override port-forward listener', () => {
  it('forwards each local connection through its own port-forward stream and closes everything', async () => {
    const forwarder = new FakeForwarder('echo');
    const listener = await listenPortForward(forwarder, pod);
    assert.equal(await exchange(listener.port, 'hello'), 'hello');
    const held = net.connect(listener.port, '127.0.0.1');
    await new Promise((resolve) => held.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const heldClosed = new Promise((resolve) => held.once('close', resolve));
    held.on('error', () => undefined);
    await listener.close();
    await heldClosed;
    assert.equal(forwarder.sockets.length, 2);
    assert.ok(
      forwarder.sockets.every((ws) => ws.closed),
      'every WebSocket closed',
    );
    assert.equal(await canConnect(listener.port), false, 'nothing listens any more');
    assert.equal(listener.lastError(), undefined);
  });

  it('remembers why a port-forward failed and drops the connection', async () => {
    for (const [mode, expected] of [
      [
        'refuse',
        'port-forward to pod kluctl-system/kluctl-controller-0 port 8082 failed: the API server refused it (403 Forbidden): a port-forward needs "create pods/portforward" in namespace kluctl-system',
      ],
      [
        'podPortClosed',
        'port-forward to pod kluctl-system/kluctl-controller-0 port 8082: an error occurred forwarding 8082 -> 8082: connection refused',
      ],
    ] as const) {
      const listener = await listenPortForward(new FakeForwarder(mode), pod);
      try {
        assert.equal(await exchange(listener.port, 'x'), '');
        assert.equal(listener.lastError(), expected);
      } finally {
        await listener.close();
      }
    }
  });
});
