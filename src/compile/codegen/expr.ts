// Checked expressions to JavaScript source, in the spirit of ajv's code generation: each
// expression becomes a plain function of the frame, `(f) => value`, interchangeable with the
// closure the closure compiler built for it (src/compile/compile.ts), with the same value,
// the same error (code, message, offset) and the same steps counted, by construction:
//  - it follows the closure compiler's decisions, recorded as notes on the AST (constants,
//    name resolution, the implementation of each builtin call), and mirrors each closure's
//    evaluation order and error wrapping node by node;
//  - only fast paths are inlined (numbers, strings, reads of plain objects); everything else
//    calls the runtime (./runtime.ts), which reuses the closures' helpers.
// What generated code gains: every read and operator has its own type feedback (no shared,
// megamorphic closures), and a whole condition is one function V8 optimizes as a unit.
//
// Safety: names and literals from a policy reach the source only through jsString/literal
// (./source.ts). Input objects are read only after `typeof o === 'object'`, the value is
// used only when the object is a plain object (prototype Object.prototype or null) and the
// name is not one of Object.prototype's; anything else takes the closures' checked reads.
// Builtins are called through the array `F` of implementations, never by name.

import { OP, type Expr } from '../../lang/ast.js';
import { fieldName } from '../../lang/operators.js';
import { PROTO_NAMES, rootPosition, selectPositions, type Note, type Notes } from '../compile.js';
import type { CallSite } from '../frame.js';
import { RUNTIME, type BinaryName } from './runtime.js';
import { jsString, literal } from './source.js';

/** Tables up to this size are looked up through a `switch`. */
const MAX_SWITCH_CASES = 32;

/** A constant map whose keys are all strings and whose values are CEL values (never undefined or a Date). */
function stringTable(v: unknown): v is ReadonlyMap<string, unknown> {
  if (!(v instanceof Map)) return false;
  for (const [k, x] of v) if (typeof k !== 'string' || x === undefined || x instanceof Date) return false;
  return true;
}

/**
 * `table[key].field` for every key, where the value is a primitive: what readField returns
 * for it (a Map's entry, or a plain object's own property). Undefined when no value has one.
 */
function projection(table: ReadonlyMap<string, unknown>, field: string): Map<string, unknown> | undefined {
  const out = new Map<string, unknown>();
  for (const [k, x] of table) {
    let v: unknown;
    if (x instanceof Map) v = x.get(field);
    else if (
      typeof x === 'object' &&
      x !== null &&
      !Array.isArray(x) &&
      (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null)
    )
      v = Object.prototype.hasOwnProperty.call(x, field) ? (x as Record<string, unknown>)[field] : undefined;
    if (v !== undefined && (typeof v !== 'object' || v === null)) out.set(k, v);
  }
  return out.size > 0 ? out : undefined;
}

const DOUBLES = new WeakMap<ReadonlyMap<string, unknown>, Map<string, number>>();

/** A table of ints and doubles as doubles: what a comparison with a double converts its entries to. */
function doubles(table: ReadonlyMap<string, unknown>): Map<string, number> {
  let d = DOUBLES.get(table);
  if (d === undefined) {
    d = new Map([...table].map(([k, v]) => [k, Number(v as number | bigint)]));
    DOUBLES.set(table, d);
  }
  return d;
}

/** One generated module: its constants, call sites and functions. */
export class Unit {
  private readonly decls: string[] = [];
  private readonly names = new Map<unknown, string>();
  private readonly sets = new Map<unknown, string>();
  private readonly letReaders = new Set<string>();
  /**
   * Prefix of the let functions of the policy being generated: each policy numbers its own let
   * cells, so two policies of one module would both have a cell 0.
   */
  scope = '';
  private readonly tables = new Map<unknown, string>();
  /** Call sites in the order of `F`. */
  readonly sites: CallSite[] = [];
  private k = 0;

  constructor(readonly notes: Notes) {}

  /** Source for a constant: primitives inline, objects built once per module (shared, as the closures share them). */
  konst(v: unknown): string {
    if (typeof v !== 'object' || v === null) return literal(v);
    let name = this.names.get(v);
    if (name === undefined) {
      name = `K${this.k++}`;
      this.decls.push(`const ${name} = ${literal(v)};`);
      this.names.set(v, name);
    }
    return name;
  }

  /** A Set of a constant list of strings, built once. */
  stringSet(list: readonly string[]): string {
    let name = this.sets.get(list);
    if (name === undefined) {
      name = `S${this.k++}`;
      this.decls.push(`const ${name} = new Set(${this.konst(list)});`);
      this.sets.set(list, name);
    }
    return name;
  }

