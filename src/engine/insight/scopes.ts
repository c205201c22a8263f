/**
 * Which vars scope a file renders with, on its own: the editor looks it up on every hover and completion without
 * loading the renderer (the extension bundle holds this file, not the engine).
 */

import * as path from 'node:path';
import type { VariableInfo } from './provenance.js';

/** The variables visible in a part of the project. */
export interface VarScope {
  id: string;
  label: string;
  kind: 'project' | 'item';
  /** The project dir, or the item dir. */
  dir: string;
  /** The deployment.yaml this scope's project is read from. */
  deploymentFile?: string;
  /** The vars sources loaded for this scope, in order, for messages. */
  loaded: string[];
  variables: VariableInfo[];
}

/**
 * The scope a file's templates see: the item whose dir holds it, else the deepest project. A deployment.yaml is
 * rendered with the vars of the project that includes it (its own vars are not loaded yet).
 */
export function scopeForFile(scopes: readonly VarScope[], file: string): VarScope | undefined {
  const inside = (dir: string) => file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
  const base = path.basename(file);
  let best: VarScope | undefined;
  for (const s of scopes) {
    if (!inside(s.dir)) continue;
    if (base.startsWith('deployment.y') && s.kind === 'project' && s.deploymentFile === file) {
      // Its own vars are not visible while it renders: the parent's scope, when there is one.
      const parent = scopes.find((x) => x.id === s.id.replace(/\/\d+$/, '') && x.id !== s.id);
      if (parent) return parent;
    }
    if (!best || s.dir.length > best.dir.length || (s.dir.length === best.dir.length && s.kind === 'item')) best = s;
  }
  return best;
}
