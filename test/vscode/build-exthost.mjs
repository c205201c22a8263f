// Bundles the extension-host test runner (test/vscode/exthost/index.ts) and every test/vscode/exthost/**/*.test.ts
// suite into out/exthost/index.cjs: CommonJS, because the extension host require()s `extensionTestsPath` and this
// package is "type": "module". `vscode` comes from the host, `mocha` from node_modules at run time.
// The suites reach the runner through the virtual module `exthost:suites` (one lazy import per file, so their
// describe() calls run after mocha has installed its globals).
// Usage: node test/vscode/build-exthost.mjs [--watch]
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const exthostDir = path.join(root, 'test', 'vscode', 'exthost');
const outfile = path.join(root, 'out', 'exthost', 'index.cjs');
const watch = process.argv.includes('--watch');

function suiteFiles() {
  return fs
    .readdirSync(exthostDir, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => path.join(exthostDir, file))
    .sort();
}

/** @type {import('esbuild').Plugin} */
const suitesPlugin = {
  name: 'exthost-suites',
  setup(build) {
    build.onResolve({ filter: /^exthost:suites$/ }, () => ({ path: 'exthost:suites', namespace: 'exthost-suites' }));
    build.onLoad({ filter: /.*/, namespace: 'exthost-suites' }, () => {
      const files = suiteFiles();
      if (files.length === 0)
        return { errors: [{ text: `no *.test.ts suites under ${path.relative(root, exthostDir)}` }] };
      const entries = files.map(
        (file) =>
          `  { file: ${JSON.stringify(path.relative(root, file))}, load: () => import(${JSON.stringify(file)}) },`,
      );
      return {
        contents: `export const suites = [\n${entries.join('\n')}\n];\n`,
        resolveDir: exthostDir,
        loader: 'js',
        // --watch: pick up suites that are added or removed
        watchDirs: [exthostDir],
      };
    });
  },
};

/** @type {import('esbuild').BuildOptions} */
const options = {
  entryPoints: [path.join(exthostDir, 'index.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode', 'mocha'],
  sourcemap: true,
  logLevel: 'warning',
  plugins: [suitesPlugin],
};

if (watch) {
  await (await esbuild.context({ ...options, logLevel: 'info' })).watch();
} else {
  await esbuild.build(options);
  console.error(`build-exthost: ${suiteFiles().length} suite file(s) -> ${path.relative(root, outfile)}`);
}
