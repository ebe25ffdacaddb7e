// The printer: AST -> CEL source. It writes the fewest parentheses that keep the tree (so
// `parse(print(e))` is `e` again, positions aside), one space around binary operators, and,
// in `printPretty`, breaks lines inside `&&`/`||` chains, `?:`, `+`/`-` chains and brackets
// when a line would be wider than the page. It also prints runtime values as CEL literals
// (`printValue`), for explain output and test diffs: an optional prints as `optional.of(x)`
// or `optional.none()`.

import { OP, macroVars, type Expr } from './ast.js';
import { table } from '../util/table.js';
import { printLiteral } from './print-value.js';

/** Binding strength, loosest first (cel-spec langdef grammar). */
const PREC = { cond: 1, or: 2, and: 3, rel: 4, add: 5, mul: 6, unary: 7, member: 8, primary: 9 } as const;

const BINARY = table<{ op: string; prec: number }>({
  [OP.or]: { op: '||', prec: PREC.or },
  [OP.and]: { op: '&&', prec: PREC.and },
  [OP.eq]: { op: '==', prec: PREC.rel },
  [OP.ne]: { op: '!=', prec: PREC.rel },
  [OP.lt]: { op: '<', prec: PREC.rel },
  [OP.le]: { op: '<=', prec: PREC.rel },
  [OP.gt]: { op: '>', prec: PREC.rel },
  [OP.ge]: { op: '>=', prec: PREC.rel },
  [OP.in]: { op: 'in', prec: PREC.rel },
  [OP.add]: { op: '+', prec: PREC.add },
  [OP.sub]: { op: '-', prec: PREC.add },
  [OP.mul]: { op: '*', prec: PREC.mul },
  [OP.div]: { op: '/', prec: PREC.mul },
  [OP.mod]: { op: '%', prec: PREC.mul },
});

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUOTABLE = /^[A-Za-z0-9_.\-/ ]+$/;

export interface PrettyOptions {
  /** Page width; lines longer than this are broken where the syntax allows. Default 80. */
  width?: number;
  /** Spaces per nesting level of broken lines. Default 2. */
  indent?: number;
}

/** The expression on one line. */
export function print(e: Expr): string {
  return render(doc(e, 2), Infinity);
}

/** The expression, broken over several lines where one would be wider than `width`. */
export function printPretty(e: Expr, options: PrettyOptions = {}): string {
  return render(doc(e, options.indent ?? 2), options.width ?? 80);
}

// ------------------------------------------------------------------ precedence

function isNegativeNumber(v: unknown): boolean {
  return (typeof v === 'bigint' && v < 0n) || (typeof v === 'number' && (v < 0 || Object.is(v, -0)));
}

function precOf(e: Expr): number {
  switch (e.k) {
    case 'lit':
      return isNegativeNumber(e.value) ? PREC.unary : PREC.primary;
    case 'ident':
    case 'list':
    case 'map':
      return PREC.primary;
    case 'select':
      return e.test ? PREC.primary : PREC.member;
    case 'macro':
      return PREC.member;
    case 'call': {
      if (e.fn === OP.cond) return PREC.cond;
      if ((e.fn === OP.optSelect || e.fn === OP.optIndex) && e.args.length === 2 && e.target === undefined) return PREC.member;
      const b = BINARY[e.fn];
      if (b && e.args.length === 2 && e.target === undefined) return b.prec;
      if ((e.fn === OP.not || e.fn === OP.neg) && e.args.length === 1 && e.target === undefined) return PREC.unary;
      if (e.fn === OP.index && e.args.length === 2 && e.target === undefined) return PREC.member;
      return e.target !== undefined ? PREC.member : PREC.primary;
    }
  }
}

// ------------------------------------------------------------------ documents (Wadler-style)

type Doc = string | Doc[] | { t: 'line'; flat: string } | { t: 'nest'; n: number; d: Doc } | { t: 'group'; d: Doc };

const line: Doc = { t: 'line', flat: ' ' };
const softline: Doc = { t: 'line', flat: '' };
const nest = (n: number, d: Doc): Doc => ({ t: 'nest', n, d });
const group = (d: Doc): Doc => ({ t: 'group', d });

