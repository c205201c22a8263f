/**
 * Globs as gitFiles matches them (gobwas/glob with `/` as separator): `*` and `?` stay within a path segment,
 * `**` crosses segments, `[abc]`/`[!a-z]` classes, `{a,b}` alternatives, `\` escapes.
 */

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function globToRegExp(glob: string): RegExp {
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`invalid glob ${glob}: ${why}`);
  };

  // Parses until one of `stops` (used inside `{...}`) or the end.
  const sequence = (stops: string): string => {
    let out = '';
    while (pos < glob.length && !stops.includes(glob[pos])) {
      const c = glob[pos++];
      if (c === '\\') {
        if (pos >= glob.length) fail('trailing backslash');
        out += escape(glob[pos++]);
      } else if (c === '*') {
        if (glob[pos] === '*') {
          while (glob[pos] === '*') pos++;
          out += '.*';
        } else {
          out += '[^/]*';
        }
      } else if (c === '?') {
        out += '[^/]';
      } else if (c === '[') {
        const end = glob.indexOf(']', pos + 1);
        if (end < 0) fail('unclosed [');
        let body = glob.slice(pos, end);
        pos = end + 1;
        const negate = body.startsWith('!');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      } else if (c === '{') {
        const options: string[] = [];
        for (;;) {
          options.push(sequence(',}'));
          if (pos >= glob.length) fail('unclosed {');
          if (glob[pos++] === '}') break;
        }
        out += `(?:${options.join('|')})`;
      } else {
        out += escape(c);
      }
    }
    return out;
  };

  const body = sequence('');
  return new RegExp(`^${body}$`, 's');
}
