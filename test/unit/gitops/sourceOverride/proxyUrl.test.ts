import * as assert from 'node:assert/strict';
import { buildProxyUrl } from '../../../../src/gitops/sourceOverride/proxyUrl.js';

describe('source override proxy URL', () => {
  const id = 'ab'.repeat(32);

  it('names the host the controller dials, its port and our stream', () => {
    assert.equal(buildProxyUrl('10.244.0.17', 8082, id), `grpc+source-override://10.244.0.17:8082/${id}`);
    assert.equal(buildProxyUrl('localhost', 33419, id), `grpc+source-override://localhost:33419/${id}`);
  });

  it('brackets IPv6 addresses once', () => {
    assert.equal(buildProxyUrl('fd00::17', 8082, id), `grpc+source-override://[fd00::17]:8082/${id}`);
    assert.equal(buildProxyUrl('[fd00::17]', 8082, id), `grpc+source-override://[fd00::17]:8082/${id}`);
  });

  it('refuses a malformed server id or port', () => {
    assert.throws(() => buildProxyUrl('localhost', 8082, 'AB'.repeat(32)), /not a source-override server id/);
    assert.throws(() => buildProxyUrl('localhost', 8082, 'ab'), /not a source-override server id/);
    assert.throws(() => buildProxyUrl('localhost', 0, id), /not a TCP port/);
    assert.throws(() => buildProxyUrl('localhost', 65536, id), /not a TCP port/);
  });
});
