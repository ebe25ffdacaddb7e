// The checker: resolves names (variables, namespaced functions, type names), checks that
// every function exists with a matching arity, and infers the types it can know. Input is
// dynamic unless the host gives an input JSON Schema; with one, misspelt fields are errors.

import { OP, SORT_BY_FUNCTION, pathOf, type Expr } from './ast.js';
import type { IssueCode } from './errors.js';
import { kindMatches, type Registry, type TypeName } from './registry.js';
import { CelType } from './values.js';
import { closest } from '../util/suggest.js';
import { table } from '../util/table.js';

export interface CheckIssue {
  code: IssueCode;
  message: string;
  /** Offset in the expression text. */
  pos: number;
  hint?: string;
}

/** A checker type: a kind (`int`, `list`, `dyn`, ...) and, for input data, its JSON Schema. */
export interface CType {
  kind: string;
  schema?: JsonSchema;
}
export type JsonSchema = { [k: string]: unknown };

export interface CheckEnv {
  registry: Registry;
  /** Variables known to exist, with their types (lets, macro variables, `now`, declared inputs). */
  variables?: Map<string, CType>;
  /**
   * JSON Schema of the input object: its `properties` are the variables. A field that a
   * schema object does not list is an error unless it allows `additionalProperties`.
   */
  inputSchema?: JsonSchema;
  /** Identifiers that are neither declared nor in the input schema are errors. */
  strictVariables?: boolean;
}

export interface Checked {
  expr: Expr;
  type: CType;
  issues: CheckIssue[];
}

const DYN: CType = { kind: 'dyn' };

export const TYPE_NAMES = table<string>({
  int: 'int',
  uint: 'uint',
  double: 'double',
  bool: 'bool',
  string: 'string',
  bytes: 'bytes',
  list: 'list',
  map: 'map',
  null_type: 'null_type',
  type: 'type',
  'google.protobuf.Timestamp': 'google.protobuf.Timestamp',
  'google.protobuf.Duration': 'google.protobuf.Duration',
});

/** Operator signatures (kinds only), for load-time type errors such as `'a' + 1`. */
const NUM = ['int', 'uint', 'double'];
const OPERATORS = table<{ params: string[]; result: string }[]>({
  [OP.add]: [
    ...NUM.flatMap((a) => NUM.map((b) => ({ params: [a, b], result: a === b ? a : 'double' }))).filter(
      (s) => s.params[0] === s.params[1] || s.params.includes('double'),
    ),
    { params: ['string', 'string'], result: 'string' },
    { params: ['bytes', 'bytes'], result: 'bytes' },
    { params: ['list', 'list'], result: 'list' },
    { params: ['timestamp', 'duration'], result: 'timestamp' },
    { params: ['duration', 'timestamp'], result: 'timestamp' },
    { params: ['duration', 'duration'], result: 'duration' },
  ],
  [OP.sub]: [
    ...arith(),
    { params: ['timestamp', 'timestamp'], result: 'duration' },
    { params: ['timestamp', 'duration'], result: 'timestamp' },
    { params: ['duration', 'duration'], result: 'duration' },
  ],
  [OP.mul]: arith(),
  [OP.div]: arith(),
  [OP.mod]: [
    { params: ['int', 'int'], result: 'int' },
    { params: ['uint', 'uint'], result: 'uint' },
  ],
  [OP.neg]: [
    { params: ['int'], result: 'int' },
    { params: ['double'], result: 'double' },
    { params: ['duration'], result: 'duration' },
  ],
  [OP.not]: [{ params: ['bool'], result: 'bool' }],
});
function arith() {
  return NUM.flatMap((a) => NUM.map((b) => ({ params: [a, b], result: a === b ? a : 'double' }))).filter(
    (s) => s.params[0] === s.params[1] || s.params.includes('double'),
  );
}
const ORDERED = ['int', 'uint', 'double', 'string', 'bool', 'bytes', 'timestamp', 'duration'];

export function check(expr: Expr, env: CheckEnv): Checked {
  const c = new Checker(env);
  const out = c.expr(expr, new Map());
  return { expr: out.e, type: out.t, issues: c.issues };
}

function kindOfName(t: TypeName): string {
  const i = t.indexOf('(');
  const k = i < 0 ? t : t.slice(0, i);
  return /^[A-Z]$/.test(k) ? 'dyn' : k;
}

