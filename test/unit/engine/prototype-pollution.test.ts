import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../../src/engine/project/args.js';
import { parseYaml } from '../../../src/engine/yaml/strict.js';
import { deepCopy, isEmptyNull, parseResourceYaml } from '../../../src/engine/yaml/kustomize.js';
import { GitRepoCache } from '../../../src/engine/git/repo-cache.js';
import { objectAtPath } from '../../../src/engine/vars/json-path.js';
import { loadSystemEnvVars } from '../../../src/engine/vars/load-env.js';
import { loadGitFiles } from '../../../src/engine/vars/load-git-files.js';
import { deepMerge, setNested, type JsonObject } from '../../../src/kluctl/uo/merge.js';
import { getNested } from '../../../src/kluctl/uo/nested-fields.js';
import { commonLabels, type DeploymentProject } from '../../../src/engine/deployment/project.js';

/**
 * Keys named `__proto__`, `constructor` and `prototype` in user content are ordinary keys, as in Kluctl (Go maps):
 * they end up as own properties with their values, and no object of the process gains anything.
 */
describe('engine: no prototype pollution from user content', () => {
  const clean = () => {
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
  };
  const own = (o: unknown, k: string) => Object.getOwnPropertyDescriptor(o, k)?.value as unknown;
  afterEach(() => {
    // Undo a failure here so that it cannot cascade into other suites.
    delete (Object.prototype as Record<string, unknown>).x;
    delete (Object.prototype as Record<string, unknown>).polluted;
  });

  it('setNested keeps __proto__, constructor and prototype as own keys', () => {
    const o: JsonObject = {};
    setNested(o, ['__proto__', 'x'], 1);
    setNested(o, ['constructor', 'prototype', 'polluted'], 2);
    clean();
    assert.equal(JSON.stringify(o), '{"__proto__":{"x":1},"constructor":{"prototype":{"polluted":2}}}');
    assert.deepEqual(own(own(o, '__proto__'), 'x'), 1);
  });

  it('deepCopy keeps a __proto__ key as data, the empty-value marks, and shares no container', () => {
    const text = 'a:\n  __proto__:\n    polluted: 1\n  empty:\n  list: [1, {x: 2}]\n';
    const doc = parseResourceYaml(text, 'x.yaml')[0].value as Record<string, Record<string, unknown>>;
    const copy = deepCopy(doc);
    clean();
    assert.equal(JSON.stringify(copy), JSON.stringify(doc));
    assert.deepEqual(own(copy.a, '__proto__'), { polluted: 1 });
    assert.equal(Object.getPrototypeOf(copy.a), Object.prototype);
    assert.ok(isEmptyNull(copy.a, 'empty'));
    assert.notEqual(copy.a, doc.a);
    assert.notEqual(copy.a.list, doc.a.list);
    assert.notEqual((copy.a.list as object[])[1], (doc.a.list as object[])[1]);
  });

  it('deepMerge of JSON.parse output with a __proto__ key merges it as data', () => {
    const over = JSON.parse('{"__proto__": {"x": 1}, "a": {"__proto__": {"polluted": true}}}') as JsonObject;
    const base = { a: { b: 1 } };
    const merged = deepMerge(base, over);
    clean();
    assert.equal(Object.getPrototypeOf(merged), Object.prototype);
    assert.equal(JSON.stringify(merged), '{"a":{"b":1,"__proto__":{"polluted":true}},"__proto__":{"x":1}}');
    // and merging twice recurses into the own value, not into Object.prototype
    const twice = deepMerge(merged, JSON.parse('{"__proto__": {"y": 2}}') as JsonObject);
    clean();
    assert.deepEqual(own(twice, '__proto__'), { x: 1, y: 2 });
  });

  it('getNested finds only own keys (no inherited constructor/toString)', () => {
    assert.equal(getNested({}, ['constructor']).found, false);
    assert.equal(getNested({ a: {} }, ['a', 'toString']).found, false);
    assert.deepEqual(getNested(JSON.parse('{"__proto__": {"x": 3}}'), ['__proto__', 'x']), { found: true, value: 3 });
  });

  it('-a __proto__.x=… and -a constructor.prototype.polluted=… are ordinary args', () => {
    const args = parseArgs(['__proto__.x=injected', 'constructor.prototype.polluted=v']);
    clean();
    assert.equal(JSON.stringify(args), '{"__proto__":{"x":"injected"},"constructor":{"prototype":{"polluted":"v"}}}');
  });

  it('systemEnvVars with __proto__ keys set own keys from the environment', () => {
    const spec = parseYaml('__proto__:\n  x: MY_VAR\nconstructor:\n  prototype:\n    polluted: MY_VAR\n') as JsonObject;
    const out = loadSystemEnvVars(spec, { MY_VAR: 'v' }, false);
    clean();
    assert.equal(JSON.stringify(out), '{"__proto__":{"x":"v"},"constructor":{"prototype":{"polluted":"v"}}}');
  });

  it('a targetPath of __proto__.x creates own keys', () => {
    const out = objectAtPath('__proto__.x', { y: 1 });
    clean();
    assert.equal(JSON.stringify(out), '{"__proto__":{"x":{"y":1}}}');
  });

  it('YAML vars with a __proto__ key merge as data', () => {
    const vars = parseYaml('__proto__:\n  x: 1\nconstructor:\n  prototype:\n    polluted: 1\n') as JsonObject;
    const merged = deepMerge(deepMerge({}, vars), vars);
    clean();
    assert.equal(JSON.stringify(merged), '{"__proto__":{"x":1},"constructor":{"prototype":{"polluted":1}}}');
  });

  it('commonLabels named __proto__ stay labels', () => {
    const project = (labels: Record<string, string>, parent?: DeploymentProject) =>
      ({ config: { commonLabels: labels }, parent }) as unknown as DeploymentProject;
    const root = project(JSON.parse('{"__proto__": "root", "a": "1"}') as Record<string, string>);
    const child = project(JSON.parse('{"__proto__": "child"}') as Record<string, string>, root);
    const labels = commonLabels(child);
    clean();
    assert.equal(JSON.stringify(labels), '{"__proto__":"child","a":"1"}');
  });

  it('gitFiles with files under __proto__/ and constructor/prototype/ keep them in filesByPath and filesTree', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'proto-gitfiles-'));
    const work = path.join(tmp, 'work');
    const run = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' });
    fs.mkdirSync(path.join(work, '__proto__'), { recursive: true });
    fs.mkdirSync(path.join(work, 'constructor', 'prototype'), { recursive: true });
    fs.writeFileSync(path.join(work, '__proto__', 'x'), 'a');
    fs.writeFileSync(path.join(work, 'constructor', 'prototype', 'polluted'), 'b');
    run(tmp, 'init', '-q', '-b', 'main', work);
    run(work, 'add', '.');
    run(work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'files');
    try {
      const cache = new GitRepoCache(path.join(tmp, 'cache'));
      const result = (await loadGitFiles(cache, {}, { url: work, files: [{ glob: '**' }] }, false)) as Array<{
        filesByPath: JsonObject;
        filesTree: JsonObject;
      }>;
      clean();
      assert.deepEqual(Object.keys(result[0].filesByPath), ['__proto__/x', 'constructor/prototype/polluted']);
      const tree = result[0].filesTree;
      assert.deepEqual(Object.keys(tree), ['__proto__', 'constructor']);
      assert.equal((own(own(tree, '__proto__'), 'x') as { content: string }).content, 'a');
      assert.equal((own(own(own(tree, 'constructor'), 'prototype'), 'polluted') as { content: string }).content, 'b');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
