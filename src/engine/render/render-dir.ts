/** Renders one item directory with Jinja2 into its render dir (spec §2.5 step 1). */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonObject } from '../../kluctl/uo/merge.js';
import { entryPath } from '../project/paths.js';
import { asContext, rendererFor } from '../vars/templating.js';
import { loaderObserver } from '../template/loader.js';
import type { FileDeps } from './incremental.js';
import type { MemTree } from './mem-tree.js';
import { TemplateIgnore } from './template-ignore.js';

export interface RenderDirOptions {
  sourceRoot: string;
  itemDir: string;
  /** Inside `tree`. */
  targetDir: string;
  tree: MemTree;
  searchDirs: readonly string[];
  vars: JsonObject;
  /** Records every file and dir read or probed (incremental render). */
  deps?: FileDeps;
}

export function renderDirectory(o: RenderDirOptions): void {
  const deps = o.deps;
  const ignore = new TemplateIgnore(o.sourceRoot, o.itemDir, deps && ((f, stat) => deps.record(f, undefined, stat)));
  const renderer = rendererFor(o.searchDirs).batch(asContext(o.vars));
  const walk = (src: string, dst: string, raw: boolean): void => {
    o.tree.mkdir(dst);
    ignore.addDir(src);
    for (const entry of deps ? deps.readdir(src) : fs.readdirSync(src, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const from = entryPath(src, entry.name);
      const to = entryPath(dst, entry.name);
      if (entry.isSymbolicLink()) {
        o.tree.symlink(fs.readlinkSync(from), to);
      } else if (entry.isDirectory()) {
        // Helm charts are never templated.
        walk(from, to, raw || fs.existsSync(path.join(from, 'Chart.yaml')));
      } else if (entry.isFile()) {
        const bytes = deps ? deps.readFile(from) : fs.readFileSync(from);
        if (raw || !bytes.includes(0x7b) || ignore.ignores(from)) o.tree.writeFile(to, bytes);
        else o.tree.writeFile(to, renderer.renderFile(from, bytes));
      }
    }
  };
  const observer = loaderObserver.probe;
  if (deps) loaderObserver.probe = (f) => deps.record(f);
  try {
    walk(o.itemDir, o.targetDir, fs.existsSync(path.join(o.itemDir, 'Chart.yaml')));
  } finally {
    loaderObserver.probe = observer;
  }
}
