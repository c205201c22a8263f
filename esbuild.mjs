// Builds the shipped bundles: the VS Code extension (vscode stays external), the kluctl-ts CLI and the engine worker
// both of them run engine commands in.
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';

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
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
