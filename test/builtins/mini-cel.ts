// A tiny evaluator for the builtin examples, so they can be checked before (and
// independently of) the real parser: literals, lists, maps, variables, field selection,
// global and receiver calls, and one top-level `==`. Anything else is "unsupported" and
// the example is left to the engine-level test.

import { dispatcher, type FunctionDecl } from '../../src/lang/registry.js';
import { CelDuration, CelTimestamp, CelUint, celCompare, celEquals, mapGet } from '../../src/lang/values.js';
import { addDuration, addDurations, subDuration, subDurations, subTimestamps } from '../../builtins/std/time.js';

export class Unsupported extends Error {}

export function evalMini(src: string, decls: FunctionDecl[], bindings: Record<string, unknown> = {}): unknown {
  const p = new Mini(src, decls, bindings);
  const v = p.expr();
  p.ws();
  if (p.i !== src.length) throw new Unsupported(`trailing input at ${p.i}: ${src.slice(p.i)}`);
  return v;
}

const utf8 = new TextEncoder();

class Mini {
  i = 0;
  constructor(
    readonly s: string,
    readonly decls: FunctionDecl[],
    readonly bindings: Record<string, unknown>,
  ) {}

  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  peek(t: string): boolean {
    this.ws();
    return this.s.startsWith(t, this.i);
  }
  eat(t: string): void {
    if (!this.peek(t)) throw new Unsupported(`expected ${t} at ${this.i}`);
    this.i += t.length;
  }

  expr(): unknown {
    const l = this.additive();
    for (const op of ['==', '!=', '<=', '>=', '<', '>'] as const) {
      if (!this.peek(op)) continue;
      this.eat(op);
      const r = this.additive();
      if (op === '==') return celEquals(l, r);
      if (op === '!=') return !celEquals(l, r);
      const c = celCompare(l, r);
      if (c === undefined) return false;
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
    return l;
  }

  /** `+` and `-` on timestamps and durations only (through the builtins' time helpers). */
  additive(): unknown {
    let v = this.member();
    for (;;) {
      if (this.peek('+')) {
        this.eat('+');
        const r = this.member();
        if (v instanceof CelTimestamp && r instanceof CelDuration) v = addDuration(v, r);
        else if (v instanceof CelDuration && r instanceof CelTimestamp) v = addDuration(r, v);
        else if (v instanceof CelDuration && r instanceof CelDuration) v = addDurations(v, r);
        else throw new Unsupported('+ on other kinds');
      } else if (this.peek('-') && !this.peek('->')) {
        this.eat('-');
        const r = this.member();
        if (v instanceof CelTimestamp && r instanceof CelDuration) v = subDuration(v, r);
        else if (v instanceof CelTimestamp && r instanceof CelTimestamp) v = subTimestamps(v, r);
        else if (v instanceof CelDuration && r instanceof CelDuration) v = subDurations(v, r);
        else throw new Unsupported('- on other kinds');
      } else return v;
    }
  }

  member(): unknown {
    let v = this.primary();
    while (this.peek('.')) {
      this.eat('.');
      const name = this.ident();
      if (this.peek('(')) v = this.call(name, [v, ...this.list('(', ')')], true);
      else {
        if (typeof v !== 'object' || v === null) throw new Unsupported('select on a non-map');
        v = mapGet(v, name);
        if (v === undefined) throw new Unsupported(`no field ${name}`);
      }
    }
    return v;
  }

  ident(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (!m) throw new Unsupported(`identifier expected at ${this.i}`);
    this.i += m[0].length;
    return m[0];
  }

  list(open: string, close: string): unknown[] {
    this.eat(open);
    const out: unknown[] = [];
    if (this.peek(close)) {
      this.eat(close);
      return out;
    }
    for (;;) {
      out.push(this.expr());
      if (this.peek(',')) this.eat(',');
      else break;
    }
    this.eat(close);
    return out;
  }

  primary(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '[') return this.list('[', ']');
    if (c === '{') {
      this.eat('{');
      const m = new Map<unknown, unknown>();
      while (!this.peek('}')) {
        const k = this.expr();
        this.eat(':');
        m.set(k, this.expr());
        if (this.peek(',')) this.eat(',');
      }
      this.eat('}');
      return m;
    }
    if (c === '(') {
      this.eat('(');
      const v = this.expr();
      this.eat(')');
      return v;
    }
    if (c !== undefined && /[-0-9.]/.test(c)) return this.number();
    if (c === "'" || c === '"') return this.string(false);
    if ((c === 'b' || c === 'B') && /['"]/.test(this.s[this.i + 1] ?? '')) {
      this.i++;
      return this.string(true);
    }
    const name = this.ident();
    if (name === 'true') return true;
    if (name === 'false') return false;
    if (name === 'null') return null;
    if (this.peek('(')) return this.call(name, this.list('(', ')'), false);
    if (!(name in this.bindings)) throw new Unsupported(`unknown variable ${name}`);
    return this.bindings[name];
  }

  number(): unknown {
    const m = /^-?(?:[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)u?/.exec(this.s.slice(this.i));
    if (!m) throw new Unsupported(`number expected at ${this.i}`);
    this.i += m[0].length;
    const t = m[0];
    if (t.endsWith('u')) return new CelUint(BigInt(t.slice(0, -1)));
    if (/[.eE]/.test(t)) return Number(t);
    return BigInt(t);
  }

  string(bytes: boolean): unknown {
    const q = this.s[this.i]!;
    this.i++;
    const out: number[] = []; // code points for strings, bytes for bytes
    const pushText = (cp: number) => {
      if (bytes) out.push(...utf8.encode(String.fromCodePoint(cp)));
      else out.push(cp);
    };
    for (;;) {
      const ch = this.s.codePointAt(this.i);
      if (ch === undefined) throw new Unsupported('unterminated string');
      const cs = String.fromCodePoint(ch);
      this.i += cs.length;
      if (cs === q) break;
      if (cs !== '\\') {
        pushText(ch);
        continue;
      }
      const e = this.s[this.i++]!;
      const simple: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34, '`': 96, '?': 63, a: 7, b: 8, f: 12, v: 11 };
      if (e in simple) pushText(simple[e]!);
      else if (e === 'x' || e === 'X') {
        const v = parseInt(this.s.slice(this.i, this.i + 2), 16);
        this.i += 2;
        if (bytes) out.push(v);
        else out.push(v);
      } else if (/[0-3]/.test(e)) {
        const v = parseInt(e + this.s.slice(this.i, this.i + 2), 8);
        this.i += 2;
        out.push(v);
      } else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        pushText(parseInt(this.s.slice(this.i, this.i + n), 16));
        this.i += n;
      } else throw new Unsupported(`escape \\${e}`);
    }
    return bytes ? new Uint8Array(out) : String.fromCodePoint(...out);
  }

  call(name: string, args: unknown[], receiver: boolean): unknown {
    const decl = this.decls.find((d) => d.name === name);
    if (!decl) throw new Unsupported(`unknown function ${name}`);
    const arity = receiver ? args.length - 1 : args.length;
    const style = decl.overloads.filter((o) => (o.receiver !== undefined) === receiver && o.params.length === arity);
    return dispatcher(name, style, receiver)(...args);
  }
}
