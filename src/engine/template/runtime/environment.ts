/** One Jinja2 environment: loader, globals, filters and tests, and the parsed-template cache. */

import { PyError } from '../python/errors.js';
import type { CallArgs, PyValue } from '../python/values.js';
import type { Stmt } from '../syntax/ast.js';
import { parseTemplate } from '../syntax/parser.js';
import type { CallContext } from './objects.js';
import { checkNames } from './check.js';
import { decodeUtf8, findInvalidUtf8, pythonDecodeMessage } from '../../../util/utf8.js';

export type Filter = (ctx: FilterContext, value: PyValue, call: CallArgs) => PyValue;
export type Test = (ctx: FilterContext, value: PyValue, call: CallArgs) => boolean;

/** What filters and tests get besides their arguments. */
export interface FilterContext extends CallContext {
  readonly env: Environment;
  callFilter(name: string, value: PyValue, call: CallArgs): PyValue;
  callTest(name: string, value: PyValue, call: CallArgs): boolean;
}

export interface Loader {
  /** Jinja2's `join_path`: the name a template referenced from `parent` is looked up by. */
  joinPath(name: string, parent: string): string;
  /** The file a template name resolves to, or undefined (TemplateNotFound). */
  find(name: string): string | undefined;
  read(path: string): Buffer;
}

export interface Template {
  /** The name it was loaded by (relative joins start from it); none for string templates. */
  readonly name?: string;
  /** The file it came from, or the display name of a string template (error messages name it). */
  readonly path: string;
  readonly body: Stmt[];
}

export class Environment {
  constructor(
    readonly loader: Loader,
    readonly strict: boolean,
    readonly globals: Map<string, PyValue>,
    readonly filters: ReadonlyMap<string, Filter>,
    readonly tests: ReadonlyMap<string, Test>,
    private readonly parse: (source: string) => Stmt[] = parseTemplate,
  ) {}

  private readonly cache = new Map<string, Template>();

  fromString(source: string, path: string, name?: string): Template {
    try {
      const body = this.parse(source);
      checkNames(body, this);
      return { name, path, body };
    } catch (e) {
      if (e instanceof PyError) e.templateName ??= path;
      throw e;
    }
  }

  /** `get_template(name, parent)`; undefined when no file matches. */
  getTemplate(name: string, parent?: string): Template | undefined {
    const joined = parent === undefined ? name : this.loader.joinPath(name, parent);
    const cached = this.cache.get(joined);
    if (cached) return cached;
    const path = this.loader.find(joined);
    if (path === undefined) return undefined;
    const bytes = this.loader.read(path);
    const source = decodeUtf8(bytes);
    // Jinja2's loader decodes strictly; a binary or mis-encoded file fails rather than rendering U+FFFD.
    if (source === undefined)
      throw Object.assign(new PyError('UnicodeDecodeError', pythonDecodeMessage(bytes)), {
        templateName: path,
        line: findInvalidUtf8(bytes)?.line,
      });
    const template = this.fromString(source, path, joined);
    this.cache.set(joined, template);
    return template;
  }
}
