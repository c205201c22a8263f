/**
 * The public entry point: render Kluctl templates (strings or files) with a set of variables. Kluctl's Jinja2
 * templating (spec §3) is a Jinja2 3.1 implementation configured as Kluctl configures it (StrictUndefined,
 * loopcontrols, Kluctl's filters and globals, its include search path), printing values the way Python does.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { toPython, type TemplateContext } from './context.js';
import { defaultGlobals } from './jinja/globals.js';
import { SEQ_FILTERS } from './jinja/filters-seq.js';
import { TEXT_FILTERS } from './jinja/filters-text.js';
import { TESTS } from './jinja/tests.js';
import { KLUCTL_FILTERS, kluctlGlobals } from './kluctl/functions.js';
import { realpath } from '../project/paths.js';
import { SearchPathLoader, isFile, isInsideAny } from './loader.js';
import { PyError } from './python/errors.js';
import type { PyValue } from './python/values.js';
import { renderBudget, withBudget, type RenderBudget } from './python/budget.js';
import { Environment, type Filter, type Template, type Test } from './runtime/environment.js';
import { TemplateRun } from './runtime/run.js';
import type { Stmt } from './syntax/ast.js';
import { parseTemplate } from './syntax/parser.js';
import { decodeUtf8, findInvalidUtf8, pythonDecodeMessage } from '../../util/utf8.js';

export interface RendererOptions {
  /** Where non-relative template names are looked up, in order (spec §3.4). */
  searchDirs: readonly string[];
  /** Jinja2 StrictUndefined (Kluctl project commands); false gives Kluctl's lenient NullUndefined. */
  strictUndefined?: boolean;
  /** Receives `debug_print` lines; defaults to stderr. */
  debugPrint?: (line: string) => void;
  /** Bounds on each render (steps, output size); the defaults are far above any real project. */
  budget?: Partial<RenderBudget>;
}

export interface RenderOptions {
  /** The name errors use for a string template. */
  name?: string;
}

export interface TemplateRenderer {
  renderString(template: string, context: TemplateContext, options?: RenderOptions): string;
  /**
   * Renders a file given absolutely or relative to the search dirs. `bytes`, with an absolute `file`: its content,
   * already read by the caller (the file is then not read again).
   */
  renderFile(file: string, context: TemplateContext, bytes?: Buffer): string;
  /**
   * The files of one directory render (an item): `context` is converted to template values once for all of them,
   * as Kluctl's renderer installs the vars as its environment's globals once for a batch of files (so, as there, a
   * template that changes a dict in place changes it for the later files of the batch).
   */
  batch(context: TemplateContext): { renderFile(file: string, bytes?: Buffer): string };
}

/** A template failed: `failed rendering template '<path>': line N: <PythonError>: <message>`. */
export class TemplateRenderError extends Error {
  constructor(
    /** The template the caller asked for. */
    readonly template: string,
    /** The template the error happened in (an include or macro's file may differ from `template`). */
    readonly location: string,
    readonly line: number | undefined,
    /** The Python exception type Jinja2 would raise (`UndefinedError`, `TemplateSyntaxError`, …). */
    readonly errorType: string,
    readonly detail: string,
  ) {
    const where = location === template ? '' : `'${location}' `;
    super(`failed rendering template '${template}': ${where}line ${line ?? '?'}: ${errorType}: ${detail}`);
    this.name = 'TemplateRenderError';
  }
}

// Shared by every environment (nothing changes them after this): a template render builds its environment's maps
// of filters, tests and builtin globals no more, which was a fifth of rendering a small template.
const FILTERS: ReadonlyMap<string, Filter> = new Map(
  Object.entries({
    ...TEXT_FILTERS,
    ...SEQ_FILTERS,
    ...KLUCTL_FILTERS,
    d: TEXT_FILTERS.default,
    e: TEXT_FILTERS.escape,
    count: SEQ_FILTERS.length,
  }),
);
const TEST_MAP: ReadonlyMap<string, Test> = new Map(Object.entries(TESTS));
/** Jinja2's builtin globals (range, dict, …): stateless functions, so one set serves every render. */
const BUILTIN_GLOBALS = defaultGlobals();

/**
 * Parsed templates by source text, shared by every renderer of the process: a project's items each have a renderer
 * of their own (their search dirs differ), and a re-render after an edit of `.kluctl.yaml` args renders every item
 * again from the same sources. Bounded by entries and by source size; a full cache starts over.
 */