  /**
   * A function from a string to the value of a constant table (undefined when absent): a
   * `switch` for a small table, which V8 turns into a few comparisons (a Map lookup hashes),
   * the Map itself for a large one.
   */
  lookup(table: ReadonlyMap<string, unknown>): string {
    let name = this.tables.get(table);
    if (name === undefined) {
      name = `G${this.k++}`;
      if (table.size > MAX_SWITCH_CASES) {
        this.decls.push(`const ${name} = ((m) => (k) => m.get(k))(${this.konst(table)});`);
      } else {
        const cases = [...table].map(([k, v]) => `    case ${jsString(k)}: return ${this.konst(v)};`);
        this.decls.push(`function ${name}(k) {\n  switch (k) {\n${cases.join('\n')}\n  }\n  return undefined;\n}`);
      }
      this.tables.set(table, name);
    }
    return name;
  }

  site(s: CallSite): string {
    const i = this.sites.length;
    this.sites.push(s);
    this.decls.push(`const F${i} = F[${i}];`);
    return `F${i}`;
  }

  /** The reader of let cell `cell`: evaluates `E<cell>` at most once per decision, keeping its error. */
  letReader(cell: number): string {
    const name = `${this.scope}${cell}`;
    if (!this.letReaders.has(name)) {
      this.letReaders.add(name);
      this.decls.push(
        `function L${name}(f, pos) { let v = f.lets[${cell}]; if (v === UNSET) { try { v = E${name}(f); } catch (err) { v = new Failed(at(err, pos)); } f.lets[${cell}] = v; } if (v instanceof Failed) throw v.error; return v; }`,
      );
    }
    return `L${name}`;
  }

  /**
   * Generates `function name(f) { ... }` returning the expression's value. `compact`: reads
   * call the closures' helpers instead of inlining their fast path, which makes the code
   * several times smaller (for policies of many rules, which the rule index keeps from being
   * evaluated at all, but whose conditions must still be there).
   */
  fn(name: string, e: Expr, compact = false): void {
    this.add(`function ${name}(f) {\n  const I = f.input;\n${this.statements(e, 'return ', 1, compact)}}`);
  }

  /** Statements that compute the expression, then `<lead><atom>;`. */
  statements(e: Expr, lead: string, indent = 1, compact = false): string {
    const g = new FnGen(this, indent, compact);
    const v = g.expr(e, new Map());
    return `${g.body()}${'  '.repeat(indent)}${lead}${v};\n`;
  }

  add(decl: string): void {
    this.decls.push(decl);
  }

  /**
   * The module body: a function of (rt, F) that binds the runtime's names (RUNTIME's, and
   * those of `rt`, the runtime it will be given), builds the constants and returns `result`
   * (source of an expression over the generated names).
   */
  source(result: string, rt: object = RUNTIME): string {
    return [`"use strict";`, `const { ${Object.keys(rt).join(', ')} } = rt;`, ...this.decls, `return ${result};`].join('\n');
  }
}

const OP_NAMES: Partial<Record<string, BinaryName>> = {
  [OP.add]: 'add',
  [OP.sub]: 'sub',
  [OP.mul]: 'mul',
  [OP.div]: 'div',
  [OP.mod]: 'mod',
  [OP.lt]: 'lt',
  [OP.le]: 'le',
  [OP.gt]: 'gt',
  [OP.ge]: 'ge',
};
const JS_OPS: Partial<Record<BinaryName, string>> = { add: '+', sub: '-', mul: '*', div: '/', lt: '<', le: '<=', gt: '>', ge: '>=' };

/** The statements of one function; expr() returns an atom (a local, a literal or a constant's name). */
class FnGen {
  private readonly lines: string[] = [];
  private t = 0;

  constructor(
    private readonly unit: Unit,
    private depth: number,
    private readonly compact: boolean,
  ) {}

  body(): string {
    return this.lines.map((l) => `${l}\n`).join('');
  }

  private emit(line: string): void {
    this.lines.push('  '.repeat(this.depth) + line);
  }

  private open(line: string): void {
    this.emit(line);
    this.depth++;
  }

  private close(line = '}'): void {
    this.depth--;
    this.emit(line);
  }

  private tmp(): string {
    return `t${this.t++}`;
  }

  /** `const t = <code>;`, returning t. */
  private bind(code: string): string {
    const t = this.tmp();
    this.emit(`const ${t} = ${code};`);
    return t;
  }

  private note(e: Expr): Note {
    const n = this.unit.notes.get(e);
    if (n === undefined) throw new Error(`code generation: no compiler note for a \`${e.k}\` node at ${e.pos}`);
    return n;
  }