function join(items: Doc[], sep: Doc): Doc[] {
  const out: Doc[] = [];
  items.forEach((d, i) => {
    if (i > 0) out.push(sep);
    out.push(d);
  });
  return out;
}

function bracket(open: string, items: Doc[], close: string, ind: number): Doc {
  if (items.length === 0) return open + close;
  return group([open, nest(ind, [softline, join(items, [',', line])]), softline, close]);
}

function doc(e: Expr, ind: number): Doc {
  const sub = (x: Expr, min: number): Doc => {
    const d = doc(x, ind);
    return precOf(x) < min ? group(['(', nest(ind, [softline, d]), softline, ')']) : d;
  };
  switch (e.k) {
    case 'lit':
      return printLiteral(e.value);
    case 'ident':
      return e.name;
    case 'list':
      return bracket(
        '[',
        e.elems.map((x, i) => [optMark(e.optional, i), doc(x, ind)]),
        ']',
        ind,
      );
    case 'map':
      return bracket(
        '{',
        e.entries.map((x, i) => [optMark(e.optional, i), doc(x.key, ind), ': ', doc(x.value, ind)]),
        '}',
        ind,
      );
    case 'select': {
      const target = sub(e.target, PREC.member);
      const sel = [target, '.', fieldName(e.field)];
      return e.test ? ['has(', sel, ')'] : sel;
    }
    case 'macro': {
      if (e.macro === 'bind') {
        return ['cel.bind', bracket('(', [e.iterVar, doc(e.target, ind), doc(e.body, ind)], ')', ind)];
      }
      // `l.map(x, p, f)` is parsed as a filter then a map with one position: print it as written.
      const t = e.target;
      if (e.macro === 'map' && t.k === 'macro' && t.macro === 'filter' && t.pos === e.pos && t.iterVar === e.iterVar) {
        return [sub(t.target, PREC.member), '.map', bracket('(', [e.iterVar, doc(t.body, ind), doc(e.body, ind)], ')', ind)];
      }
      const args: Doc[] = [...macroVars(e), doc(e.body, ind)];
      if (e.transform) args.push(doc(e.transform, ind));
      return [sub(t, PREC.member), `.${e.macro}`, bracket('(', args, ')', ind)];
    }
    case 'call':
      return callDoc(e, ind, sub);
  }
}

