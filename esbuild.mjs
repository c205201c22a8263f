// Builds the shipped bundles: the VS Code extension (vscode stays external), the kluctl-ts CLI and the engine worker
// both of them run engine commands in.
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  metafile: true,
};

/**
 * The extension's `import('./onDemand.js')` (src/extension/onDemandLoader.ts) stays out of dist/extension.cjs: it
 * becomes a require of dist/extension-on-demand.cjs, made on first use, so activation loads neither the engine nor the source override.
 */
const onDemand = {
  name: 'on-demand',
  setup(build) {
    build.onResolve({ filter: /^\.\/onDemand\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: './extension-on-demand.cjs', external: true } : undefined,
    );
  },
};

/**
 * Bundles of ASCII only. esbuild escapes strings but keeps comments (and regexp literals) as written, and a single
 * non-ASCII character there makes the whole 4 MB source a two-byte string when Node loads it: decoding it took ~25
 * ms per start and V8's code-cache check twice as long. Each such UTF-16 unit becomes a `\uXXXX` escape, which means
 * the same in a comment, string, template or regexp (esbuild leaves no non-ASCII identifier); sourcemap columns after
 * it on its line shift, nothing else.
 */
const asciiOnly = {
  name: 'ascii-only',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0) return;
      const file = build.initialOptions.outfile;
      const text = fs.readFileSync(file, 'utf8');
      // eslint-disable-next-line no-control-regex
      const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      if (ascii !== text) fs.writeFileSync(file, ascii);
    });
  },
};

const builds = [
  {
    ...common,
    entryPoints: ['src/extension/main.ts'],
    outfile: 'dist/extension.cjs',
    external: ['vscode'],
    plugins: [onDemand],
    // import() of the on-demand bundle as require(): the extension host loads CommonJS.
    supported: { 'dynamic-import': false },
  },
  { ...common, entryPoints: ['src/extension/onDemand.ts'], outfile: 'dist/extension-on-demand.cjs' },
  // dist/cli.cjs and dist/engine-worker.cjs are small launchers (src/cli/launch.ts) loading <name>-main.cjs with V8's
  // code cache, so a start does not compile the whole bundle again.
  { ...common, entryPoints: ['src/cli/launch.ts'], outfile: 'dist/cli.cjs', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli-main.cjs' },
  // Engine commands run in this worker (memory-limited, terminable), started by the extension and the CLI.
  { ...common, entryPoints: ['src/cli/launch.ts'], outfile: 'dist/engine-worker.cjs' },
  { ...common, entryPoints: ['src/engine/worker/engine-worker.ts'], outfile: 'dist/engine-worker-main.cjs' },
];

if (watch) {
  for (const options of builds)
    await (await esbuild.context({ ...options, plugins: [...(options.plugins ?? []), asciiOnly] })).watch();
} else {
  await Promise.all(
    builds.map((options) => esbuild.build({ ...options, plugins: [...(options.plugins ?? []), asciiOnly] })),
  );
}