  private konstOf(e: Expr): { value: unknown } | undefined {
    return this.unit.notes.get(e)?.konst;
  }

  expr(e: Expr, scope: Map<string, string>): string {
    const k = this.konstOf(e);
    if (k) return this.unit.konst(k.value);
    switch (e.k) {
      case 'lit':
        return this.unit.konst(e.value);
      case 'ident':
        return this.ident(e, scope);
      case 'select':
        return this.select(e, scope);
      case 'list': {
        const opt = e.optional;
        if (opt === undefined || opt.length === 0) {
          const elems = e.elems.map((x) => this.expr(x, scope));
          return this.bind(`[${elems.join(', ')}]`);
        }
        // `[a, ?b]`: b's value when it has one
        const out = this.bind('[]');
        e.elems.forEach((x, i) => {
          const v = this.expr(x, scope);
          this.emit(opt.includes(i) ? `if (optionalEntry(${v}, ${x.pos})) ${out}.push((${v}).valueOrUndefined);` : `${out}.push(${v});`);
        });
        return out;
      }
      case 'map': {
        const m = this.bind('new Map()');
        e.entries.forEach((entry, i) => {
          const key = this.expr(entry.key, scope);
          this.emit(`mapKey(${m}, ${key}, ${entry.key.pos});`);
          const value = this.expr(entry.value, scope);
          // `{?k: v}`: the entry only when v has a value
          this.emit(
            e.optional?.includes(i)
              ? `if (optionalEntry(${value}, ${entry.value.pos})) ${m}.set(${key}, (${value}).valueOrUndefined);`
              : `${m}.set(${key}, ${value});`,
          );
        });
        return m;
      }
      case 'macro':
        return this.macro(e, scope);
      case 'call':
        return this.call(e, scope);
    }
  }

  private ident(e: Extract<Expr, { k: 'ident' }>, scope: Map<string, string>): string {
    const ref = this.note(e).ref;
    const local = scope.get(e.name);
    if (local !== undefined) return local;
    if (ref === undefined) throw new Error(`code generation: unresolved name at ${e.pos}`);
    switch (ref.kind) {
      case 'macro':
        throw new Error(`code generation: macro variable out of scope at ${e.pos}`);
      case 'let':
        return this.bind(`${this.unit.letReader(ref.cell)}(f, ${e.pos})`);
      case 'now':
        return this.bind('now(f)');
      case 'input': {
        const name = jsString(e.name);
        if (!ref.direct) return this.bind(`readVarOwn(I, ${name}, ${e.pos})`);
        const raw = this.bind(`I[${name}]`);
        return this.bind(`${raw} !== undefined && typeof ${raw} !== 'object' ? ${raw} : readVar(I, ${name}, ${e.pos})`);
      }
    }
  }

  /**
   * The value of a field read once it is known to be a plain object's own, defined property:
   * what the closures return (a Date becomes a timestamp).
   */
  private hostValue(v: string): string {
    return `(typeof ${v} !== 'object' ? ${v} : fromHost(${v}))`;
  }

  private select(e: Extract<Expr, { k: 'select' }>, scope: Map<string, string>): string {
    if (e.test) {
      const r = this.tmp();
      this.emit(`let ${r};`);
      this.open('try {');
      const t = this.expr(e.target, scope);
      this.emit(`${r} = hasField(${t}, ${jsString(e.field)});`);
      this.close(`} catch (err) { throw at(err, ${e.pos}); }`);
      return r;
    }
    const path = this.unit.notes.get(e)?.path;
    if (path) return this.path(e, path, scope);
    const field = jsString(e.field);
    const target = e.target;
    const table = target.k === 'call' && target.fn === OP.index && !this.konstOf(target) ? this.konstOf(target.args[0]!)?.value : undefined;
    const projected = stringTable(table) && !PROTO_NAMES.has(e.field) ? projection(table, e.field) : undefined;
    if (projected) {
      // `table[key].field` from a table of the fields (a price table's `prices[model].input`);
      // anything else (no such key, a field that is not a primitive) takes the general path
      const key = this.expr((target as Extract<Expr, { k: 'call' }>).args[1]!, scope);
      const r = this.tmp();
      this.emit(`let ${r};`);
      this.open(`if (typeof ${key} !== 'string' || (${r} = ${this.unit.lookup(projected)}(${key})) === undefined) {`);
      const t = this.index(this.unit.konst(table), table, key, target.pos);
      this.emit(`${r} = readField(${t}, ${field}, ${e.pos});`);
      this.close();
      return r;
    }
    const t = this.expr(target, scope);
    if (PROTO_NAMES.has(e.field)) return this.bind(`readFieldChecked(${t}, ${field}, ${e.pos})`);
    if (this.compact) return this.bind(`readField(${t}, ${field}, ${e.pos})`);
    const v = this.tmp();
    const p = this.tmp();
    this.emit(`let ${v}, ${p};`);
    // The read comes before the prototype test so that V8 knows the object's shape at the
    // test and folds it to a constant (the other order costs a call per read). A Map (a map
    // built by the policy) is read as readField reads it.
    return this.bind(
      `typeof ${t} === 'object' && ${t} !== null && (${v} = ${t}[${field}]) !== undefined && ((${p} = getProto(${t})) === OBJP || ${p} === null) ? ${this.hostValue(v)} : ${t} instanceof Map && (${v} = ${t}.get(${field})) !== undefined && typeof ${v} !== 'object' ? ${v} : readField(${t}, ${field}, ${e.pos})`,
    );
  }

