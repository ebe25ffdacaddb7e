// The checker: resolves names (variables, namespaced functions, type names), checks that
// every function exists with a matching arity, and infers the types it can know. Input is
// dynamic unless the host gives an input JSON Schema; with one, misspelt fields are errors.

import { OP, SORT_BY_FUNCTION, pathOf, type Expr } from './ast.js';
import type { IssueCode } from './errors.js';
import { kindMatches, type FunctionDecl, type Registry, type TypeName } from './registry.js';
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

/**
 * A checker type: a kind (`int`, `list`, `dyn`, ...), for input data its JSON Schema, and for
 * an optional (kind `optional`) the type of its value.
 */
export interface CType {
  kind: string;
  schema?: JsonSchema;
  elem?: CType;
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
  optional_type: 'optional_type',
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

/** The type of a map's values under an object schema, when all values share one. */
function mapValueType(s: JsonSchema): CType {
  const extra = s.additionalProperties;
  if (extra && typeof extra === 'object' && !s.properties) return schemaType(extra as JsonSchema);
  return DYN;
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
        const elems = e.elems.map((x) => this.expr(x, scope));
        for (const i of e.optional ?? []) this.optionalEntry(elems[i]!, 'element');
        return { e: { ...e, elems: elems.map((x) => x.e) }, t: { kind: 'list' } };
      }
      case 'map': {
        const entries = e.entries.map((x) => ({ key: this.expr(x.key, scope), value: this.expr(x.value, scope) }));
        for (const x of e.entries) {
          const kk = x.key.k === 'lit' ? litKind(x.key.value) : undefined;
          if (kk && !['string', 'int', 'uint', 'bool'].includes(kk)) {
            this.err('type_mismatch', `a map key must be a string, int, uint or bool, not ${kk}`, x.key.pos);
          }
        }
        for (const i of e.optional ?? []) this.optionalEntry(entries[i]!.value, 'entry');
        return { e: { ...e, entries: entries.map((x) => ({ key: x.key.e, value: x.value.e })) }, t: { kind: 'map' } };
      }
      case 'macro':
        return this.macro(e, scope);
      case 'call':
        return this.call(e, scope);
    }
  }

  /** `[?x]` and `{?k: x}` need `x` to be an optional. */
  private optionalEntry(x: { e: Expr; t: CType }, what: 'element' | 'entry'): void {
    if (x.t.kind === 'optional' || x.t.kind === 'dyn') return;
    this.err(
      'type_mismatch',
      `an optional ${what} (marked \`?\`) needs an optional value, not ${x.t.kind}`,
      x.e.pos,
      'wrap the value in `optional.of(...)`, or drop the `?`',
    );
  }

  private macro(e: Extract<Expr, { k: 'macro' }>, scope: Map<string, CType>): { e: Expr; t: CType } {
    const target = this.expr(e.target, scope);
    const tk = target.t.kind;
    const inner = new Map(scope);
    const done = (body: { e: Expr }, t: CType, transform?: { e: Expr }) => ({
      e: { ...e, target: target.e, body: body.e, transform: transform?.e },
      t,
    });
    const mustBeBool = (x: { e: Expr; t: CType }, what: string) => {
      if (!['bool', 'dyn'].includes(x.t.kind)) this.err('type_mismatch', `${what} must be a bool, not ${x.t.kind}`, x.e.pos);
    };
    if (e.macro === 'bind') {
      const body = this.expr(e.body, inner.set(e.iterVar, target.t));
      return done(body, body.t);
    }
    if (e.macro === 'optMap' || e.macro === 'optFlatMap') {
      if (tk !== 'optional' && tk !== 'dyn') {
        this.err('type_mismatch', `\`${e.macro}\` needs an optional, not ${tk}`, e.pos, 'make one with `x.?field` or `optional.of(x)`');
      }
      const body = this.expr(e.body, inner.set(e.iterVar, target.t.elem ?? DYN));
      if (e.macro === 'optMap') return done(body, { kind: 'optional', elem: body.t });
      if (body.t.kind !== 'optional' && body.t.kind !== 'dyn') {
        this.err(
          'type_mismatch',
          `the result of \`optFlatMap\` must be an optional, not ${body.t.kind}`,
          e.body.pos,
          'use `optMap` to wrap a plain value',
        );
      }
      return done(body, body.t.kind === 'optional' ? body.t : { kind: 'optional' });
    }
    if (e.macro === 'sortBy') {
      if (!['list', 'dyn'].includes(tk)) this.err('type_mismatch', `\`sortBy\` needs a list, not ${tk}`, e.pos);
      if (!this.env.registry.get(SORT_BY_FUNCTION)?.overloads.some((o) => o.receiver !== undefined && o.params.length === 1)) {
        this.err('unknown_function', `unknown function \`${SORT_BY_FUNCTION}\``, e.pos, 'the `sortBy` macro needs the lists library');
      }
    } else if (!['list', 'map', 'dyn'].includes(tk)) {
      this.err('type_mismatch', `\`${e.macro}\` needs a list or a map, not ${tk}`, e.pos);
    }
    const s = target.t.schema;
    if (e.iterVar2 === undefined) {
      inner.set(e.iterVar, tk === 'list' ? schemaType(s?.items as JsonSchema | undefined) : DYN);
    } else {
      // (index, element) of a list, (key, value) of a map
      const [k, v] =
        tk === 'list'
          ? [{ kind: 'int' }, schemaType(s?.items as JsonSchema | undefined)]
          : tk === 'map' && s
            ? [{ kind: 'string' }, mapValueType(s)]
            : [DYN, DYN];
      inner.set(e.iterVar, k).set(e.iterVar2, v);
    }
    const body = this.expr(e.body, inner);
    switch (e.macro) {
      case 'sortBy':
        if (body.t.kind !== 'dyn' && !ORDERED.includes(body.t.kind)) {
          this.err('type_mismatch', `the key of \`sortBy\` must be a value that can be ordered, not ${body.t.kind}`, e.body.pos);
        }
        return done(body, { kind: 'list' });
      case 'map':
        return done(body, { kind: 'list' });
      case 'filter':
        mustBeBool(body, 'the condition of `filter`');
        return done(body, { kind: 'list' });
      case 'transformList':
      case 'transformMap':
      case 'transformMapEntry': {
        const transform = e.transform ? this.expr(e.transform, inner) : undefined;
        if (transform) mustBeBool(body, `the filter of \`${e.macro}\``);
        const value = transform ?? body;
        if (e.macro === 'transformMapEntry' && !['map', 'dyn'].includes(value.t.kind)) {
          this.err(
            'type_mismatch',
            `the result of \`transformMapEntry\` must be a map, not ${value.t.kind}`,
            value.e.pos,
            'write one entry, as in `{v: k}`',
          );
        }
        return done(body, { kind: e.macro === 'transformList' ? 'list' : 'map' }, transform);
      }
      default:
        mustBeBool(body, `the condition of \`${e.macro}\``);
        return done(body, { kind: 'bool' });
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

  /**
   * `a.b.c` naming a dotted variable or a type name (`google.protobuf.Timestamp`). The longest
   * declared name wins: with `a.b` declared, `a.b.c` is the field `c` of `a.b`.
   */
  private qualified(e: Extract<Expr, { k: 'select' }>, scope: Map<string, CType>): { e: Expr; t: CType } | undefined {
    if (e.test) return undefined;
    const path = dotted(e);
    if (!path) return undefined;
    const root = path.split('.')[0]!;
    // a macro variable shadows everything; a declared `a.b.c` wins over a variable `a` (cel-go)
    if (scope.has(root)) return undefined;
    if (this.env.variables?.has(path)) return { e: { k: 'ident', pos: e.pos, name: path }, t: this.env.variables.get(path)! };
    if (this.isVariable(root, scope)) return undefined;
    if (Object.prototype.hasOwnProperty.call(TYPE_NAMES, path)) {
      return { e: { k: 'lit', pos: e.pos, value: CelType.of(TYPE_NAMES[path]!) }, t: { kind: 'type' } };
    }
    return undefined;
  }

  private field(t: CType, field: string, pos: number): CType {
    // a field of an optional is an optional: `x.?a.b` is `x.?a.?b` (cel-go)
    if (t.kind === 'optional') return { kind: 'optional', elem: this.field(t.elem ?? DYN, field, pos) };
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
      // as in cel-go, a namespaced function wins over a method on a variable of that name
      if (ns && this.env.registry.has(`${ns}.${e.fn}`)) return this.call({ ...e, fn: `${ns}.${e.fn}`, target: undefined }, scope);
      if (ns && !this.isVariable(ns.split('.')[0]!, scope)) {
        // `pii.contains(x)` would read `pii` as an input variable and call the string method
        // `contains`: every decision would then fail on the missing variable
        if (this.namespaces().has(ns)) return this.notInNamespace(e, ns, scope);
      }
    }
    const target = e.target ? this.expr(e.target, scope) : undefined;
    const args = e.args.map((a) => this.expr(a, scope));
    const out: Expr = { ...e, target: target?.e, args: args.map((a) => a.e) };
    const types = [...(target ? [target.t] : []), ...args.map((a) => a.t)];
    const kinds = types.map((t) => t.kind);

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
      case OP.index:
      case OP.optIndex: {
        const k = kinds[0]!;
        if (!['list', 'map', 'dyn', 'optional'].includes(k)) this.err('type_mismatch', `cannot index a ${k}`, e.pos);
        let t = DYN;
        const s = args[0]!.t.schema;
        if (k === 'list' && s?.items) t = schemaType(s.items as JsonSchema);
        // indexing an optional, or with `[?`, gives an optional
        return { e: out, t: k === 'optional' || e.fn === OP.optIndex ? { kind: 'optional', elem: t } : t };
      }
      case OP.optSelect: {
        const field = e.args[1]!;
        const name = field.k === 'lit' && typeof field.value === 'string' ? field.value : '';
        const t = this.field(args[0]!.t, name, field.pos);
        return { e: out, t: t.kind === 'optional' ? t : { kind: 'optional', elem: t } };
      }
    }
    const sigs = OPERATORS[e.fn];
    if (sigs) return { e: out, t: this.resolve(e.fn, sigs, types, e.pos) };

    const decl = this.env.registry.get(e.fn);
    if (!decl) {
      // `acme.f(x)` with no function `f` is most likely a namespaced function, unless `acme`
      // is a variable this expression knows; but `request.model.startWith(x)` is a misspelt
      // method, not a function `request.model.startWith`
      const ns = e.target ? dotted(e.target) : undefined;
      const qualified = ns && !this.isVariable(ns.split('.')[0]!, scope) ? `${ns}.${e.fn}` : undefined;
      const all = this.env.registry.all();
      const names = all.map((d) => d.name);
      const sameStyle = all
        .filter((d) => d.overloads.some((o) => (o.receiver !== undefined) === (e.target !== undefined)))
        .map((d) => d.name);
      const nearQualified = qualified ? closest(qualified, names) : undefined;
      const nearPlain = nearQualified ? undefined : closest(e.fn, sameStyle);
      const name = qualified && !nearPlain ? qualified : e.fn;
      const near = nearQualified ?? nearPlain;
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
    const sigs2 = arity.map((o) => ({ params: o.receiver !== undefined ? [o.receiver, ...o.params] : o.params, result: o.result }));
    return { e: out, t: this.resolve(e.fn, sigs2, types, e.pos) };
  }

  /** Every namespace of the registry (`math`, `pii`, ...), computed once per check. */
  private namespaceSet: Set<string> | undefined;
  private namespaces(): Set<string> {
    return (this.namespaceSet ??= this.env.registry.namespaces());
  }

  /** `ns.f(...)` where `ns` names a namespace of functions but `ns.f` is not one of them. */
  private notInNamespace(e: Extract<Expr, { k: 'call' }>, ns: string, scope: Map<string, CType>): { e: Expr; t: CType } {
    const args = e.args.map((a) => this.expr(a, scope).e);
    const method = this.env.registry.get(e.fn);
    const name = `${ns}.${e.fn}`;
    const root = ns.split('.')[0]!;
    let hint = this.namespaceHint(ns, e.fn, e.args.length, method);
    // `pii.contains(x)` may also mean the method on an input variable named `pii`, which then
    // needs a declaration; a list of the namespace's functions would not help that reader
    if (method) {
      const declare = `to call \`${e.fn}\` on an input variable \`${root}\`, declare \`${root}\` in the input schema`;
      hint = hint?.startsWith('did you mean') ? `${hint} (${declare})` : `\`${root}\` names functions: ${declare}`;
    }
    this.err('unknown_function', method ? `\`${name}\` is not a function` : `unknown function \`${name}\``, e.pos, hint);
    return { e: { ...e, args }, t: DYN };
  }

  /**
   * A suggestion for `ns.member(<nargs arguments>)`: the function of `ns` with the closest
   * name; else the one that takes as many arguments (and, when `member` is a method, gives
   * what the method gives); else the functions of `ns`.
   */
  private namespaceHint(ns: string, member: string, nargs: number, method: FunctionDecl | undefined): string | undefined {
    const fns = this.env.registry.all().filter((d) => d.name.startsWith(`${ns}.`));
    const names = fns.map((d) => d.name);
    const near = closest(`${ns}.${member}`, names);
    if (near) return `did you mean \`${near}\`?`;
    const takes = (d: FunctionDecl) => d.overloads.filter((o) => o.receiver === undefined && o.params.length === nargs);
    let fit = fns.filter((d) => takes(d).length > 0);
    if (method) {
      const gives = new Set(
        method.overloads.filter((o) => o.receiver !== undefined && o.params.length === nargs).map((o) => kindOfName(o.result)),
      );
      const same = fit.filter((d) => takes(d).some((o) => gives.has(kindOfName(o.result))));
      if (same.length > 0) fit = same;
    }
    if (fit.length === 1) return `did you mean \`${fit[0]!.name}\`?`;
    const list = (fit.length > 0 ? fit : fns).map((d) => `\`${d.name}\``);
    if (list.length === 0) return undefined;
    const shown = list.length > 8 ? [...list.slice(0, 8), '...'] : list;
    return fit.length > 0
      ? `functions of \`${ns}\` that take ${nargs} argument${nargs === 1 ? '' : 's'}: ${shown.join(', ')}`
      : `functions of \`${ns}\`: ${shown.join(', ')}`;
  }

  /**
   * The result type of the overloads that fit the argument types. A type parameter (`A`) in the
   * result takes the type its argument has, so `optional.of(x).value()` has the type of `x`.
   */
  private resolve(fn: string, sigs: { params: TypeName[]; result: TypeName }[], types: CType[], pos: number): CType {
    const kinds = types.map((t) => t.kind);
    const fits = sigs.filter(
      (s) =>
        s.params.length === kinds.length &&
        s.params.every((raw, i) => {
          const p = kindOfName(raw);
          return kinds[i] === 'dyn' || p === 'dyn' || kindMatches(p, kinds[i] as never) || p === kinds[i];
        }),
    );
    if (fits.length === 0) {
      const name = fn.replace(/^_(.)_$/, '`$1`').replace(/^([^`].*)$/, '`$1`');
      this.err('type_mismatch', `no overload of ${name} takes (${kinds.join(', ')})`, pos);
      return DYN;
    }
    const results = fits.map((s) => instantiate(s.result, s.params, types));
    const kind = results[0]!.kind;
    if (results.some((r) => r.kind !== kind)) return DYN;
    return results.length === 1 ? results[0]! : { kind };
  }
}

const TYPE_PARAM = /^[A-Z]$/;
const OPTIONAL_OF = /^optional\(([A-Z])\)$/;

/** A declared result type, with its type parameters bound from the argument types. */
function instantiate(result: TypeName, params: TypeName[], types: CType[]): CType {
  const bound = new Map<string, CType>();
  params.forEach((p, i) => {
    const t = types[i]!;
    const opt = OPTIONAL_OF.exec(p);
    const [name, value] = TYPE_PARAM.test(p) ? [p, t] : opt && t.kind === 'optional' ? [opt[1]!, t.elem ?? DYN] : [undefined, undefined];
    if (name === undefined || value === undefined) return;
    const prev = bound.get(name);
    bound.set(name, prev === undefined || prev.kind === value.kind ? value : DYN);
  });
  if (TYPE_PARAM.test(result)) return bound.get(result) ?? DYN;
  const opt = OPTIONAL_OF.exec(result);
  if (opt) return { kind: 'optional', elem: bound.get(opt[1]!) ?? DYN };
  return { kind: kindOfName(result) };
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
