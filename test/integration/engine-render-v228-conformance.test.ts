import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runRender } from '../../src/cli/render.js';
import { findOnPath } from '../../src/util/executables.js';
import { captureCli } from '../harness/cli.js';
import { useHelmWasm } from '../harness/helm-wasm.js';
import { FIXTURES_ROOT, KLUCTL_EXAMPLES, testBinaries } from '../harness/paths.js';

/**
 * `kluctl-ts render --print-all --offline-kubernetes` of every target of the shared kluctl-examples against the
 * recorded output of the real kluctl v2.28.2 (../shared/fixtures/kluctl-v2.28.2-renders, its README lists the
 * commands), with no helm on PATH: Helm charts render through the bundled Helm v4 engine (helm.wasm).
 * Objects must be identical and in the same order; Secrets with certificates a chart generates (random on every
 * render) are compared by structure.
 */

const RENDERS = path.join(FIXTURES_ROOT, 'kluctl-v2.28.2-renders');

interface Recording {
  file: string;
  project: string;
  args: string[];
}

/** The README's table: | `file` | `kluctl-examples/<project>` | `kluctl render <args>` |. */
function recordings(): Recording[] {
  const out: Recording[] = [];
  for (const line of fs.readFileSync(path.join(RENDERS, 'README.md'), 'utf8').split('\n')) {
    const m = /^\| `([^`]+\.yaml)` \| `kluctl-examples\/([^`]+)` \| `kluctl render ([^`]*)` \|$/.exec(line);
    if (!m) continue;
    const args = m[3]
      .trim()
      .split(/\s+/)
      .filter((a) => a !== '--print-all' && a !== '--offline-kubernetes');
    out.push({ file: m[1], project: m[2], args });
  }
  return out;
}

const GENERATED = new Set(['ca.crt', 'tls.crt', 'tls.key']);

/** Generated certificates (genCA/genSignedCert) differ on every render: keep only that they are there. */
function maskGenerated(o: unknown): unknown {
  const x = o as { kind?: string; data?: Record<string, unknown> };
  if (x?.kind !== 'Secret' || !x.data) return o;
  const data = Object.fromEntries(
    Object.entries(x.data).map(([k, v]) => [k, GENERATED.has(k) && typeof v === 'string' && v ? '<generated>' : v]),
  );
  return { ...x, data };
}

function objects(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((o) => o !== null && o !== undefined)
    .map(maskGenerated);
}

const ref = (o: unknown): string => {
  const x = o as { kind: string; metadata: { name: string; namespace?: string } };
  return `${x.kind}/${x.metadata.namespace ?? ''}/${x.metadata.name}`;
};

describe('engine render conformance with recorded kluctl v2.28.2 renders, no helm on PATH @integration @conformance', function () {
  this.timeout(600_000);
  const saved = { ...process.env };
  let tmp: string;

  before(() => {
    useHelmWasm();
    process.env.KLUCTL_KUSTOMIZE_BINARY = testBinaries('kustomize').kustomize;
    delete process.env.KLUCTL_HELM_BINARY;
    // PATH without any dir that holds a helm.
    process.env.PATH = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((d) => d && !fs.existsSync(path.join(d, 'helm')))
      .join(path.delimiter);
    assert.equal(findOnPath('helm'), undefined, 'helm is still on PATH');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'render-v228-'));
  });

  after(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const all = recordings();
  it('the recordings table lists every target', () => assert.ok(all.length >= 10, `${all.length} recordings`));

  for (const r of all) {
    it(`${r.project} ${r.args.join(' ')}`, async () => {
      // Like the recording: the project copied outside any Git repository.
      const dir = path.join(tmp, r.file.replace(/\.yaml$/, ''));
      fs.cpSync(path.join(KLUCTL_EXAMPLES, r.project), dir, { recursive: true });
      const run = await captureCli((io) =>
        runRender(['--print-all', '--offline-kubernetes', '--project-dir', dir, ...r.args], io, {
          env: { ...process.env, KUBECONFIG: path.join(tmp, 'no-kubeconfig') },
          cwd: dir,
        }),
      );
      assert.equal(run.code, 0, `kluctl-ts failed: ${run.stderr}`);
      const expected = objects(fs.readFileSync(path.join(RENDERS, r.file), 'utf8'));
      const actual = objects(run.stdout);
      assert.deepEqual(actual.map(ref), expected.map(ref), 'objects or their order differ');
      for (let i = 0; i < expected.length; i++) assert.deepEqual(actual[i], expected[i], ref(expected[i]));
    });
  }
});