function schemaType(s: JsonSchema | undefined): CType {
  if (!s || typeof s !== 'object') return DYN;
  const t = s.type;
  const kind =
    t === 'string'
      ? 'string'
      : t === 'number' || t === 'integer'
        ? 'double'
        : t === 'boolean'
          ? 'bool'
          : t === 'array'
            ? 'list'
            : t === 'object'
              ? 'map'
              : t === 'null'
                ? 'null_type'
                : 'dyn';
  return { kind, schema: s };
}

class Checker {
  issues: CheckIssue[] = [];
  constructor(private readonly env: CheckEnv) {}

  private err(code: IssueCode, message: string, pos: number, hint?: string): void {
    this.issues.push(hint ? { code, message, pos, hint } : { code, message, pos });
  }

  /** `scope` holds macro variables (innermost wins). */
  expr(e: Expr, scope: Map<string, CType>): { e: Expr; t: CType } {
    switch (e.k) {
      case 'lit':
        return { e, t: { kind: litKind(e.value) } };
      case 'ident':
        return this.ident(e, scope);
      case 'select': {
        const qualified = this.qualified(e, scope);
        if (qualified) return qualified;
        const target = this.expr(e.target, scope);
        const t = this.field(target.t, e.field, e.pos);
        return { e: { ...e, target: target.e }, t: e.test ? { kind: 'bool' } : t };
      }
      case 'list': {
        const elems = e.elems.map((x) => this.expr(x, scope).e);
        return { e: { ...e, elems }, t: { kind: 'list' } };
      }
      case 'map': {
        const entries = e.entries.map((x) => ({ key: this.expr(x.key, scope).e, value: this.expr(x.value, scope).e }));
        for (const x of e.entries) {
          const kk = x.key.k === 'lit' ? litKind(x.key.value) : undefined;
          if (kk && !['string', 'int', 'uint', 'bool'].includes(kk)) {
            this.err('type_mismatch', `a map key must be a string, int, uint or bool, not ${kk}`, x.key.pos);
          }
        }
        return { e: { ...e, entries }, t: { kind: 'map' } };
      }
      case 'macro': {
        const target = this.expr(e.target, scope);
        if (e.macro === 'bind') {
          const body = this.expr(e.body, new Map(scope).set(e.iterVar, target.t));
          return { e: { ...e, target: target.e, body: body.e }, t: body.t };
        }
        if (e.macro === 'sortBy') {
          if (!['list', 'dyn'].includes(target.t.kind)) this.err('type_mismatch', `\`sortBy\` needs a list, not ${target.t.kind}`, e.pos);
          if (!this.env.registry.get(SORT_BY_FUNCTION)?.overloads.some((o) => o.receiver !== undefined && o.params.length === 1)) {
            this.err('unknown_function', `unknown function \`${SORT_BY_FUNCTION}\``, e.pos, 'the `sortBy` macro needs the lists library');
          }
        } else if (!['list', 'map', 'dyn'].includes(target.t.kind)) {
          this.err('type_mismatch', `\`${e.macro}\` needs a list or a map, not ${target.t.kind}`, e.pos);
        }
        const inner = new Map(scope);
        const items = target.t.schema?.items as JsonSchema | undefined;
        inner.set(e.iterVar, target.t.kind === 'list' ? schemaType(items) : DYN);
        const body = this.expr(e.body, inner);
        if (e.macro === 'sortBy') {
          if (body.t.kind !== 'dyn' && !ORDERED.includes(body.t.kind)) {
            this.err('type_mismatch', `the key of \`sortBy\` must be a value that can be ordered, not ${body.t.kind}`, e.body.pos);
          }
        } else if (e.macro !== 'map' && !['bool', 'dyn'].includes(body.t.kind)) {
          this.err('type_mismatch', `the condition of \`${e.macro}\` must be a bool, not ${body.t.kind}`, e.body.pos);
        }
        const t: CType = e.macro === 'map' || e.macro === 'filter' || e.macro === 'sortBy' ? { kind: 'list' } : { kind: 'bool' };
        return { e: { ...e, target: target.e, body: body.e }, t };
      }
      case 'call':
        return this.call(e, scope);
    }
  }

  private isVariable(name: string, scope: Map<string, CType>): boolean {
    return scope.has(name) || (this.env.variables?.has(name) ?? false) || this.inputVar(name) !== undefined;
  }

  private inputVar(name: string): JsonSchema | undefined {
    const props = this.env.inputSchema?.properties as Record<string, JsonSchema> | undefined;
    return props && Object.prototype.hasOwnProperty.call(props, name) ? props[name] : undefined;
  }

