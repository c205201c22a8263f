/**
 * Helm with no binary: Helm v4.2.2's own chart loader and template engine (the version kluctl v2.28 embeds),
 * built from helm-wasm/ into a WASI reactor (scripts/build-helm-wasm.sh, shipped as dist/helm.wasm) and run
 * through the project's own read-only WASI host (wasi-readonly.ts). The module is compiled once per process, and
 * one instance renders chart after chart (helmSession); its only file system is the current chart's directory (as
 * /chart, read-only), with no environment and no output but its result; its one host function besides WASI
 * generates RSA keys (Sprig's certificate functions, see hostFunctions). Its linear memory is capped
 * (MAX_MEMORY_MB): a chart that needs more fails with a clear error instead of growing the editor's memory. A render
 * is one synchronous call: it runs in the engine worker, whose owner terminates it on cancel.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { prepareRsaKeys, takeRsaKey } from './rsa-keys.js';
import { ReadOnlyWasi, WasiExit } from './wasi-readonly.js';

export interface HelmTemplateRequest {
  /** Host path of the chart directory (Chart.yaml at its root). */
  chartDir: string;
  releaseName: string;
  namespace: string;
  /** `--kubernetes-version`, else the server's when online; Helm v4.2's default (v1.36) when absent. */
  kubeVersion?: string;
  /** The cluster's API versions when online; Helm's own list of known versions when absent (offline). */
  apiVersions?: string[];
  includeCRDs: boolean;
  /** Text of the values file (already decrypted), if any. */
  values?: string;
}

export interface HelmTemplateResult {
  /** `---\n# Source: <file>\n<content>\n` per document: CRDs, manifests in install order, non-test hooks. */
  manifest: string;
  warnings: string[];
  /**
   * The functions the render called whose result is not a function of its inputs (the clock, randomness, generated
   * keys and certificates, DNS; helm-wasm/volatile.go): such a render must not be reused.
   */
  volatile: string[];
}

interface WasmResponse {
  error?: string;
  documents?: Array<{ name: string; content: string }>;
  warnings?: string[];
  volatile?: string[];
}

/** The part of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmModule {
  readonly __module: unique symbol;
}
interface WasmInstance {
  exports: Record<string, unknown>;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
  RuntimeError: new (...args: never[]) => Error;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface HelmExports {
  memory: { buffer: ArrayBuffer };
  helm_alloc(size: number): number;
  helm_render(): number;
  helm_result_ptr(): number;
  helm_free(): void;
}

/** Upper bound of one render's linear memory. */
export const MAX_MEMORY_MB = 1024;
const PAGE = 65536;

/**
 * Where the module is: KLUCTL_HELM_WASM (tests, which run unbundled), else next to the running bundle (dist/); never
 * relative to the working directory, which may be an untrusted project.
 */
export function helmWasmPath(): string | undefined {
  const bundleDir = typeof __dirname === 'string' ? __dirname : undefined;
  const candidates = [process.env.KLUCTL_HELM_WASM, bundleDir && path.join(bundleDir, 'helm.wasm')];
  return candidates.find((p): p is string => !!p && fs.existsSync(p));
}

let compiled: { file: string; module: Promise<WasmModule> } | undefined;
let baselineOnly = false;

/**
 * Compile the module with V8's baseline compiler (Liftoff) only. A CLI process renders few charts: with dynamic
 * tier-up the optimizing compiler spends seconds on the huge functions of Go's WebAssembly that one render never
 * pays back (simple-helm: 5.8 s -> 3.3 s per process). The extension's long-lived worker, whose process is shared
 * with other extensions, keeps V8's defaults. V8's flags are process-wide and read when a module compiles, so the
 * flag is set just before the first compile, not at start: set at start, it slowed every worker thread's start by
 * about 30 ms (and with it every CLI render) although most renders compile no WebAssembly.
 */
export function useWasmBaselineOnly(): void {
  baselineOnly = true;
}

