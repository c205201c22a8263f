import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../src/kube/client.js';
import { listAndWatch, type WatchState } from '../../../src/kube/watch.js';
import type { KubeObject } from '../../../src/kube/objects.js';

/**
 * The watch protocol's edge cases, against a minimal stand-in API server (the real apiserver tests cover the
 * normal path; an expired resourceVersion cannot be provoked there on demand).
 */
describe('listAndWatch protocol handling', () => {
  let server: http.Server;
  let client: KubeClient;
  let script: (req: http.IncomingMessage, res: http.ServerResponse, count: { list: number; watch: number }) => void;
  const count = { list: 0, watch: 0 };

  beforeEach(async () => {
    count.list = 0;
    count.watch = 0;
    server = http.createServer((req, res) => {
      const isWatch = new URL(req.url ?? '/', 'http://x').searchParams.get('watch') === '1';
      if (isWatch) count.watch++;
      else count.list++;
      script(req, res, count);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        { name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
      ],
      users: [{ name: 'u' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    client = new KubeClient(kc, 'c', 2000);
  });
  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  const cm = (name: string, rv: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, resourceVersion: rv },
  });
  const list = (rv: string, ...items: KubeObject[]): string =>
    JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: rv }, items });

  it('re-lists after 410 Gone, and resumes watching from bookmarks', async () => {
    const versions: string[] = [];
    script = (req, res, n) => {
      const params = new URL(req.url ?? '/', 'http://x').searchParams;
      if (params.get('watch') !== '1')
        return res.end(n.list === 1 ? list('10', cm('a', '10')) : list('50', cm('a', '10'), cm('b', '50')));
      versions.push(params.get('resourceVersion') ?? '');
      res.write(JSON.stringify({ type: 'BOOKMARK', object: cm('', n.watch === 1 ? '20' : '60') }) + '\n');
      if (n.watch === 1)
        res.end(); // server-side timeout: the watch is renewed from the bookmark
      else if (n.watch === 2)
        res.end(
          JSON.stringify({
            type: 'ERROR',
            object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' },
          }) + '\n',
        );
      else res.write(JSON.stringify({ type: 'ADDED', object: cm('c', '61') }) + '\n');
    };
    const stop = new AbortController();
    const lists: string[][] = [];
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      void listAndWatch(
        client,
        { path: '/api/v1/configmaps', signal: stop.signal },
        {
          onList: (items) => lists.push(items.map((i) => i.metadata.name)),
          onEvent: (type, o) => {
            events.push(`${type} ${o.metadata.name}`);
            resolve();
          },
        },
      );
    });
    stop.abort();
    assert.deepEqual(lists, [['a'], ['a', 'b']], 'listed again after 410');
    assert.deepEqual(versions, ['10', '20', '50'], 'renewed from the bookmark, then from the new list');
    assert.deepEqual(events, ['ADDED c'], 'bookmarks are not events');
  });

  it('retries an unavailable server with backoff and stops on 403', async () => {
    script = (_req, res, n) => {
      if (n.list <= 2) {
        res.statusCode = 503;
        return res.end('{"kind":"Status","reason":"ServiceUnavailable","message":"etcd is down"}');
      }
      res.statusCode = 403;
      res.end('{"kind":"Status","reason":"Forbidden","message":"configmaps is forbidden: User \\"x\\" cannot list"}');
    };
    const states: WatchState[] = [];
    await listAndWatch(
      client,
      { path: '/api/v1/configmaps', signal: new AbortController().signal, backoffMs: { initial: 10, max: 15 } },
      { onState: (s) => states.push(s) },
    );
    const kinds = states.map((s) => (s.kind === 'retrying' ? `retrying ${s.retryInMs}` : s.kind));
    assert.deepEqual(kinds, ['connecting', 'retrying 10', 'connecting', 'retrying 15', 'connecting', 'failed']);
    const failed = states.at(-1) as { error: Error };
    assert.match(failed.error.message, /list .*: 403 Forbidden: configmaps is forbidden/);
  });
});
