import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/run.js';
import { VERSION } from '../../src/version.js';
import { REPO_ROOT } from '../harness/paths.js';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('kluctl-ts CLI', () => {
  it('prints its version', async () => {
    const out = capture();
    assert.equal(await runCli(['version'], { stdout: out.stream, stderr: capture().stream }), 0);
    assert.equal(out.text(), `kluctl-ts ${VERSION}\n`);
  });

  it('rejects an unknown command with usage and exit code 2', async () => {
    const err = capture();
    assert.equal(await runCli(['deployy'], { stdout: capture().stream, stderr: err.stream }), 2);
    assert.match(err.text(), /unknown command "deployy"/);
    assert.match(err.text(), /Usage: kluctl-ts <command>/);
  });
});

describe('esbuild bundles', () => {
  const dist = path.join(REPO_ROOT, 'dist');
  before(() => {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
  });

  it('the CLI bundle runs standalone, with and without its compile cache', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-ts-compile-cache-'));
    try {
      for (const env of [{ XDG_CACHE_HOME: cache }, { XDG_CACHE_HOME: cache }, { KLUCTL_TS_NO_COMPILE_CACHE: '1' }]) {
        const run = spawnSync(process.execPath, [path.join(dist, 'cli.cjs'), 'version'], {
          encoding: 'utf8',
          env: { ...process.env, ...env },
        });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout.trim(), `kluctl-ts ${VERSION}`);
      }
      // The first start wrote the cache the second one used (Node < 22.1: by hand; later: Node's own).
      assert.ok(fs.readdirSync(path.join(cache, 'kluctl-ts', 'compile-cache')).length > 0);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('every bundle is ASCII (a non-ASCII comment made the source a two-byte string: a slower start)', () => {
    for (const file of fs.readdirSync(dist).filter((f) => f.endsWith('.cjs'))) {
      const bytes = fs.readFileSync(path.join(dist, file));
      const at = bytes.findIndex((b) => b > 0x7f);
      assert.equal(at, -1, `${file}: a non-ASCII byte at offset ${at}`);
    }
  });

  it('the engine worker bundle both of them start is built and shipped in the VSIX', () => {
    const ignore = fs.readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8').split('\n');
    // engine-worker.cjs is the launcher (src/cli/launch.ts) of engine-worker-main.cjs.
    for (const file of ['engine-worker.cjs', 'engine-worker-main.cjs', 'cli-main.cjs']) {
      const code = fs.readFileSync(path.join(dist, file), 'utf8');
      assert.doesNotMatch(code, /require\("vscode"\)/);
      assert.ok(ignore.includes(`!dist/${file}`), `.vscodeignore keeps dist/${file}`);
    }
  });

  it('the extension bundle keeps vscode external and inlines everything else', () => {
    const code = fs.readFileSync(path.join(dist, 'extension.cjs'), 'utf8');
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    assert.ok(required.includes('vscode'), 'vscode is required at runtime');
    const builtins = new Set(builtinModules);
    // Optional accelerators of ws and node-fetch, required inside try/catch and absent on purpose.
    const optional = new Set(['bufferutil', 'utf-8-validate', 'encoding']);
    // The engine code the extension runs itself, a bundle of its own loaded on first use (see below).
    const onDemand = './extension-on-demand.cjs';
    const nonBuiltins = required.filter(
      (m) => m !== 'vscode' && m !== onDemand && !m.startsWith('node:') && !builtins.has(m) && !optional.has(m),
    );
    assert.deepEqual(nonBuiltins, []);
  });

  it('the extension bundle leaves the engine and gRPC to the worker and to extension-on-demand.cjs, loaded on first use', () => {
    // Without minification esbuild heads every module with a `// src/...` comment: the modules the bundle holds.
    const modules = (file: string) =>
      [...fs.readFileSync(path.join(dist, file), 'utf8').matchAll(/^\/\/ (src\/\S+\.ts)$/gm)].map((m) => m[1]);
    const extension = modules('extension.cjs');
    const engine = extension.filter((m) => m.startsWith('src/engine/'));
    const heavy = engine.filter((m) =>
      /^src\/engine\/(template|kustomize|helm|render|vars|deployment|sops|git|postprocess|diff|cluster)\//.test(m),
    );
    assert.deepEqual(heavy, [], 'no template, kustomize or rendering code in dist/extension.cjs');
    const grpc = extension.filter((m) => m.startsWith('src/gitops/sourceOverride/session') || m.includes('proto'));
    assert.deepEqual(grpc, [], 'the local source override (gRPC) is loaded on demand too');
    const text = fs.readFileSync(path.join(dist, 'extension.cjs'), 'utf8');
    assert.doesNotMatch(text, /^\/\/ node_modules\/(@grpc|protobufjs)\//m);
    // What stays: the worker's client, the editor's cursor helpers and the YAML of `-a` values.
    assert.ok(engine.includes('src/engine/worker/client.ts'));
    const code = fs.readFileSync(path.join(dist, 'extension.cjs'), 'utf8');
    assert.match(code, /require\("\.\/extension-on-demand\.cjs"\)/);
    assert.ok(modules('extension-on-demand.cjs').includes('src/engine/template/renderer.ts'));
    const ignore = fs.readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!dist/extension-on-demand.cjs'), '.vscodeignore keeps dist/extension-on-demand.cjs');
  });

  it('extension-on-demand.cjs works on its own: reads a .kluctl.yaml and documents the template functions', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluctl-extension-on-demand-'));
    try {
      fs.writeFileSync(
        path.join(dir, '.kluctl.yaml'),
        'args:\n  - name: env\n    default: dev\ntargets:\n  - name: prod\n    context: kind-prod\n    args:\n      env: prod\n',
      );
      const script = `const e = require(${JSON.stringify(path.join(dist, 'extension-on-demand.cjs'))});
        const p = e.readKluctlProject(${JSON.stringify(dir)});
        const targets = p.targets.map((t) => ({ name: t.name, context: t.context, args: t.args }));
        console.log(JSON.stringify({ targets, args: p.config.args, docs: e.templateCallableDocs().has('filter:to_yaml') }));`;
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), {
        targets: [{ name: 'prod', context: 'kind-prod', args: { env: 'prod' } }],
        args: [{ name: 'env', default: 'dev' }],
        docs: true,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