  private ident(e: Extract<Expr, { k: 'ident' }>, scope: Map<string, CType>): { e: Expr; t: CType } {
    const local = scope.get(e.name) ?? this.env.variables?.get(e.name);
    if (local) return { e, t: local };
    const input = this.inputVar(e.name);
    if (input) return { e, t: schemaType(input) };
    if (Object.prototype.hasOwnProperty.call(TYPE_NAMES, e.name)) {
      return { e: { k: 'lit', pos: e.pos, value: CelType.of(TYPE_NAMES[e.name]!) }, t: { kind: 'type' } };
    }
    if (this.env.strictVariables || this.env.inputSchema) {
      const known = [...(this.env.variables?.keys() ?? []), ...Object.keys((this.env.inputSchema?.properties as object) ?? {})];
      const near = closest(e.name, known);
      this.err('unknown_variable', `unknown variable \`${e.name}\``, e.pos, near ? `did you mean \`${near}\`?` : undefined);
    }
    return { e, t: DYN };
  }

  /** `a.b.c` naming a dotted variable or a type name (`google.protobuf.Timestamp`). */
  private qualified(e: Extract<Expr, { k: 'select' }>, scope: Map<string, CType>): { e: Expr; t: CType } | undefined {
    if (e.test) return undefined;
    const path = dotted(e);
    if (!path) return undefined;
    if (this.isVariable(path.split('.')[0]!, scope)) return undefined;
    if (this.env.variables?.has(path)) return { e: { k: 'ident', pos: e.pos, name: path }, t: this.env.variables.get(path)! };
    if (Object.prototype.hasOwnProperty.call(TYPE_NAMES, path)) {
      return { e: { k: 'lit', pos: e.pos, value: CelType.of(TYPE_NAMES[path]!) }, t: { kind: 'type' } };
    }
    return undefined;
  }