function callDoc(e: Extract<Expr, { k: 'call' }>, ind: number, sub: (x: Expr, min: number) => Doc): Doc {
  const a = e.args;
  if (e.target === undefined) {
    if (e.fn === OP.cond && a.length === 3) {
      return group([sub(a[0]!, PREC.or), nest(ind, [line, '? ', sub(a[1]!, PREC.or), line, ': ', sub(a[2]!, PREC.cond)])]);
    }
    const b = BINARY[e.fn];
    if (b && a.length === 2) {
      if (b.op === '&&' || b.op === '||') {
        // a && b && c: one group, broken after every operator or none. The parser builds a
        // chain as a balanced tree; a tree of that shape prints flat, any other grouping keeps
        // its parentheses, so that printing and parsing again gives the same tree.
        const operands: Expr[] = [];
        const same = (x: Expr) => x.k === 'call' && x.fn === e.fn && x.target === undefined && x.args.length === 2;
        const collect = (x: Expr) => {
          if (same(x)) {
            collect((x as Extract<Expr, { k: 'call' }>).args[0]!);
            collect((x as Extract<Expr, { k: 'call' }>).args[1]!);
          } else operands.push(x);
        };
        collect(e);
        let next = 0;
        // whether `x` is what the parser builds from operands[lo..hi]
        const balanced = (x: Expr, lo: number, hi: number): boolean => {
          if (lo === hi) return !same(x) && x === operands[next++];
          if (!same(x)) return false;
          const mid = (lo + hi + 1) >> 1;
          const [l, r] = (x as Extract<Expr, { k: 'call' }>).args as [Expr, Expr];
          return balanced(l, lo, mid - 1) && balanced(r, mid, hi);
        };
        if (!balanced(e, 0, operands.length - 1)) return group([sub(a[0]!, b.prec + 1), ` ${b.op}`, line, sub(a[1]!, b.prec + 1)]);
        const docs = operands.map((x) => sub(x, b.prec + 1));
        return group(join(docs, [` ${b.op}`, line]));
      }
      if (b.prec === PREC.add) return group([sub(a[0]!, b.prec), ` ${b.op}`, nest(ind, [line, sub(a[1]!, b.prec + 1)])]);
      return [sub(a[0]!, b.prec), ` ${b.op} `, sub(a[1]!, b.prec + 1)];
    }
    if ((e.fn === OP.not || e.fn === OP.neg) && a.length === 1) {
      const x = a[0]!;
      const op = e.fn === OP.not ? '!' : '-';
      // `-(5)` is a negation of the literal 5; `-5` would be the literal -5.
      if (op === '-' && x.k === 'lit' && (typeof x.value === 'bigint' || typeof x.value === 'number') && !isNegativeNumber(x.value)) {
        return ['-(', printLiteral(x.value), ')'];
      }
      return [op, sub(x, PREC.unary)];
    }
    if (e.fn === OP.index && a.length === 2) {
      return [sub(a[0]!, PREC.member), '[', doc(a[1]!, ind), ']'];
    }
    if (e.fn === OP.optIndex && a.length === 2) {
      return [sub(a[0]!, PREC.member), '[?', doc(a[1]!, ind), ']'];
    }
    const field = a[1];
    if (e.fn === OP.optSelect && a.length === 2 && field!.k === 'lit' && typeof field!.value === 'string') {
      return [sub(a[0]!, PREC.member), '.?', fieldName(field!.value)];
    }
    return [
      e.fn,
      bracket(
        '(',
        a.map((x) => doc(x, ind)),
        ')',
        ind,
      ),
    ];
  }
  return [
    sub(e.target, PREC.member),
    '.',
    e.fn,
    bracket(
      '(',
      a.map((x) => doc(x, ind)),
      ')',
      ind,
    ),
  ];
}

/** `?` before an optional element of a list or entry of a map. */
function optMark(optional: number[] | undefined, i: number): string {
  return optional?.includes(i) ? '?' : '';
}

function fieldName(f: string): string {
  if (IDENT.test(f) && f !== 'in') return f;
  return QUOTABLE.test(f) ? `\`${f}\`` : f;
}

type Cmd = [indent: number, flat: boolean, d: Doc];

function render(d: Doc, width: number): string {
  let out = '';
  let col = 0;
  const cmds: Cmd[] = [[0, false, d]];
  while (cmds.length > 0) {
    const [ind, flat, x] = cmds.pop()!;
    if (typeof x === 'string') {
      out += x;
      col += x.length;
    } else if (Array.isArray(x)) {
      for (let i = x.length - 1; i >= 0; i--) cmds.push([ind, flat, x[i]!]);
    } else if (x.t === 'line') {
      if (flat) {
        out += x.flat;
        col += x.flat.length;
      } else {
        out += `\n${' '.repeat(ind)}`;
        col = ind;
      }
    } else if (x.t === 'nest') {
      cmds.push([ind + x.n, flat, x.d]);
    } else {
      cmds.push([ind, flat || fits(width - col, [ind, true, x.d], cmds), x.d]);
    }
  }
  return out;
}

/** Whether `next`, flat, and what follows it up to the next line break fit in `room`. */
function fits(room: number, next: Cmd, rest: Cmd[]): boolean {
  if (room === Infinity) return true;
  const stack: Cmd[] = [next];
  let r = rest.length;
  while (room >= 0) {
    let cmd = stack.pop();
    if (cmd === undefined) {
      if (r === 0) return true;
      cmd = rest[--r]!;
    }
    const [ind, flat, x] = cmd;
    if (typeof x === 'string') room -= x.length;
    else if (Array.isArray(x)) for (let i = x.length - 1; i >= 0; i--) stack.push([ind, flat, x[i]!]);
    else if (x.t === 'line') {
      if (!flat) return true;
      room -= x.flat.length;
    } else if (x.t === 'nest') stack.push([ind + x.n, flat, x.d]);
    else stack.push([ind, flat, x.d]);
  }
  return false;
}