  /** `a.b.c` from an input or macro variable: one inline read of the whole path, or the closures' reads. */
  private path(e: Extract<Expr, { k: 'select' }>, path: { names: string[]; checked: boolean }, scope: Map<string, string>): string {
    const [root, ...fields] = path.names as [string, ...string[]];
    const rootPos = rootPosition(e);
    const poss = selectPositions(e);
    const local = scope.get(root);
    const names = this.unit.konst(fields);
    const positions = this.unit.konst(poss);
    if (path.checked) {
      const r =
        local ??
        (PROTO_NAMES.has(root)
          ? this.bind(`readVarOwn(I, ${jsString(root)}, ${rootPos})`)
          : this.bind(`readVar(I, ${jsString(root)}, ${rootPos})`));
      return this.bind(`readPathChecked(${r}, ${names}, ${positions})`);
    }
    if (this.compact)
      return this.bind(
        local !== undefined
          ? `readPath(${local}, ${names}, ${positions})`
          : `readVarPath(I, ${jsString(root)}, ${rootPos}, ${names}, ${positions})`,
      );
    const objs = fields.map(() => this.tmp());
    const v = this.tmp();
    const p = this.tmp();
    const o0 = local ?? this.bind(`I[${jsString(root)}]`);
    this.emit(`let ${[...objs.slice(1), v, p].join(', ')};`);
    const conds: string[] = [];
    let o = o0;
    for (let i = 0; i < fields.length; i++) {
      const next = i === fields.length - 1 ? v : objs[i + 1]!;
      conds.push(
        `typeof ${o} === 'object' && ${o} !== null && (${next} = ${o}[${jsString(fields[i]!)}]) !== undefined && ((${p} = getProto(${o})) === OBJP || ${p} === null)`,
      );
      o = next;
    }
    const slow =
      local !== undefined
        ? `readPath(${local}, ${names}, ${positions})`
        : `readVarPath(I, ${jsString(root)}, ${rootPos}, ${names}, ${positions})`;
    return this.bind(`${conds.join(' && ')} ? ${this.hostValue(v)} : ${slow}`);
  }

