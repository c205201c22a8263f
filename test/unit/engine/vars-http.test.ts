import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitRepoCache } from '../../../src/engine/git/repo-cache.js';
import type { VarsSource } from '../../../src/engine/project/types.js';
import { loadVarsList } from '../../../src/engine/vars/vars-loader.js';

/** http vars beyond the conformance cases: multidoc, a body on GET, auth, jsonPath errors (v2.28 semantics). */
describe('engine vars: http', () => {
  let server: http.Server;
  let url: string;
  const ctx = { gitCache: new GitRepoCache('/nonexistent'), env: {} };
  const load = (http: NonNullable<VarsSource['http']>, extra: Partial<VarsSource> = {}) =>
    loadVarsList(ctx, {}, [{ http, ...extra }], [], '/p/deployment.yaml');

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const p = new URL(req.url!, 'http://x').pathname;
        if (p === '/multi') return void res.end('a: 1\n---\nb: 2\n');
        if (p === '/echo')
          return void res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization ?? null }));
        if (p === '/auth')
          return void (req.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}`
            ? res.end('ok: true')
            : res.writeHead(401).end());
        if (p === '/json') return void res.end('{"s": "x: 1", "n": 42, "l": "[1]"}');
        if (p === '/list') return void res.end('[1, 2]');
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('multidoc needs targetPath and yields a list', async () => {
    assert.deepEqual(await load({ url: `${url}/multi` }, { multidoc: true, targetPath: 'docs' }), {
      docs: [{ a: 1 }, { b: 2 }],
    });
    await assert.rejects(
      load({ url: `${url}/multi` }, { multidoc: true }),
      /multidoc vars sources can only be used when targetPath is also specified/,
    );
  });

  it('sends a body with any method, and user info as basic auth', async () => {
    assert.deepEqual(await load({ url: `${url}/echo`, body: 'hello' }), { method: 'GET', body: 'hello', auth: null });
    assert.deepEqual(await load({ url: `http://u:p@${url.slice(7)}/auth` }), { ok: true });
    await assert.rejects(
      load({ url: `${url}/auth` }),
      /failed with status code 401 \(kluctl-ts does not prompt for credentials/,
    );
  });

  it('jsonPath must find a string holding a YAML map', async () => {
    assert.deepEqual(await load({ url: `${url}/json`, jsonPath: 's' }), { x: 1 });
    await assert.rejects(load({ url: `${url}/json`, jsonPath: 'none' }), /none not found in result from http request/);
    await assert.rejects(
      load({ url: `${url}/json`, jsonPath: 'n' }),
      /n in result of http request \S+ is not a string/,
    );
    await assert.rejects(
      load({ url: `${url}/json`, jsonPath: 'l' }),
      /l in result of http request \S+ is not a YAML map/,
    );
  });

  it('a non-map result needs targetPath; server errors fail even with ignoreMissing', async () => {
    assert.deepEqual(await load({ url: `${url}/list` }, { targetPath: 'l' }), { l: [1, 2] });
    await assert.rejects(
      load({ url: `${url}/list` }),
      /\/p\/deployment\.yaml: vars source http GET \S+\/list: 'targetPath' is required for this variable source/,
    );
    await assert.rejects(load({ url: `${url}/other` }, { ignoreMissing: true }), /failed with status code 500/);
    await assert.rejects(
      load({ url: 'http://127.0.0.1:1/x' }),
      /vars source http GET http:\/\/127\.0\.0\.1:1\/x: http request to \S+ failed: .*ECONNREFUSED/,
    );
  });
});
