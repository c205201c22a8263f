/** markupsafe: HTML escaping into `Markup`, and `Markup.striptags()`. */

import { pyStr } from './repr.js';
import { split } from './text.js';
import { Markup, type PyValue } from './values.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** markupsafe `escape()`: Markup passes through unchanged, anything else is stringified and escaped. */
export function markupEscape(v: PyValue): Markup {
  return v instanceof Markup ? v : new Markup(escapeHtml(pyStr(v)));
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** `html.unescape` for numeric references and the common named entities. */
function unescapeHtml(s: string): string {
  return s.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);/g, (all, ref: string) => {
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
    }
    return NAMED_ENTITIES[ref] ?? all;
  });
}

/** Removes comments and tags, collapses whitespace, then unescapes entities. */
export function stripTags(s: string): string {
  s = removeBetween(s, '<!--', '-->');
  s = removeBetween(s, '<', '>');
  return unescapeHtml(split(s, null).join(' '));
}

function removeBetween(s: string, open: string, close: string): string {
  for (;;) {
    const start = s.indexOf(open);
    if (start < 0) return s;
    const end = s.indexOf(close, start);
    if (end < 0) return s;
    s = s.slice(0, start) + s.slice(end + close.length);
  }
}
