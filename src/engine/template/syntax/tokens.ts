/** A cursor over the token list with Jinja2's `expect`/`skip` helpers. */

import { syntaxError, type PyError } from '../python/errors.js';
import type { Token, TokenType } from './lexer.js';

const DESCRIPTIONS: Partial<Record<TokenType, string>> = {
  eof: 'end of template',
  var_end: 'end of print statement',
  block_end: 'end of statement block',
  var_begin: 'begin of print statement',
  block_begin: 'begin of statement block',
};

export class TokenStream {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  get current(): Token {
    return this.tokens[this.i];
  }
  look(): Token {
    return this.tokens[Math.min(this.i + 1, this.tokens.length - 1)];
  }
  next(): Token {
    const t = this.tokens[this.i];
    if (t.type !== 'eof') this.i++;
    return t;
  }
  /** Is the current token of this type (and value, for names and operators)? */
  test(type: TokenType, value?: string): boolean {
    return this.current.type === type && (value === undefined || this.current.value === value);
  }
  testName(...names: string[]): boolean {
    return this.current.type === 'name' && names.includes(this.current.value);
  }
  skip(type: TokenType, value?: string): boolean {
    if (!this.test(type, value)) return false;
    this.next();
    return true;
  }
  expect(type: TokenType, value?: string): Token {
    if (!this.test(type, value)) {
      const wanted = value ?? DESCRIPTIONS[type] ?? type;
      throw this.fail(`expected token '${wanted}', got '${describe(this.current)}'`);
    }
    return this.next();
  }
  fail(message: string, line = this.current.line): PyError {
    return syntaxError(message, line);
  }
}

export function describe(t: Token): string {
  return DESCRIPTIONS[t.type] ?? t.value;
}
