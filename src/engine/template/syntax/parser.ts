/** Jinja2's statements (`{% ... %}`), plus the loopcontrols extension's `break`/`continue`. No `do`. */

import type { Expr, Param, Stmt, Target } from './ast.js';
import { ExprParser } from './expr-parser.js';
import { tokenize } from './lexer.js';
import { TokenStream } from './tokens.js';

export function parseTemplate(source: string): Stmt[] {
  const parser = new Parser(new TokenStream(tokenize(source)));
  return parser.parseBody();
}

class Parser extends ExprParser {
  /** Parses until one of `endTags` opens a block (that tag's name is left as the current token). */
  parseBody(endTags?: string[]): Stmt[] {
    const body: Stmt[] = [];
    for (;;) {
      const t = this.s.current;
      if (t.type === 'eof') {
        if (endTags)
          throw this.s.fail(
            `Unexpected end of template. Jinja was looking for the following tags: ${endTags.map((e) => `'${e}'`).join(' or ')}.`,
          );
        return body;
      }
      this.s.next();
      if (t.type === 'data') body.push({ kind: 'data', text: t.value, line: t.line });
      else if (t.type === 'var_begin') {
        body.push({ kind: 'print', exprs: [this.parseTuple()], line: t.line });
        this.s.expect('var_end');
      } else {
        if (endTags && this.s.testName(...endTags)) return body;
        body.push(this.parseStatement());
      }
    }
  }

  private parseStatement(): Stmt {
    const t = this.s.current;
    if (t.type !== 'name') throw this.s.fail('tag name expected');
    switch (t.value) {
      case 'for':
        return this.parseFor();
      case 'if':
        return this.parseIf();
      case 'set':
        return this.parseSet();
      case 'with':
        return this.parseWith();
      case 'macro':
        return this.parseMacro();
      case 'call':
        return this.parseCallBlock();
      case 'filter':
        return this.parseFilterBlock();
      case 'include':
        return this.parseInclude();
      case 'import':
        return this.parseImport();
      case 'from':
        return this.parseFrom();
      case 'block':
        return this.parseBlock();
      case 'extends':
        return this.withEnd({ kind: 'extends', template: (this.s.next(), this.parseExpression()), line: t.line });
      case 'print':
        return this.parsePrint();
      case 'break':
      case 'continue':
        this.s.next();
        return this.withEnd({ kind: t.value, line: t.line });
    }
    throw this.s.fail(`Encountered unknown tag '${t.value}'.`);
  }

  /** `{% print a, b %}` prints each expression. */
  private parsePrint(): Stmt {
    const line = this.s.next().line;
    const exprs: Expr[] = [];
    while (!this.s.test('block_end')) {
      if (exprs.length > 0) this.s.expect('op', ',');
      exprs.push(this.parseExpression());
    }
    return this.withEnd({ kind: 'print', exprs, line });
  }

  private withEnd<T extends Stmt>(stmt: T): T {
    this.s.expect('block_end');
    return stmt;
  }

  /** Consumes `{% <tag> %}` that closes a block (the tag name is the current token). */
  private endBlock(tag: string): void {
    this.s.expect('name', tag);
    this.s.expect('block_end');
  }

  private parseFor(): Stmt {
    const line = this.s.next().line;
    const target = this.parseTarget(this.parseTuple({ simplified: true, endName: 'in' }));
    this.s.expect('name', 'in');
    const iter = this.parseTuple({ withCondexpr: false, endName: 'recursive' });
    const filter = this.s.skip('name', 'if') ? this.parseExpression() : undefined;
    const recursive = this.s.skip('name', 'recursive');
    this.s.expect('block_end');
    const body = this.parseBody(['endfor', 'else']);
    let otherwise: Stmt[] = [];
    if (this.s.skip('name', 'else')) {
      this.s.expect('block_end');
      otherwise = this.parseBody(['endfor']);
    }
    this.endBlock('endfor');
    return { kind: 'for', target, iter, filter, recursive, body, otherwise, line };
  }

  private parseIf(): Stmt {
    const line = this.s.next().line;
    const test = this.parseTuple({ withCondexpr: false });
    this.s.expect('block_end');
    const body = this.parseBody(['elif', 'else', 'endif']);
    let otherwise: Stmt[] = [];
    if (this.s.test('name', 'elif')) otherwise = [this.parseIf()];
    else {
      if (this.s.skip('name', 'else')) {
        this.s.expect('block_end');
        otherwise = this.parseBody(['endif']);
      }
      this.endBlock('endif');
    }
    return { kind: 'if', test, body, otherwise, line };
  }

  private parseSet(): Stmt {
    const line = this.s.next().line;
    const target = this.parseAssignTarget();
    if (this.s.skip('op', '=')) return this.withEnd({ kind: 'set', target, value: this.parseTuple(), line });
    const filter = this.s.test('op', '|') ? this.parseFilter(undefined) : undefined;
    this.s.expect('block_end');
    const body = this.parseBody(['endset']);
    this.endBlock('endset');
    return { kind: 'setblock', target, filter, body, line };
  }

