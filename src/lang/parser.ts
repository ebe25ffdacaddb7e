// Recursive-descent parser for CEL (cel-spec langdef grammar), with macro expansion.

import { OP, deeperThan, type Expr, type MacroName } from './ast.js';
import { ParseError } from './parse-error.js';
import { tokenize, type Token } from './lexer.js';
import { CelUint, INT64_MAX } from './values.js';

/** CEL's reserved identifiers: no variable, let or macro variable may take these names. */
export const RESERVED = new Set([
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/** Macros of one variable: `l.all(x, p)`. */
const ONE_VAR_MACROS = new Set<string>(['all', 'exists', 'exists_one', 'existsOne', 'filter', 'map', 'sortBy']);
/** Macros of two variables, `m.all(k, v, p)` (cel-go's `ext.TwoVarComprehensions`). */
const TWO_VAR_MACROS = new Set<string>(['all', 'exists', 'exists_one', 'existsOne']);
/** `transformList(i, v, t)` or, with a filter, `transformList(i, v, f, t)`. */
const TRANSFORM_MACROS = new Set<string>(['transformList', 'transformMap', 'transformMapEntry']);

const RELOPS: Record<string, string> = {
  '==': OP.eq,
  '!=': OP.ne,
  '<': OP.lt,
  '<=': OP.le,
  '>': OP.gt,
  '>=': OP.ge,
  in: OP.in,
};

export interface ParseOptions {
  /** Maximum nesting of the syntax tree (recursion depth of the parser). */
  maxDepth?: number;
  /** Maximum length of the expression text. */
  maxLength?: number;
}

/** Whether a name cannot be an identifier: a reserved word, a literal (`true`, `false`, `null`) or `in`. */
export function isReservedName(name: string): boolean {
  return RESERVED.has(name) || name === 'true' || name === 'false' || name === 'null' || name === 'in';
}

export function parse(src: string, options: ParseOptions = {}): Expr {
  const maxLength = options.maxLength ?? 100_000;
  if (src.length > maxLength) throw new ParseError(`expression is longer than ${maxLength} characters`, 0, 'limit_exceeded');
  const maxDepth = options.maxDepth ?? 250;
  const e = new Parser(tokenize(src), maxDepth).parseAll();
  // Chains (`a + b + c`, `x.a.b.c`, `l[0][0]`) are parsed by loops, not recursion, but nest the
  // tree as deep as they are long; every later stage walks the tree recursively, so the
  // tree's own depth is what the limit bounds.
  const deepest = deeperThan(e, maxDepth);
  if (deepest) throw new ParseError(`expression nests deeper than ${maxDepth} levels`, deepest.pos, 'limit_exceeded');
  return e;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly toks: Token[],
    private readonly maxDepth: number,
  ) {}

  parseAll(): Expr {
    const e = this.expr();
    const t = this.peek();
    if (t.kind !== 'eof') throw new ParseError(`unexpected \`${t.text}\` after the end of the expression`, t.pos);
    return e;
  }

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }
  private accept(text: string): Token | undefined {
    return this.isPunct(text) ? this.next() : undefined;
  }
  private expect(text: string, what?: string): Token {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === text) return this.next();
    const found = t.kind === 'eof' ? 'the end of the expression' : `\`${t.text}\``;
    throw new ParseError(`expected \`${text}\`${what ? ` ${what}` : ''} but found ${found}`, t.pos);
  }

  private enter(pos: number): void {
    if (++this.depth > this.maxDepth) {
      throw new ParseError(`expression nests deeper than ${this.maxDepth} levels`, pos, 'limit_exceeded');
    }
  }

  private expr(): Expr {
    const start = this.peek().pos;
    this.enter(start);
    const cond = this.or();
    let out = cond;
    const q = this.accept('?');
    if (q) {
      // `a?.b` is JavaScript's optional chaining; CEL writes it `a.?b`
      const after = this.peek();
      const jsChain = after.kind === 'punct' && after.text === '.' && after.pos === q.end;
      let a: Expr;
      try {
        a = this.or();
        this.expect(':', 'in a conditional');
      } catch (err) {
        if (jsChain && err instanceof ParseError && err.code === 'syntax') {
          throw new ParseError('unexpected `?.`: an optional field is selected with `.?`, as in `request.?metadata`', q.pos);
        }
        throw err;
      }
      const b = this.expr();
      out = { k: 'call', pos: q.pos, fn: OP.cond, target: undefined, args: [cond, a, b] };
    }
    this.depth--;
    return out;
  }

  private or(): Expr {
    return this.logical('||', OP.or, () => this.and());
  }

  private and(): Expr {
    return this.logical('&&', OP.and, () => this.relation());
  }

  /**
   * A chain `a || b || c ...` as a balanced tree, as cel-go builds it: the operators are
   * commutative under CEL's error rules, so the value is the same, and a chain of a thousand
   * terms nests ten levels deep instead of a thousand.
   */
  private logical(op: string, fn: string, operand: () => Expr): Expr {
    const first = operand();
    if (!this.isPunct(op)) return first;
    const terms = [first];
    const ops: number[] = [];
    for (let t: Token | undefined; (t = this.accept(op)); ) {
      ops.push(t.pos);
      terms.push(operand());
    }
    const build = (lo: number, hi: number): Expr => {
      if (lo === hi) return terms[lo]!;
      const mid = (lo + hi + 1) >> 1;
      return { k: 'call', pos: ops[mid - 1]!, fn, target: undefined, args: [build(lo, mid - 1), build(mid, hi)] };
    };
    return build(0, terms.length - 1);
  }

  private relation(): Expr {
    let left = this.addition();
    while (true) {
      const t = this.peek();
      const op = t.kind === 'punct' || (t.kind === 'ident' && t.text === 'in') ? RELOPS[t.text] : undefined;
      if (!op) return left;
      this.next();
      left = { k: 'call', pos: t.pos, fn: op, target: undefined, args: [left, this.addition()] };
    }
  }

  private addition(): Expr {
    let left = this.multiplication();
    while (this.isPunct('+') || this.isPunct('-')) {
      const t = this.next();
      left = { k: 'call', pos: t.pos, fn: t.text === '+' ? OP.add : OP.sub, target: undefined, args: [left, this.multiplication()] };
    }
    return left;
  }

  private multiplication(): Expr {
    let left = this.unary();
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      const t = this.next();
      const fn = t.text === '*' ? OP.mul : t.text === '/' ? OP.div : OP.mod;
      left = { k: 'call', pos: t.pos, fn, target: undefined, args: [left, this.unary()] };
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && (t.text === '!' || t.text === '-')) {
      this.next();
      this.enter(t.pos);
      // A minus directly before a number literal is part of the literal, so that
      // -9223372036854775808 is a valid int and -0.0 keeps its sign.
      const lit = this.peek();
      if (t.text === '-' && (lit.kind === 'int' || lit.kind === 'double') && !this.followedByMember(lit)) {
        this.next();
        this.depth--;
        const value = lit.kind === 'int' ? -(lit.value as bigint) : -(lit.value as number);
        return this.member({ k: 'lit', pos: t.pos, value });
      }
      const operand = this.unary();
      this.depth--;
      return { k: 'call', pos: t.pos, fn: t.text === '!' ? OP.not : OP.neg, target: undefined, args: [operand] };
    }
    return this.member(this.primary());
  }

  /** `-1.foo()` applies the minus to the call's result, as in cel-go. */
  private followedByMember(lit: Token): boolean {
    const after = this.toks[this.toks.indexOf(lit, this.i) + 1]!;
    return after.kind === 'punct' && (after.text === '.' || after.text === '[');
  }

  private member(e: Expr): Expr {
    while (true) {
      const t = this.peek();
      if (t.kind !== 'punct') return e;
      if (t.text === '.') {
        this.next();
        const opt = this.accept('?');
        const name = this.next();
        if (name.kind !== 'ident' && name.kind !== 'quoted_ident') {
          const after = opt ? '`.?`' : '`.`';
          throw new ParseError(`expected a field name after ${after} but found \`${name.text || 'the end'}\``, name.pos);
        }
        // Reserved words are fine after a dot (`{'as': 1}.as`, `x.package()`): the grammar
        // reserves them as identifiers only, so a field or method may carry one.
        if (name.kind === 'ident' && name.text === 'in') this.checkIdent(name);
        if (opt) {
          if (this.isPunct('(')) {
            throw new ParseError(
              `\`.?\` selects a field and cannot call a method: write \`.?${name.text}\` or \`.${name.text}(...)\``,
              opt.pos,
            );
          }
          const field: Expr = { k: 'lit', pos: name.pos, value: name.text };
          e = { k: 'call', pos: t.pos, fn: OP.optSelect, target: undefined, args: [e, field] };
        } else if (name.kind === 'ident' && this.isPunct('(')) {
          const open = this.next();
          const args = this.exprList(')');
          e = this.receiverCall(e, name, args, open.pos);
        } else {
          e = { k: 'select', pos: t.pos, target: e, field: name.text, test: false };
        }
      } else if (t.text === '[') {
        this.next();
        const opt = this.accept('?');
        const idx = this.expr();
        this.expect(']', 'to close the index');
        e = { k: 'call', pos: t.pos, fn: opt ? OP.optIndex : OP.index, target: undefined, args: [e, idx] };
      } else {
        return e;
      }
    }
  }

  private checkIdent(t: Token): void {
    if (RESERVED.has(t.text)) throw new ParseError(`\`${t.text}\` is a reserved word`, t.pos);
    if (t.text === 'in') throw new ParseError('`in` is an operator, not a name', t.pos);
  }

  private receiverCall(target: Expr, name: Token, args: Expr[], pos: number): Expr {
    if (name.text === 'bind' && args.length === 3 && target.k === 'ident' && target.name === 'cel') {
      const v = args[0]!;
      if (v.k !== 'ident') throw new ParseError('the first argument of `cel.bind` must be a variable name', v.pos);
      return { k: 'macro', pos, macro: 'bind', target: args[1]!, iterVar: v.name, body: args[2]!, transform: undefined };
    }
    if ((name.text === 'greatest' || name.text === 'least') && args.length >= 3 && target.k === 'ident' && target.name === 'math') {
      // cel-go's variadic macro: math.greatest(a, b, c) == math.greatest([a, b, c])
      for (const a of args) {
        const numeric = a.k === 'lit' && (typeof a.value === 'bigint' || typeof a.value === 'number' || a.value instanceof CelUint);
        if (a.k === 'list' || a.k === 'map' || (a.k === 'lit' && !numeric)) {
          throw new ParseError(`the arguments of \`math.${name.text}\` must be numbers`, a.pos);
        }
      }
      return { k: 'call', pos: name.pos, fn: name.text, target, args: [{ k: 'list', pos: args[0]!.pos, elems: args }] };
    }
    const macro = name.text as MacroName;
    // `sortBy(x, key)` is cel-go's lists macro; `sortBy(keys)`, one argument, is a plain call
    const oneVar = ONE_VAR_MACROS.has(macro) && (args.length === 2 || (macro === 'map' && args.length === 3));
    if (oneVar) {
      const v = this.iterVar(macro, args[0]!, 'first');
      if (macro === 'map' && args.length === 3) {
        // map(x, pred, transform) == filter then map
        const filtered: Expr = { k: 'macro', pos, macro: 'filter', target, iterVar: v, body: args[1]!, transform: undefined };
        return { k: 'macro', pos, macro: 'map', target: filtered, iterVar: v, body: args[2]!, transform: undefined };
      }
      return { k: 'macro', pos, macro, target, iterVar: v, body: args[1]!, transform: undefined };
    }
    const twoVar =
      (TWO_VAR_MACROS.has(macro) && args.length === 3) || (TRANSFORM_MACROS.has(macro) && (args.length === 3 || args.length === 4));
    if (twoVar) {
      const v1 = this.iterVar(macro, args[0]!, 'first');
      const v2 = this.iterVar(macro, args[1]!, 'second');
      if (v1 === v2) throw new ParseError(`the two variables of \`${macro}\` must have different names, not both \`${v1}\``, args[1]!.pos);
      const [body, transform] = args.length === 4 ? [args[2]!, args[3]!] : [args[2]!, undefined];
      return { k: 'macro', pos, macro, target, iterVar: v1, iterVar2: v2, body, transform };
    }
    if ((macro === 'optMap' || macro === 'optFlatMap') && args.length === 2) {
      const v = this.iterVar(macro, args[0]!, 'first');
      return { k: 'macro', pos, macro, target, iterVar: v, body: args[1]!, transform: undefined };
    }
    return { k: 'call', pos: name.pos, fn: name.text, target, args };
  }

  private iterVar(macro: string, arg: Expr, which: 'first' | 'second'): string {
    if (arg.k !== 'ident') throw new ParseError(`the ${which} argument of \`${macro}\` must be a variable name`, arg.pos);
    return arg.name;
  }

  /** `?` before an element of a list literal or an entry of a map literal marks it optional. */
  private optionalMark(optional: number[], index: number): void {
    if (this.accept('?')) optional.push(index);
  }

  /** Call arguments up to the closing parenthesis. */
  private exprList(close: string): Expr[] {
    const out: Expr[] = [];
    if (this.accept(close)) return out;
    while (true) {
      out.push(this.expr());
      if (this.accept(close)) return out;
      this.expect(',', 'between arguments');
    }
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'int': {
        if ((t.value as bigint) > INT64_MAX) {
          throw new ParseError(`integer literal \`${t.text}\` is out of range`, t.pos, 'invalid_literal');
        }
        return { k: 'lit', pos: t.pos, value: t.value };
      }
      case 'uint':
      case 'double':
      case 'string':
      case 'bytes':
        return { k: 'lit', pos: t.pos, value: t.value };
      case 'ident': {
        if (t.text === 'true' || t.text === 'false') return { k: 'lit', pos: t.pos, value: t.text === 'true' };
        if (t.text === 'null') return { k: 'lit', pos: t.pos, value: null };
        this.checkIdent(t);
        if (this.isPunct('(')) {
          const open = this.next();
          const args = this.exprList(')');
          if (t.text === 'has') {
            if (args.length !== 1 || args[0]!.k !== 'select') {
              throw new ParseError('`has` takes one field selection, like `has(request.user)`', open.pos);
            }
            const sel = args[0] as Extract<Expr, { k: 'select' }>;
            return { ...sel, test: true, pos: t.pos };
          }
          return { k: 'call', pos: t.pos, fn: t.text, target: undefined, args };
        }
        if (this.isPunct('{')) throw new ParseError(`message construction \`${t.text}{...}\` is not supported`, t.pos);
        return { k: 'ident', pos: t.pos, name: t.text };
      }
      case 'punct': {
        if (t.text === '(') {
          const e = this.expr();
          this.expect(')', 'to close the parenthesis');
          return e;
        }
        if (t.text === '[') {
          this.enter(t.pos);
          const elems: Expr[] = [];
          const optional: number[] = [];
          if (!this.accept(']')) {
            while (true) {
              this.optionalMark(optional, elems.length);
              elems.push(this.expr());
              if (this.accept(']')) break;
              this.expect(',', 'between list elements');
              if (this.accept(']')) break; // trailing comma
            }
          }
          this.depth--;
          return optional.length > 0 ? { k: 'list', pos: t.pos, elems, optional } : { k: 'list', pos: t.pos, elems };
        }
        if (t.text === '{') {
          this.enter(t.pos);
          const entries: { key: Expr; value: Expr }[] = [];
          const optional: number[] = [];
          if (!this.accept('}')) {
            while (true) {
              this.optionalMark(optional, entries.length);
              const key = this.expr();
              this.expect(':', 'between a map key and its value');
              const value = this.expr();
              entries.push({ key, value });
              if (this.accept('}')) break;
              this.expect(',', 'between map entries');
              if (this.accept('}')) break;
            }
          }
          this.depth--;
          return optional.length > 0 ? { k: 'map', pos: t.pos, entries, optional } : { k: 'map', pos: t.pos, entries };
        }
        if (t.text === '.') {
          const name = this.next();
          if (name.kind !== 'ident') throw new ParseError('expected a name after a leading `.`', name.pos);
          return this.primaryAfterDot(name);
        }
        throw new ParseError(`unexpected \`${t.text}\``, t.pos);
      }
      case 'quoted_ident':
        throw new ParseError('a quoted identifier may only follow `.`', t.pos);
      case 'eof':
        throw new ParseError('unexpected end of the expression', t.pos);
    }
  }

  /** `.name` refers to the root scope; we have no containers, so it is the plain name. */
  private primaryAfterDot(name: Token): Expr {
    this.checkIdent(name);
    if (this.isPunct('(')) {
      this.next();
      return { k: 'call', pos: name.pos, fn: name.text, target: undefined, args: this.exprList(')') };
    }
    return { k: 'ident', pos: name.pos, name: name.text };
  }
}