/** The compiled module, compiled once per process (per file). */
export function helmModule(): Promise<WasmModule> {
  const file = helmWasmPath();
  if (!file)
    return Promise.reject(
      new Error('the bundled Helm engine (helm.wasm) is missing: run `npm run build` (or set KLUCTL_HELM_WASM)'),
    );
  if (compiled?.file !== file) {
    if (baselineOnly) {
      try {
        process.getBuiltinModule('node:v8').setFlagsFromString('--liftoff-only');
      } catch {
        // V8's defaults
      }
    }
    const module = fs.promises
      .readFile(file)
      .then((bytes) => WebAssembly.compile(withMemoryLimit(bytes, (MAX_MEMORY_MB * 1024 * 1024) / PAGE)));
    compiled = { file, module };
    module.catch(() => {
      if (compiled?.module === module) compiled = undefined;
    });
  }
  return compiled.module;
}

/**
 * Starts compiling the module in the background (V8 compiles off this thread), for a render that will need it soon;
 * a failure is reported by the render that needs it.
 */
export function prefetchHelmModule(): void {
  if (helmWasmPath()) helmModule().catch(() => undefined);
}

/**
 * One instance per process serves the renders one after the other (Go's runtime and Helm's packages initialise once:
 * 0.15-0.9 s per chart saved), its preopened directory switched to each chart (ReadOnlyWasi.rebase: nothing of the
 * previous chart stays reachable). It is dropped after a render that trapped or failed in the host, and when its
 * memory has grown past RECYCLE_MB (Go never gives linear memory back), so a chart never inherits a full heap.
 */
interface HelmSession {
  instance: WasmInstance;
  wasi: ReadOnlyWasi;
  memory: { buffer: ArrayBuffer };
}
/** A session whose memory grew past this is not reused. */
const RECYCLE_MB = 384;
let session: Promise<HelmSession> | undefined;

function helmSession(chartDir: string): Promise<HelmSession> {
  if (!session) {
    const created = (async (): Promise<HelmSession> => {
      const module = await helmModule();
      const wasi = new ReadOnlyWasi(chartDir, '/chart', ['helm']);
      try {
        let memory: { buffer: ArrayBuffer } | undefined;
        const instance = await WebAssembly.instantiate(module, {
          ...wasi.imports(),
          kluctl: hostFunctions(() => memory),
        });
        memory = instance.exports.memory as { buffer: ArrayBuffer };
        wasi.initialize(instance);
        return { instance, wasi, memory };
      } catch (error) {
        wasi.dispose();
        throw failure(error, wasi, undefined);
      }
    })();
    session = created;
    created.catch(() => {
      if (session === created) session = undefined;
    });
  }
  return session;
}

function dropSession(s: HelmSession): void {
  void session?.then((current) => {
    if (current === s) session = undefined;
  });
  s.wasi.dispose();
}

/** Renders a chart like kluctl v2.28's `helm template` (action.Install, client dry run). */
export async function helmTemplateWasm(req: HelmTemplateRequest, signal?: AbortSignal): Promise<HelmTemplateResult> {
  signal?.throwIfAborted();
  prepareRsaKeys(req.chartDir);
  const s = await helmSession(req.chartDir);
  signal?.throwIfAborted();
  let response: WasmResponse;
  try {
    s.wasi.rebase(req.chartDir);
    response = call(s, {
      chartDir: '/chart',
      releaseName: req.releaseName,
      namespace: req.namespace,
      kubeVersion: req.kubeVersion ?? '',
      apiVersions: req.apiVersions ?? null,
      includeCRDs: req.includeCRDs,
      values: req.values ?? '',
    });
  } catch (error) {
    dropSession(s);
    throw error;
  }
  if (s.memory.buffer.byteLength > RECYCLE_MB * 1024 * 1024) dropSession(s);
  else s.wasi.dispose();
  if (response.error !== undefined) throw new Error(response.error.replaceAll('/chart/', ''));
  const manifest = (response.documents ?? []).map((d) => `---\n# Source: ${d.name}\n${d.content}\n`).join('');
  return { manifest, warnings: response.warnings ?? [], volatile: response.volatile ?? [] };
}