  private macro(e: Extract<Expr, { k: 'macro' }>, scope: Map<string, string>): string {
    if (e.macro === 'optMap' || e.macro === 'optFlatMap') return this.optMacro(e, scope);
    const coll = this.expr(e.target, scope);
    const x = this.tmp();
    const pos = e.pos;
    if (e.macro === 'bind') {
      // no iteration, so no step: the value is computed once, before the body
      this.emit(`const ${x} = ${coll};`);
      return this.expr(e.body, new Map(scope).set(e.iterVar, x));
    }
    const i = this.tmp();
    const limit = `if (++f.steps > f.maxSteps) throw limit(f, ${pos});`;
    // what is iterated (`list`, whose length bounds the loop) and how one iteration starts:
    // its step, then the variables
    let list: string;
    let step: () => void;
    let inner: Map<string, string>;
    if (e.iterVar2 === undefined) {
      list = this.bind(`items(${coll}, ${jsString(e.macro)}, ${pos})`);
      inner = new Map(scope).set(e.iterVar, x);
      step = () => {
        this.emit(limit);
        this.emit(`const ${x} = fromHost(${list}[${i}]);`);
      };
    } else {
      // (index, value) of a list, (key, value) of a map
      const kv = this.bind(`entries2(${coll}, ${jsString(e.macro)}, ${pos})`);
      const keys = this.bind(`${kv}[0]`);
      list = this.bind(`${kv}[1]`);
      const y = this.tmp();
      inner = new Map(scope).set(e.iterVar, x).set(e.iterVar2, y);
      step = () => {
        this.emit(limit);
        this.emit(`const ${x} = ${keys} === undefined ? BigInt(${i}) : ${keys}[${i}];`);
        this.emit(`const ${y} = fromHost(${list}[${i}]);`);
      };
    }
    const what = jsString(`the condition of \`${e.macro}\``);
    const loop = `for (let ${i} = 0; ${i} < ${list}.length; ${i}++) {`;
    switch (e.macro) {
      case 'all':
      case 'exists': {
        const decisive = e.macro === 'exists';
        const r = this.tmp();
        const first = this.tmp();
        this.emit(`let ${r} = ${!decisive}, ${first};`);
        this.open(loop);
        this.open('try {');
        step();
        const b = this.expr(e.body, inner);
        this.emit(`if (asBool(${b}, ${what}) === ${decisive}) { ${r} = ${decisive}; break; }`);
        this.close(`} catch (err) { if (err instanceof EE && err.code === 'limit_exceeded') throw err; ${first} ??= err; }`);
        this.close();
        this.emit(`if (${r} !== ${decisive} && ${first} !== undefined) throw at(${first}, ${pos});`);
        return r;
      }
      case 'exists_one':
      case 'existsOne': {
        const n = this.tmp();
        this.emit(`let ${n} = 0;`);
        this.open(loop);
        step();
        const b = this.expr(e.body, inner);
        this.emit(`if (asBool(${b}, ${what})) ${n}++;`);
        this.close();
        return this.bind(`${n} === 1`);
      }
      case 'filter': {
        const out = this.bind('[]');
        this.open(loop);
        step();
        const b = this.expr(e.body, inner);
        this.emit(`if (asBool(${b}, ${what})) ${out}.push(${list}[${i}]);`);
        this.close();
        return out;
      }
      case 'map': {
        const out = this.bind(`new Array(${list}.length)`);
        this.open(loop);
        step();
        const b = this.expr(e.body, inner);
        this.emit(`${out}[${i}] = ${b};`);
        this.close();
        return out;
      }
      case 'sortBy': {
        const keys = this.bind(`new Array(${list}.length)`);
        this.open(loop);
        step();
        const b = this.expr(e.body, inner);
        this.emit(`${keys}[${i}] = ${b};`);
        this.close();
        const site = this.unit.notes.get(e)?.site;
        if (!site) {
          this.emit(`throw new EE('no_matching_overload', ${jsString('unknown function `sortBy`')}, ${pos});`);
          return 'undefined';
        }
        const fn = this.unit.site(site);
        const r = this.tmp();
        this.emit(`let ${r};`);
        this.emit(`try { ${r} = ${fn}(${list}, ${keys}); } catch (err) { throw at(err, ${pos}); }`);
        return r;
      }
      case 'transformList':
      case 'transformMap':
      case 'transformMapEntry': {
        // with a filter, `body` is the filter and `transform` the value
        const [filter, value] = e.transform ? [e.body, e.transform] : [undefined, e.body];
        const out = this.bind(e.macro === 'transformList' ? '[]' : 'new Map()');
        this.open(loop);
        step();
        if (filter) {
          const c = this.expr(filter, inner);
          this.emit(`if (!asBool(${c}, ${jsString(`the filter of \`${e.macro}\``)})) continue;`);
        }
        const v = this.expr(value, inner);
        if (e.macro === 'transformList') this.emit(`${out}.push(${v});`);
        else if (e.macro === 'transformMap') this.emit(`${out}.set(${x}, ${v});`);
        else this.emit(`mapInsertAll(${out}, ${v}, ${pos});`);
        this.close();
        return out;
      }
    }
  }

  /** `opt.optMap(v, e)` / `opt.optFlatMap(v, e)`: `e` with `v` bound to the optional's value, if any (no step). */
  private optMacro(e: Extract<Expr, { k: 'macro' }>, scope: Map<string, string>): string {
    const o = this.expr(e.target, scope);
    const pos = e.pos;
    this.emit(
      `if (!(${o} instanceof CelOptional)) throw new EE('no_matching_overload', ${jsString(`\`${e.macro}\` needs an optional`)}, ${pos});`,
    );
    const r = this.tmp();
    const x = this.tmp();
    this.emit(`let ${r} = ${o};`);
    this.open(`if ((${o}).hasValue()) {`);
    this.emit(`const ${x} = (${o}).valueOrUndefined;`);
    const b = this.expr(e.body, new Map(scope).set(e.iterVar, x));
    if (e.macro === 'optMap') this.emit(`${r} = CelOptional.of(${b});`);
    else {
      this.emit(
        `if (!(${b} instanceof CelOptional)) throw new EE('no_matching_overload', ${jsString('the result of `optFlatMap` must be an optional')}, ${pos});`,
      );
      this.emit(`${r} = ${b};`);
    }
    this.close();
    return r;
  }

  private call(e: Extract<Expr, { k: 'call' }>, scope: Map<string, string>): string {
    const pos = e.pos;
    const [a, b, c] = e.args;
    switch (e.fn) {
      case OP.and:
      case OP.or:
        return this.logic(e.fn === OP.or, a!, b!, scope);
      case OP.cond: {
        const kc = this.konstOf(a!);
        if (kc) {
          if (typeof kc.value === 'boolean') return this.expr(kc.value ? b! : c!, scope);
          this.emit(`throw new EE('no_matching_overload', ${jsString('the condition of `?:` must be a bool')}, ${pos});`);
          return 'undefined';
        }
        const cond = this.expr(a!, scope);
        const r = this.tmp();
        this.emit(`let ${r};`);
        this.open(`if (${cond} === true) {`);
        this.emit(`${r} = ${this.expr(b!, scope)};`);
        this.close();
        this.open(`else if (${cond} === false) {`);
        this.emit(`${r} = ${this.expr(c!, scope)};`);
        this.close();
        this.emit(`else throw new EE('no_matching_overload', ${jsString('the condition of `?:` must be a bool')}, ${pos});`);
        return r;
      }
      case OP.not: {
        const x = this.expr(a!, scope);
        return this.bind(`typeof ${x} === 'boolean' ? !${x} : notAt(${x}, ${pos})`);
      }
      case OP.eq:
      case OP.ne:
        return this.equality(e.fn === OP.ne, a!, b!, scope);
      case OP.in:
        return this.membership(a!, b!, pos, scope);
      case OP.neg: {
        const x = this.expr(a!, scope);
        return this.bind(`typeof ${x} === 'number' ? -${x} : negAt(${x}, ${pos})`);
      }
      case OP.index: {
        const coll = this.expr(a!, scope);
        return this.index(coll, this.konstOf(a!)?.value, this.expr(b!, scope), pos);
      }
      case OP.optSelect:
      case OP.optIndex: {
        // the operands are evaluated inside the try: their errors take this position when they have none
        const r = this.tmp();
        this.emit(`let ${r};`);
        this.open('try {');
        const t = this.expr(a!, scope);
        const k = e.fn === OP.optSelect ? jsString(fieldName(b!)) : this.expr(b!, scope);
        this.emit(`${r} = ${e.fn === OP.optSelect ? 'optSelect' : 'optIndex'}(${t}, ${k});`);
        this.close(`} catch (err) { throw at(err, ${pos}); }`);
        return r;
      }
    }
    const op = OP_NAMES[e.fn];
    if (op !== undefined)
      return op === 'lt' || op === 'le' || op === 'gt' || op === 'ge'
        ? this.compare(op, a!, b!, pos, scope)
        : this.binary(op, a!, b!, pos, scope);
    return this.fn(e, scope);
  }

  /** `coll[key]`, both evaluated; `table` when the collection is a constant. */
  private index(coll: string, table: unknown, key: string, pos: number): string {
    const v = this.tmp();
    this.emit(`let ${v};`);
    // a constant table holds no Date (constants are CEL values)
    if (stringTable(table))
      return this.bind(
        `typeof ${key} === 'string' && (${v} = ${this.unit.lookup(table)}(${key})) !== undefined ? ${v} : indexAt(${coll}, ${key}, ${pos})`,
      );
    const isMap = table instanceof Map ? '' : `${coll} instanceof Map && `;
    return this.bind(
      `${isMap}typeof ${key} === 'string' && (${v} = (${coll}).get(${key})) !== undefined && (typeof ${v} !== 'object' || ${v} === null || !(${v} instanceof Date)) ? ${v} : indexAt(${coll}, ${key}, ${pos})`,
    );
  }

  private logic(isOr: boolean, a: Expr, b: Expr, scope: Map<string, string>): string {
    const decisive = isOr;
    // constant operands (a decisive one made the whole call a constant, handled in expr())
    if (this.konstOf(a)?.value === !decisive) return this.boolCheck(b, scope);
    if (this.konstOf(b)?.value === !decisive) return this.boolCheck(a, scope);
    const what = jsString(isOr ? '`||`' : '`&&`');
    const r = this.tmp();
    const err = this.tmp();
    const label = this.tmp().toUpperCase();
    this.emit(`let ${r}, ${err};`);
    this.open(`${label}: {`);
    this.open('try {');
    this.emit(`${r} = ${this.expr(a, scope)};`);
    this.emit(`if (${r} === ${decisive}) break ${label};`);
    this.emit(`if (${r} !== ${!decisive}) ${err} = notBools(${what}, ${r});`);
    this.close(`} catch (c) { ${err} = c; }`);
    // the left operand's error is the one reported, as in the interpreter
    this.open('try {');
    this.emit(`${r} = ${this.expr(b, scope)};`);
    this.close(`} catch (c) { throw ${err} ?? c; }`);
    this.emit(`if (${r} === ${decisive}) break ${label};`);
    this.emit(`if (${err} !== undefined) throw ${err};`);
    this.emit(`if (${r} !== ${!decisive}) throw notBools(${what}, ${r});`);
    this.close();
    return r;
  }

  private boolCheck(x: Expr, scope: Map<string, string>): string {
    const v = this.expr(x, scope);
    const k = this.konstOf(x);
    if (k && typeof k.value === 'boolean') return v;
    this.emit(`if (typeof ${v} !== 'boolean') throw notBool(${v});`);
    return v;
  }

  private equality(negate: boolean, a: Expr, b: Expr, scope: Map<string, string>): string {
    const kb = this.konstOf(b);
    const k = kb ?? this.konstOf(a);
    if (k && typeof k.value === 'string') {
      const other = this.expr(kb ? a : b, scope);
      return this.bind(`${other} ${negate ? '!==' : '==='} ${jsString(k.value)}`);
    }
    const x = this.expr(a, scope);
    const y = this.expr(b, scope);
    if (negate) return this.bind(`!eq(${x}, ${y})`);
    return this.bind(`typeof ${x} === 'number' && typeof ${y} === 'number' ? ${x} === ${y} : eq(${x}, ${y})`);
  }

  private membership(a: Expr, b: Expr, pos: number, scope: Map<string, string>): string {
    const coll = this.konstOf(b)?.value;
    if (Array.isArray(coll) && coll.every((v) => typeof v === 'string')) {
      const x = this.expr(a, scope);
      return this.bind(
        `typeof ${x} === 'string' ? ${this.unit.stringSet(coll as string[])}.has(${x}) : inOp(${x}, ${this.unit.konst(coll)})`,
      );
    }
    if (stringTable(coll)) {
      const x = this.expr(a, scope);
      return this.bind(`typeof ${x} === 'string' ? ${this.unit.lookup(coll)}(${x}) !== undefined : inOp(${x}, ${this.unit.konst(coll)})`);
    }
    if (coll instanceof Map && [...coll.keys()].every((k) => typeof k === 'string')) {
      const x = this.expr(a, scope);
      const m = this.unit.konst(coll);
      return this.bind(`typeof ${x} === 'string' ? ${m}.has(${x}) : inOp(${x}, ${m})`);
    }
    const x = this.expr(a, scope);
    const y = this.expr(b, scope);
    return this.bind(`typeof ${x} === 'string' && isArray(${y}) ? inStrs(f, ${x}, ${y}, ${pos}) : inDyn(f, ${x}, ${y}, ${pos})`);
  }

  private binary(op: BinaryName, a: Expr, b: Expr, pos: number, scope: Map<string, string>): string {
    const js = JS_OPS[op];
    const name = jsString(op);
    // An int constant with input (a double) computes as a number, as in the closures.
    const kb = this.konstOf(b)?.value;
    if (js && typeof kb === 'bigint') {
      const x = this.expr(a, scope);
      return this.bind(`typeof ${x} === 'number' ? ${x} ${js} ${literal(Number(kb))} : opAt(${name}, ${x}, ${literal(kb)}, ${pos})`);
    }
    const ka = this.konstOf(a)?.value;
    if (js && typeof ka === 'bigint') {
      const y = this.expr(b, scope);
      return this.bind(`typeof ${y} === 'number' ? ${literal(Number(ka))} ${js} ${y} : opAt(${name}, ${literal(ka)}, ${y}, ${pos})`);
    }
    const x = this.expr(a, scope);
    const y = this.expr(b, scope);
    if (!js) return this.bind(`opAt(${name}, ${x}, ${y}, ${pos})`);
    return this.bind(`typeof ${x} === 'number' && typeof ${y} === 'number' ? ${x} ${js} ${y} : opAt(${name}, ${x}, ${y}, ${pos})`);
  }

  private compare(op: BinaryName, a: Expr, b: Expr, pos: number, scope: Map<string, string>): string {
    const js = JS_OPS[op]!;
    const name = jsString(op);
    const ka = this.konstOf(a);
    const kb = this.konstOf(b);
    // a number constant on one side compares as a double, as CEL does
    if (kb && (typeof kb.value === 'bigint' || typeof kb.value === 'number') && !ka) {
      const x = this.expr(a, scope);
      return this.bind(
        `typeof ${x} === 'number' ? ${x} ${js} ${literal(Number(kb.value))} : opAt(${name}, ${x}, ${literal(kb.value)}, ${pos})`,
      );
    }
    if (ka && (typeof ka.value === 'bigint' || typeof ka.value === 'number') && !kb) {
      const y = this.expr(b, scope);
      return this.bind(
        `typeof ${y} === 'number' ? ${literal(Number(ka.value))} ${js} ${y} : opAt(${name}, ${literal(ka.value)}, ${y}, ${pos})`,
      );
    }
    // a number against an entry of a constant table of ints (`x > tier_max_tokens[user.tier]`):
    // the entry as a double from a twin table, not Number() of the int at every decision
    const ib = ka ? undefined : this.intEntry(b);
    if (ib) {
      const x = this.expr(a, scope);
      const key = this.expr(ib.key, scope);
      const n = this.tmp();
      const r = this.tmp();
      this.emit(`let ${n}, ${r};`);
      this.open(
        `if (typeof ${x} === 'number' && typeof ${key} === 'string' && (${n} = ${this.unit.lookup(doubles(ib.table))}(${key})) !== undefined) {`,
      );
      this.emit(`${r} = ${x} ${js} ${n};`);
      this.close();
      this.open('else {');
      const y = this.index(this.unit.konst(ib.table), ib.table, key, ib.at);
      this.emit(`${r} = ${this.mixed(op, x, y, pos)};`);
      this.close();
      return r;
    }
    const x = this.expr(a, scope);
    const y = this.expr(b, scope);
    return this.bind(this.mixed(op, x, y, pos));
  }

  /** `x op y` for a number `x` and a number or an int `y`, else through opAt. */
  private mixed(op: BinaryName, x: string, y: string, pos: number): string {
    return `typeof ${x} === 'number' && (typeof ${y} === 'number' || typeof ${y} === 'bigint') ? ${x} ${JS_OPS[op]!} Number(${y}) : opAt(${jsString(op)}, ${x}, ${y}, ${pos})`;
  }

  /**
   * `table[key]` where `table` is a constant table from strings to ints (and doubles) and the
   * key is not a constant: the table, the key and the index's position.
   */
  private intEntry(e: Expr): { table: ReadonlyMap<string, unknown>; key: Expr; at: number } | undefined {
    if (e.k !== 'call' || e.fn !== OP.index || e.target !== undefined || e.args.length !== 2 || this.konstOf(e) || this.konstOf(e.args[1]!))
      return undefined;
    const table = this.konstOf(e.args[0]!)?.value;
    if (!stringTable(table)) return undefined;
    let ints = false;
    for (const v of table.values()) {
      if (typeof v === 'bigint') ints = true;
      else if (typeof v !== 'number') return undefined;
    }
    return ints ? { table, key: e.args[1]!, at: e.pos } : undefined;
  }

  private fn(e: Extract<Expr, { k: 'call' }>, scope: Map<string, string>): string {
    const note = this.note(e);
    if (note.unknownFunction || !note.site) {
      this.emit(`throw new EE('no_matching_overload', ${jsString(`unknown function \`${e.fn}\``)}, ${e.pos});`);
      return 'undefined';
    }
    const fn = this.unit.site(note.site);
    const r = this.tmp();
    this.emit(`let ${r};`);
    if ((e.fn === 'or' || e.fn === 'orValue') && e.target !== undefined && e.args.length === 1 && !note.site.withHost) {
      // on an optional, the argument is evaluated only when the optional has no value
      this.open('try {');
      const t = this.expr(e.target, scope);
      this.open(`if (${t} instanceof CelOptional && (${t}).hasValue()) {`);
      this.emit(`${r} = ${e.fn === 'or' ? t : `(${t}).valueOrUndefined`};`);
      this.close();
      this.open('else {');
      const alt = this.expr(e.args[0]!, scope);
      this.emit(`${r} = orElse(${fn}, ${t}, ${alt}, ${e.fn === 'or'});`);
      this.close();
      this.close(`} catch (err) { throw at(err, ${e.pos}); }`);
      return r;
    }
    // arguments are evaluated inside the try: their errors take this call's position when they have none
    this.open('try {');
    const args = [...(e.target !== undefined ? [this.expr(e.target, scope)] : []), ...e.args.map((x) => this.expr(x, scope))];
    if (note.site.withHost) args.unshift('f.host');
    this.emit(`${r} = ${fn}(${args.join(', ')});`);
    this.close(`} catch (err) { throw at(err, ${e.pos}); }`);
    return r;
  }
}
