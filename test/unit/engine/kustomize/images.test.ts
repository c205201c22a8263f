import * as assert from 'node:assert/strict';
import { splitImage, updateImage } from '../../../../src/engine/kustomize/transformers/images.js';

describe('engine/kustomize: images', () => {
  it('splits name, tag and digest, a registry port is not a tag', () => {
    assert.deepEqual(splitImage('nginx'), ['nginx', '', '']);
    assert.deepEqual(splitImage('nginx:1.25'), ['nginx', '1.25', '']);
    assert.deepEqual(splitImage('reg.io:5000/team/app:v1'), ['reg.io:5000/team/app', 'v1', '']);
    assert.deepEqual(splitImage('reg.io:5000/app@sha256:abc'), ['reg.io:5000/app', '', 'sha256:abc']);
    assert.deepEqual(splitImage('app:1@sha256:abc'), ['app', '1', 'sha256:abc']);
  });

  it('rewrites matching images with newName, newTag and digest', () => {
    assert.equal(updateImage('nginx:1.0', { name: 'nginx', newTag: '2.0' }), 'nginx:2.0');
    assert.equal(
      updateImage('nginx@sha256:old', { name: 'nginx', newName: 'mirror/nginx' }),
      'mirror/nginx@sha256:old',
    );
    assert.equal(updateImage('nginx:1.0', { name: 'nginx', digest: 'sha256:new' }), 'nginx@sha256:new');
    assert.equal(updateImage('nginx:1.0', { name: 'nginx', newTag: '2', digest: 'sha256:new' }), 'nginx:2@sha256:new');
    assert.equal(updateImage('nginx:1.0', { name: 'nginx', tagSuffix: '-debug' }), 'nginx:1.0-debug');
    assert.equal(updateImage('nginx-exporter:1', { name: 'nginx', newTag: '2' }), undefined);
    assert.equal(updateImage('docker.io/nginx:1', { name: 'nginx', newTag: '2' }), undefined);
  });
});