  /** `name`, `a, b` or (for `set`) `ns.attr`. */
  private parseAssignTarget(): Target {
    if (this.s.test('name') && this.s.look().type === 'op' && this.s.look().value === '.') {
      const ns = this.s.next().value;
      this.s.next();
      return { kind: 'nsattr', ns, attr: this.s.expect('name').value };
    }
    return this.parseTarget(this.parseTuple({ simplified: true }));
  }

  private parseTarget(expr: Expr): Target {
    if (expr.kind === 'name') return { kind: 'name', name: expr.name };
    if (expr.kind === 'tuple') return { kind: 'tuple', items: expr.items.map((e) => this.parseTarget(e)) };
    throw this.s.fail(`can't assign to '${expr.kind}'`, expr.line);
  }

  private parseWith(): Stmt {
    const line = this.s.next().line;
    const assigns: { target: Target; value: Expr }[] = [];
    while (!this.s.test('block_end')) {
      if (assigns.length > 0) this.s.expect('op', ',');
      const target = this.parseTarget(this.parsePrimary());
      this.s.expect('op', '=');
      assigns.push({ target, value: this.parseExpression() });
    }
    this.s.expect('block_end');
    const body = this.parseBody(['endwith']);
    this.endBlock('endwith');
    return { kind: 'with', assigns, body, line };
  }

  private parseSignature(): Param[] {
    const params: Param[] = [];
    this.s.expect('op', '(');
    while (!this.s.test('op', ')')) {
      if (params.length > 0) this.s.expect('op', ',');
      const name = this.s.expect('name').value;
      if (this.s.skip('op', '=')) params.push({ name, default: this.parseExpression() });
      else if (params.some((p) => p.default)) throw this.s.fail('non-default argument follows default argument');
      else params.push({ name });
    }
    this.s.expect('op', ')');
    return params;
  }

  private parseMacro(): Stmt {
    const line = this.s.next().line;
    const name = this.s.expect('name').value;
    const params = this.parseSignature();
    this.s.expect('block_end');
    const body = this.parseBody(['endmacro']);
    this.endBlock('endmacro');
    return { kind: 'macro', name, params, body, line };
  }

  private parseCallBlock(): Stmt {
    const line = this.s.next().line;
    const params = this.s.test('op', '(') ? this.parseSignature() : [];
    const call = this.parseExpression();
    if (call.kind !== 'call') throw this.s.fail('expected call', line);
    this.s.expect('block_end');
    const body = this.parseBody(['endcall']);
    this.endBlock('endcall');
    return { kind: 'callblock', call, params, body, line };
  }

  private parseFilterBlock(): Stmt {
    const line = this.s.next().line;
    const filter = this.parseFilter(undefined, true);
    this.s.expect('block_end');
    const body = this.parseBody(['endfilter']);
    this.endBlock('endfilter');
    return { kind: 'filterblock', filter, body, line };
  }

  /** `with context` / `without context`, or the default. */
  private parseContext(dflt: boolean): boolean {
    if (this.s.testName('with', 'without') && this.s.look().type === 'name' && this.s.look().value === 'context') {
      const withContext = this.s.next().value === 'with';
      this.s.next();
      return withContext;
    }
    return dflt;
  }

  private parseInclude(): Stmt {
    const line = this.s.next().line;
    const template = this.parseExpression();
    let ignoreMissing = false;
    if (this.s.test('name', 'ignore') && this.s.look().type === 'name' && this.s.look().value === 'missing') {
      this.s.next();
      this.s.next();
      ignoreMissing = true;
    }
    return this.withEnd({ kind: 'include', template, ignoreMissing, withContext: this.parseContext(true), line });
  }

  private parseImport(): Stmt {
    const line = this.s.next().line;
    const template = this.parseExpression();
    this.s.expect('name', 'as');
    const alias = this.s.expect('name').value;
    return this.withEnd({ kind: 'import', template, alias, withContext: this.parseContext(false), line });
  }

  private parseFrom(): Stmt {
    const line = this.s.next().line;
    const template = this.parseExpression();
    this.s.expect('name', 'import');
    const names: { name: string; alias: string }[] = [];
    let withContext = false;
    for (;;) {
      if (names.length > 0) this.s.expect('op', ',');
      if (this.s.testName('with', 'without') && this.s.look().value === 'context') {
        withContext = this.parseContext(false);
        break;
      }
      const name = this.s.expect('name').value;
      if (name.startsWith('_')) throw this.s.fail('names starting with an underline can not be imported');
      const alias = this.s.skip('name', 'as') ? this.s.expect('name').value : name;
      names.push({ name, alias });
      if (this.s.testName('with', 'without') && this.s.look().value === 'context') {
        withContext = this.parseContext(false);
        break;
      }
      if (!this.s.test('op', ',')) break;
    }
    return this.withEnd({ kind: 'fromimport', template, names, withContext, line });
  }

  private parseBlock(): Stmt {
    const line = this.s.next().line;
    const name = this.s.expect('name').value;
    const scoped = this.s.skip('name', 'scoped');
    this.s.skip('name', 'required');
    this.s.expect('block_end');
    const body = this.parseBody(['endblock']);
    this.s.expect('name', 'endblock');
    this.s.skip('name', name);
    this.s.expect('block_end');
    return { kind: 'block', name, scoped, body, line };
  }
}
