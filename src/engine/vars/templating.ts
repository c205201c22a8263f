/** The template entry points the loader uses, on top of the Jinja2 engine. */

import { createRenderer, type TemplateRenderer } from '../template/renderer.js';
import { type TemplateContext } from '../template/context.js';
import { isMap as isObject } from '../../util/go-values.js';
import { type JsonObject } from '../../kluctl/uo/merge.js';
import { ProjectError } from '../errors.js';

const renderers = new Map<string, TemplateRenderer>();

/** One renderer per search path (each item has its own; cheap, but their Kluctl globals are worth keeping). */
export function rendererFor(searchDirs: readonly string[]): TemplateRenderer {
  const key = searchDirs.join('\0');
  let r = renderers.get(key);
  if (!r) {
    if (renderers.size > 2000) renderers.clear();
    r = createRenderer({ searchDirs });
    renderers.set(key, r);
  }
  return r;
}

export const asContext = (vars: JsonObject): TemplateContext => vars as TemplateContext;

/**
 * Kluctl's RenderStruct: every string inside the value (map values and list items, not keys) is rendered.
 * Returns the new value and whether any string changed.
 */
export function renderStrings<T>(
  value: T,
  vars: JsonObject,
  searchDirs: readonly string[] = [],
  name = '<struct>',
): { value: T; changed: boolean } {
  const renderer = rendererFor(searchDirs);
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const out = renderer.renderString(v, asContext(vars), { name });
      if (out !== v) changed = true;
      return out;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { value: walk(value) as T, changed };
}

/** `when:` conditions: rendered as `{% if c %} True {% else %} False {% endif %}`; empty means true. */
export function checkWhen(condition: string | undefined, vars: JsonObject, where: string): boolean {
  if (!condition || condition === 'True') return true;
  const out = rendererFor([])
    .renderString(`{% if ${condition} %} True {% else %} False {% endif %}`, asContext(vars), { name: where })
    .trim();
  if (out === 'True' || out === '') return true;
  if (out === 'False') return false;
  throw new ProjectError(where, undefined, `unable to render conditional '${condition}': unexpected result ${out}`);
}
