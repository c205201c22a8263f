/**
 * `.templateignore` files (gitignore syntax), each scoped to its own directory, read from the source root down to
 * the item dir and from every directory inside it (spec §2.5). Later (deeper) files override earlier ones.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';

interface Scope {
  dir: string;
  rules: Ignore;
}

export class TemplateIgnore {
  private readonly scopes: Scope[] = [];

  /** Reads the files of `sourceRoot` … `itemDir` (ancestors); call `addDir` for dirs inside the item. */
  constructor(
    sourceRoot: string,
    itemDir: string,
    /**
     * Sees every `.templateignore` looked for (the incremental render's dependencies), with its stat (null: there is
     * none), taken before it is read.
     */
    private readonly probe?: (file: string, stat: fs.Stats | null) => void,
  ) {
    const rel = path.relative(sourceRoot, itemDir);
    const chain = [sourceRoot];
    if (rel && !rel.startsWith('..'))
      rel.split(path.sep).forEach((part) => chain.push(path.join(chain[chain.length - 1], part)));
    for (const dir of chain.slice(0, -1)) this.addDir(dir);
  }

  addDir(dir: string): void {
    const file = path.join(dir, '.templateignore');
    // One lookup serves the probe and the check (as fs.existsSync, an error counts as no file).
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(file, { throwIfNoEntry: false });
    } catch {
      stat = undefined;
    }
    this.probe?.(file, stat ?? null);
    // Only a file holds rules: kluctl v2.22.1 renders past a directory of that name (checked with the binary).
    if (!stat?.isFile()) return;
    this.scopes.push({ dir, rules: ignore().add(fs.readFileSync(file, 'utf8')) });
  }

  ignores(file: string): boolean {
    let ignored = false;
    for (const scope of this.scopes) {
      const rel = path.relative(scope.dir, file);
      if (!rel || rel.startsWith('..')) continue;
      const r = scope.rules.test(rel.split(path.sep).join('/'));
      if (r.ignored) ignored = true;
      else if (r.unignored) ignored = false;
    }
    return ignored;
  }
}