  private field(t: CType, field: string, pos: number): CType {
    if (!['map', 'dyn'].includes(t.kind)) {
      this.err('type_mismatch', `cannot select field \`${field}\` from a ${t.kind}`, pos);
      return DYN;
    }
    const s = t.schema;
    if (!s) return DYN;
    const props = s.properties as Record<string, JsonSchema> | undefined;
    if (props && Object.prototype.hasOwnProperty.call(props, field)) return schemaType(props[field]);
    const extra = s.additionalProperties;
    if (extra && typeof extra === 'object') return schemaType(extra as JsonSchema);
    if (props && extra !== true) {
      const near = closest(field, Object.keys(props));
      this.err(
        'unknown_field',
        `unknown field \`${field}\``,
        pos,
        near
          ? `did you mean \`${near}\`?`
          : `the input schema lists ${
              Object.keys(props)
                .map((k) => `\`${k}\``)
                .join(', ') || 'no fields'
            }`,
      );
    }
    return DYN;
  }

  private call(e: Extract<Expr, { k: 'call' }>, scope: Map<string, CType>): { e: Expr; t: CType } {
    // Namespaced global function: `math.abs(x)` parses as a receiver call on `math`.
    if (e.target) {
      const ns = dotted(e.target);
      if (ns && !this.isVariable(ns.split('.')[0]!, scope) && this.env.registry.has(`${ns}.${e.fn}`)) {
        return this.call({ ...e, fn: `${ns}.${e.fn}`, target: undefined }, scope);
      }
    }
    const target = e.target ? this.expr(e.target, scope) : undefined;
    const args = e.args.map((a) => this.expr(a, scope));
    const out: Expr = { ...e, target: target?.e, args: args.map((a) => a.e) };
    const kinds = [...(target ? [target.t.kind] : []), ...args.map((a) => a.t.kind)];

    switch (e.fn) {
      case OP.and:
      case OP.or:
        for (const a of args)
          if (!['bool', 'dyn'].includes(a.t.kind))
            this.err('type_mismatch', `\`${e.fn === OP.and ? '&&' : '||'}\` needs bools, not ${a.t.kind}`, a.e.pos);
        return { e: out, t: { kind: 'bool' } };
      case OP.cond: {
        if (!['bool', 'dyn'].includes(args[0]!.t.kind))
          this.err('type_mismatch', `the condition of \`?:\` must be a bool, not ${args[0]!.t.kind}`, args[0]!.e.pos);
        const [, a, b] = args;
        return { e: out, t: a!.t.kind === b!.t.kind ? a!.t : DYN };
      }
      case OP.eq:
      case OP.ne:
        return { e: out, t: { kind: 'bool' } };
      case OP.lt:
      case OP.le:
      case OP.gt:
      case OP.ge: {
        const [a, b] = kinds;
        const num = (k: string) => NUM.includes(k);
        const ok = a === 'dyn' || b === 'dyn' || (num(a!) && num(b!)) || (a === b && ORDERED.includes(a!));
        if (!ok) this.err('type_mismatch', `cannot compare ${a} with ${b}`, e.pos);
        return { e: out, t: { kind: 'bool' } };
      }
      case OP.in: {
        const k = kinds[1]!;
        if (!['list', 'map', 'dyn'].includes(k)) this.err('type_mismatch', `\`in\` needs a list or a map on its right, not ${k}`, e.pos);
        return { e: out, t: { kind: 'bool' } };
      }
      case OP.index: {
        const k = kinds[0]!;
        if (!['list', 'map', 'dyn'].includes(k)) this.err('type_mismatch', `cannot index a ${k}`, e.pos);
        let t = DYN;
        const s = args[0]!.t.schema;
        if (k === 'list' && s?.items) t = schemaType(s.items as JsonSchema);
        return { e: out, t };
      }
    }
    const sigs = OPERATORS[e.fn];
    if (sigs) return { e: out, t: this.resolve(e.fn, sigs, kinds, e.pos) };

    const decl = this.env.registry.get(e.fn);
    if (!decl) {
      // `acme.f(x)` with no function `f` is most likely a namespaced function, unless `acme`
      // is a variable this expression knows.
      const ns = e.target ? dotted(e.target) : undefined;
      const name = ns && !scope.has(ns.split('.')[0]!) && !this.env.variables?.has(ns.split('.')[0]!) ? `${ns}.${e.fn}` : e.fn;
      const names = this.env.registry.all().map((d) => d.name);
      const near = closest(name, names);
      this.err('unknown_function', `unknown function \`${name}\``, e.pos, near ? `did you mean \`${near}\`?` : undefined);
      return { e: out, t: DYN };
    }
    const style = decl.overloads.filter((o) => (o.receiver !== undefined) === (target !== undefined));
    if (style.length === 0) {
      const how = target ? `\`${e.fn}(...)\`, not as a method` : `as a method, \`x.${e.fn}(...)\``;
      this.err('unknown_function', `\`${e.fn}\` is called ${how}`, e.pos);
      return { e: out, t: DYN };
    }
    const arity = style.filter((o) => o.params.length === args.length);
    if (arity.length === 0) {
      const counts = [...new Set(style.map((o) => o.params.length))].sort();
      this.err(
        'wrong_arity',
        `\`${e.fn}\` takes ${counts.join(' or ')} argument${counts.length === 1 && counts[0] === 1 ? '' : 's'}, not ${args.length}`,
        e.pos,
      );
      return { e: out, t: DYN };
    }
    const sigs2 = arity.map((o) => ({
      params: (o.receiver !== undefined ? [o.receiver, ...o.params] : o.params).map(kindOfName),
      result: kindOfName(o.result),
    }));
    return { e: out, t: this.resolve(e.fn, sigs2, kinds, e.pos) };
  }

  private resolve(fn: string, sigs: { params: string[]; result: string }[], kinds: string[], pos: number): CType {
    const fits = sigs.filter(
      (s) =>
        s.params.length === kinds.length &&
        s.params.every((p, i) => kinds[i] === 'dyn' || p === 'dyn' || kindMatches(p, kinds[i] as never) || p === kinds[i]),
    );
    if (fits.length === 0) {
      const name = fn.replace(/^_(.)_$/, '`$1`').replace(/^([^`].*)$/, '`$1`');
      this.err('type_mismatch', `no overload of ${name} takes (${kinds.join(', ')})`, pos);
      return DYN;
    }
    const results = new Set(fits.map((s) => s.result));
    return results.size === 1 ? { kind: [...results][0]! } : DYN;
  }
}

function litKind(v: unknown): string {
  switch (typeof v) {
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
  }
  if (v === null) return 'null_type';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof CelType) return 'type';
  return 'uint';
}

/** `a.b.c` for a chain of plain selections on an identifier. */
function dotted(e: Expr): string | undefined {
  return pathOf(e)?.join('.');
}
