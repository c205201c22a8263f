/** The parsed form of a Jinja2 template. Every node carries the 1-based source line it starts on. */

import type { PyValue } from '../python/values.js';

export interface Args {
  positional: Expr[];
  keyword: { name: string; value: Expr }[];
  /** `*args` and `**kwargs` at the call site. */
  star?: Expr;
  starStar?: Expr;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'notin';

export type Expr = { line: number } & (
  | { kind: 'const'; value: PyValue }
  | { kind: 'name'; name: string }
  | { kind: 'getattr'; obj: Expr; attr: string }
  | { kind: 'getitem'; obj: Expr; key: Expr }
  | { kind: 'slice'; start?: Expr; stop?: Expr; step?: Expr }
  | { kind: 'tuple'; items: Expr[] }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'dict'; pairs: { key: Expr; value: Expr }[] }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'neg' | 'pos' | 'not'; operand: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; first: Expr; ops: { op: CompareOp; expr: Expr }[] }
  | { kind: 'concat'; parts: Expr[] }
  | { kind: 'cond'; test: Expr; then: Expr; otherwise?: Expr }
  | { kind: 'call'; callee: Expr; args: Args }
  /** `value` is absent for a `{% filter %}` block, whose body is the value. */
  | { kind: 'filter'; value?: Expr; name: string; args: Args }
  | { kind: 'test'; value: Expr; name: string; args: Args }
);

export type Target =
  { kind: 'name'; name: string } | { kind: 'nsattr'; ns: string; attr: string } | { kind: 'tuple'; items: Target[] };

export interface Param {
  name: string;
  default?: Expr;
}

export type Stmt = { line: number } & (
  | { kind: 'data'; text: string }
  | { kind: 'print'; exprs: Expr[] }
  | { kind: 'if'; test: Expr; body: Stmt[]; otherwise: Stmt[] }
  | { kind: 'for'; target: Target; iter: Expr; filter?: Expr; recursive: boolean; body: Stmt[]; otherwise: Stmt[] }
  | { kind: 'set'; target: Target; value: Expr }
  | { kind: 'setblock'; target: Target; filter?: Expr; body: Stmt[] }
  | { kind: 'with'; assigns: { target: Target; value: Expr }[]; body: Stmt[] }
  | { kind: 'macro'; name: string; params: Param[]; body: Stmt[] }
  | { kind: 'callblock'; call: Expr & { kind: 'call' }; params: Param[]; body: Stmt[] }
  | { kind: 'filterblock'; filter: Expr; body: Stmt[] }
  | { kind: 'include'; template: Expr; ignoreMissing: boolean; withContext: boolean }
  | { kind: 'import'; template: Expr; alias: string; withContext: boolean }
  | { kind: 'fromimport'; template: Expr; names: { name: string; alias: string }[]; withContext: boolean }
  | { kind: 'block'; name: string; scoped: boolean; body: Stmt[] }
  | { kind: 'extends'; template: Expr }
  | { kind: 'break' | 'continue' }
);
