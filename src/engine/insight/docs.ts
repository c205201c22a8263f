/**
 * Signatures and one-line docs of what templates can call: Kluctl's filters and functions (spec §3.3) and the
 * Jinja2 filters and tests the engine implements (their names come from the engine's own tables, so the lists
 * cannot drift from what renders).
 */

import { SEQ_FILTERS } from '../template/jinja/filters-seq.js';
import { TEXT_FILTERS } from '../template/jinja/filters-text.js';
import { TESTS } from '../template/jinja/tests.js';
import { KLUCTL_FILTERS } from '../template/kluctl/functions.js';

export interface CallableDoc {
  name: string;
  kind: 'filter' | 'function' | 'test';
  signature: string;
  doc: string;
  /** Kluctl's addition (as opposed to Jinja2's own). */
  kluctl: boolean;
}

const KLUCTL_DOCS: Array<[string, CallableDoc['kind'], string, string]> = [
  ['b64encode', 'filter', 'value | b64encode', 'Base64 of the UTF-8 string.'],
  ['b64decode', 'filter', 'value | b64decode', 'Decodes base64 to a UTF-8 string.'],
  ['to_yaml', 'filter', 'value | to_yaml', 'YAML of the value (PyYAML, keys unsorted, ends with a newline).'],
  ['to_json', 'filter', 'value | to_json', 'JSON of the value (Python json.dumps defaults).'],
  ['from_yaml', 'filter', 'text | from_yaml', 'Parses a YAML string.'],
  ['render', 'filter', 'text | render', 'Renders the string as a template with the current variables.'],
  ['sha256', 'filter', 'value | sha256(digest_len=None)', 'Hex SHA-256, optionally cut to digest_len characters.'],
  ['slugify', 'filter', 'value | slugify(**kwargs)', 'A URL/label-safe slug (python-slugify).'],
  [
    'load_template',
    'function',
    'load_template(path, **kwargs)',
    'Loads a template through the search dirs (`./x` is relative to this file), renders it with the current variables plus kwargs, returns the text.',
  ],
  ['load_sha256', 'function', 'load_sha256(path, digest_len=None)', 'SHA-256 of the rendered template at path.'],
  ['load_base64', 'function', 'load_base64(path, width=None)', 'Base64 of the raw bytes of the file at path.'],
  [
    'load_latest_git_commit',
    'function',
    'load_latest_git_commit(path, sha_len=None)',
    'The latest Git commit that touched path.',
  ],
  [
    'get_var',
    'function',
    'get_var(path_or_list, default=None)',
    'Looks a variable up by JSONPath (a list: the first that exists); default when none does.',
  ],
  ['merge_dict', 'function', 'merge_dict(a, b)', 'A deep merge of b over a (a copy).'],
  ['update_dict', 'function', 'update_dict(a, b)', 'Deep-merges b into a in place; returns "".'],
  ['raise', 'function', 'raise(message)', 'Stops rendering with this error.'],
  ['debug_print', 'function', 'debug_print(message)', 'Prints `debug_print: message` to the log; returns "".'],
  [
    'images.get_image',
    'function',
    'images.get_image(image)',
    'The image for this name: a fixed image (`-F`, target images, vars `images`) or the one deployed.',
  ],
  ['time.now', 'function', 'time.now()', 'The current local time.'],
  ['time.utcnow', 'function', 'time.utcnow()', 'The current UTC time.'],
  ['time.parse_iso', 'function', 'time.parse_iso(text)', 'Parses an ISO 8601 time.'],
];

const JINJA_DOCS: Record<string, [string, string]> = {
  default: [
    'value | default(default_value="", boolean=False)',
    'The default when the value is undefined (also when falsy with boolean=true).',
  ],
  indent: [
    'text | indent(width=4, first=False, blank=False)',
    'Indents every line but the first (or all with first=true).',
  ],
  replace: ['text | replace(old, new, count=None)', 'Replaces occurrences of old by new.'],
  join: ['iterable | join(d="", attribute=None)', 'Joins the items with d.'],
  upper: ['text | upper', 'Upper case.'],
  lower: ['text | lower', 'Lower case.'],
  trim: ['text | trim(chars=None)', 'Strips leading and trailing whitespace (or chars).'],
  int: ['value | int(default=0, base=10)', 'Converts to an integer.'],
  string: ['value | string', 'Converts to a string.'],
  length: ['value | length', 'Number of items.'],
  first: ['seq | first', 'The first item.'],
  last: ['seq | last', 'The last item.'],
  list: ['value | list', 'Converts to a list.'],
  map: ['seq | map(filter_or_attribute=…)', 'Applies a filter or takes an attribute of every item.'],
  select: ['seq | select(test, *args)', 'Items the test accepts.'],
  selectattr: ['seq | selectattr(attr, test, *args)', 'Items whose attribute the test accepts.'],
  items: ['mapping | items', 'The (key, value) pairs.'],
  dictsort: ['mapping | dictsort(case_sensitive=False, by="key", reverse=False)', 'Sorted (key, value) pairs.'],
  tojson: ['value | tojson(indent=None)', 'JSON, keys sorted and HTML-safe.'],
  format: ['format_string | format(*args, **kwargs)', 'printf-style formatting.'],
  sort: ['seq | sort(reverse=False, case_sensitive=False, attribute=None)', 'Sorted items.'],
  unique: ['seq | unique(case_sensitive=False, attribute=None)', 'Items without duplicates.'],
};

let table: Map<string, CallableDoc> | undefined;

/** Every documented callable by name (`filter:name`, `function:name`, `test:name`). */
export function callableDocs(): Map<string, CallableDoc> {
  if (table) return table;
  table = new Map();
  const add = (d: CallableDoc) => table!.set(`${d.kind}:${d.name}`, d);
  for (const name of [...Object.keys(TEXT_FILTERS), ...Object.keys(SEQ_FILTERS)]) {
    const [signature, doc] = JINJA_DOCS[name] ?? [`value | ${name}`, `The Jinja2 filter ${name}.`];
    add({ name, kind: 'filter', signature, doc, kluctl: false });
  }
  for (const name of Object.keys(KLUCTL_FILTERS)) {
    const d = KLUCTL_DOCS.find(([n, k]) => n === name && k === 'filter');
    add({ name, kind: 'filter', signature: d?.[2] ?? `value | ${name}`, doc: d?.[3] ?? '', kluctl: true });
  }
  for (const [name, kind, signature, doc] of KLUCTL_DOCS)
    if (kind === 'function') add({ name, kind, signature, doc, kluctl: true });
  for (const name of Object.keys(TESTS))
    if (/^[a-z]/.test(name))
      add({ name, kind: 'test', signature: `value is ${name}`, doc: `The Jinja2 test ${name}.`, kluctl: false });
  return table;
}
