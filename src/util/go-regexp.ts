/** Go (RE2) regular expressions as JavaScript RegExps, for the syntax users are likely to write in Kluctl rules. */

export function compileGoRegexp(source: string): RegExp {
  let flags = '';
  let body = source;
  const leading = /^\(\?([imsU]+)\)/.exec(body);
  if (leading) {
    if (leading[1].includes('U')) throw new Error(`error parsing regexp: the U flag is not supported: \`${source}\``);
    flags = [...new Set(leading[1])].join('');
    body = body.slice(leading[0].length);
  }
  body = body
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '(?<![\\s\\S])')
    .replace(/\\z/g, '(?![\\s\\S])');
  try {
    return new RegExp(body, flags);
  } catch (e) {
    throw new Error(`error parsing regexp: ${(e as Error).message}: \`${source}\``, { cause: e });
  }
}