const parsedSources = new Map<string, Stmt[]>();
let parsedChars = 0;
const PARSE_CACHE_ENTRIES = 10_000;
// A parsed template takes about ten times its source in memory.
const PARSE_CACHE_CHARS = 4 * 1024 * 1024;

function parseCached(source: string): Stmt[] {
  let body = parsedSources.get(source);
  if (!body) {
    body = parseTemplate(source);
    if (parsedSources.size >= PARSE_CACHE_ENTRIES || parsedChars + source.length > PARSE_CACHE_CHARS) {
      parsedSources.clear();
      parsedChars = 0;
    }
    parsedSources.set(source, body);
    parsedChars += source.length;
  }
  return body;
}

export function createRenderer(options: RendererOptions): TemplateRenderer {
  const searchDirs = [...options.searchDirs];
  const strict = options.strictUndefined ?? true;
  const extGlobals = kluctlGlobals({ debugPrint: options.debugPrint ?? ((line) => process.stderr.write(`${line}\n`)) });
  // Kluctl installs the user's vars as globals and its extension globals after them (spec §3.1). Nothing changes an
  // environment's globals (a render copies what it changes), so a batch of files shares them.
  const globalsOf = (context: TemplateContext): Map<string, PyValue> => {
    const globals = new Map<string, PyValue>(BUILTIN_GLOBALS);
    for (const [k, v] of toPython(context) as Map<string, PyValue>) globals.set(k, v);
    for (const [k, v] of extGlobals) globals.set(k, v);
    return globals;
  };
  const environment = (
    context: TemplateContext,
    rootTemplate?: string,
    rootBytes?: Buffer,
    globals?: Map<string, PyValue>,
  ): Environment =>
    new Environment(
      new SearchPathLoader(searchDirs, rootTemplate, rootBytes),
      strict,
      globals ?? globalsOf(context),
      FILTERS,
      TEST_MAP,
      parseCached,
    );

  const render = (displayName: string, load: () => Template, env: Environment): string => {
    try {
      const budget: RenderBudget = { ...renderBudget(), ...options.budget };
      return withBudget(budget, () => new TemplateRun(env, load(), env.globals).render());
    } catch (e) {
      if (!(e instanceof PyError)) throw e;
      const detail = e.pyType === 'TemplateNotFound' ? `template ${e.message} not found` : e.message;
      throw new TemplateRenderError(displayName, e.templateName ?? displayName, e.line, e.pyType, detail);
    }
  };

  const renderFile = (
    file: string,
    context: TemplateContext,
    given: Buffer | undefined,
    batchGlobals?: () => Map<string, PyValue>,
  ): string => {
    // Found through the search dirs only when it really is inside one (a symlink out of the project is not).
    const realDirs = () => searchDirs.map((d) => realpath(d));
    const resolved = path.isAbsolute(file)
      ? file
      : searchDirs.map((d) => path.join(d, file)).find((f) => isFile(f) && isInsideAny(realDirs(), f));
    if (resolved === undefined) {
      // kluctl v2.22.1 follows such a link and reads the file; nothing in a project may read outside it here.
      const linkedOut = searchDirs.map((d) => path.join(d, file)).find((f) => isFile(f));
      if (!path.isAbsolute(file) && linkedOut !== undefined)
        throw new Error(
          `failed rendering template '${file}': ${file} links to ${realpath(linkedOut)}, outside the project (kluctl-ts reads no file outside the project)`,
        );
      throw new Error(`failed rendering template '${file}': absolute path of ${file} could not be resolved`);
    }
    const bytes = given !== undefined && resolved === file ? given : fs.readFileSync(resolved);
    const source = decodeUtf8(bytes);
    if (source === undefined)
      throw new TemplateRenderError(
        resolved,
        resolved,
        findInvalidUtf8(bytes)?.line,
        'UnicodeDecodeError',
        pythonDecodeMessage(bytes),
      );
    if (!source.includes('{')) return source;
    const env = environment(context, resolved, bytes, batchGlobals?.());
    return render(resolved, () => env.getTemplate(resolved)!, env);
  };

  return {
    renderString(template, context, opts = {}) {
      if (!template.includes('{')) return template;
      const name = opts.name ?? '<template>';
      const env = environment(context);
      return render(name, () => env.fromString(template, name), env);
    },

    renderFile(file, context, given) {
      return renderFile(file, context, given);
    },

    batch(context) {
      let globals: Map<string, PyValue> | undefined;
      const shared = () => (globals ??= globalsOf(context));
      return { renderFile: (file, given) => renderFile(file, context, given, shared) };
    },
  };
}