/** RSA key sizes the module may ask for: Sprig's certificates (2048) and genPrivateKey "rsa" (4096). */
const RSA_KEY_BITS = new Set([2048, 4096]);

/**
 * What the module imports besides WASI (helm-wasm/hostkeys.go): RSA keys from Node's OpenSSL (rsa-keys.ts), where
 * generating one in WebAssembly takes seconds. A call is synchronous, like the render, and ends with it.
 */
function hostFunctions(memory: () => { buffer: ArrayBuffer } | undefined) {
  return {
    rsa_generate_key: (bits: number, ptr: number, capacity: number): number => {
      const mem = memory();
      if (!mem || !RSA_KEY_BITS.has(bits)) return 0;
      const der = takeRsaKey(bits);
      if (der.length > capacity || ptr + der.length > mem.buffer.byteLength) return 0;
      new Uint8Array(mem.buffer, ptr, der.length).set(der);
      return der.length;
    },
  };
}

function call(s: HelmSession, request: unknown): WasmResponse {
  const x = s.instance.exports as unknown as HelmExports;
  try {
    const input = Buffer.from(JSON.stringify(request), 'utf8');
    const ptr = x.helm_alloc(input.length);
    new Uint8Array(x.memory.buffer, ptr, input.length).set(input);
    const len = x.helm_render();
    const out = Buffer.from(new Uint8Array(x.memory.buffer, x.helm_result_ptr(), len)).toString('utf8');
    x.helm_free();
    return JSON.parse(out) as WasmResponse;
  } catch (error) {
    throw failure(error, s.wasi, s.memory);
  }
}

/** A trap or an exit of the module as the error a user reads (out of memory, or what Go said on stderr). */
function failure(error: unknown, wasi: ReadOnlyWasi, memory: { buffer: ArrayBuffer } | undefined): unknown {
  if (!(error instanceof WebAssembly.RuntimeError || error instanceof WasiExit)) return error;
  const mb = Math.round((memory?.buffer.byteLength ?? 0) / 1024 / 1024);
  const said = wasi.stderr.trim().split('\n')[0];
  return new Error(
    mb >= MAX_MEMORY_MB - 64 || /out of memory/.test(said)
      ? `helm ran out of memory (limit ${MAX_MEMORY_MB} MiB)`
      : `helm stopped: ${said || error.message}`,
    { cause: error },
  );
}

/**
 * Sets the maximum of the module's own linear memory (Go's wasm linker declares none), so memory.grow beyond it
 * fails inside the module (Go: "out of memory") instead of growing without bound.
 */
export function withMemoryLimit(bytes: Uint8Array, maxPages: number): Uint8Array {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      out.push(b);
    } while (n > 0);
    return out;
  };
  const readLeb = (at: number): [number, number] => {
    let value = 0;
    let shift = 0;
    for (let i = at; i < bytes.length && i < at + 5; i++) {
      value += (bytes[i] & 0x7f) * 2 ** shift;
      shift += 7;
      if ((bytes[i] & 0x80) === 0) return [value, i + 1];
    }
    throw new Error('helm.wasm: invalid module');
  };
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = readLeb(at + 1);
    if (id === 5) {
      const [count, limits] = readLeb(body);
      if (count !== 1) return bytes;
      const flags = bytes[limits];
      if (flags !== 0 && flags !== 1) return bytes; // shared or 64-bit memory: leave alone
      const [min, afterMin] = readLeb(limits + 1);
      const end = flags === 1 ? readLeb(afterMin)[1] : afterMin;
      if (end !== body + size) return bytes;
      const content = [...leb(1), 0x01, ...leb(min), ...leb(Math.max(min, maxPages))];
      const section = [5, ...leb(content.length), ...content];
      const out = new Uint8Array(bytes.length - (body + size - at) + section.length);
      out.set(bytes.subarray(0, at), 0);
      out.set(section, at);
      out.set(bytes.subarray(body + size), at + section.length);
      return out;
    }
    at = body + size;
  }
  return bytes;
}
