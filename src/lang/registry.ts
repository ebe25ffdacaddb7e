// Builtin function declarations. Every function is declared once, here-typed: the checker,
// the compiler (dispatch, constant folding, purity), the decision cache and the generated
// docs/builtins.md all read these declarations. Implementations live in builtins/.

import { kindOf, noOverload, type Kind } from './values.js';

/** 'pure' may be folded and cached; 'clock' reads the engine clock; 'state' reads the state store. */
export type Purity = 'pure' | 'clock' | 'state';

/**
 * A type in a signature: a CEL kind name, `dyn`, `list(T)`, `map(K, V)`, `optional(T)`, or a
 * type parameter written as a single capital letter (`A`). The checker binds a parameter to
 * its argument's type (so `optional(V).value()` has the type `V` stands for); at run time it
 * behaves as `dyn`.
 */
export type TypeName = string;

export interface OverloadDecl {
  /** Stable id, CEL style: `size_string`, `string_starts_with`. */
  id: string;
  /** Receiver type for `target.fn(args)` calls; absent for global `fn(args)` calls. */
  receiver?: TypeName;
  params: TypeName[];
  result: TypeName;
  /** Called with the receiver (if any) followed by the arguments. */
  // biome-ignore lint/suspicious/noExplicitAny: implementations declare their own parameter types; `unknown[]` would reject them (parameters are contravariant)
  impl: (...args: any[]) => unknown;
  /**
   * Called at load time with the arguments that are constants (undefined where not). May
   * return a faster implementation (a precompiled regex, a Set) or throw an EvaluationError,
   * which becomes a load error pointing at the call.
   */
  // biome-ignore lint/suspicious/noExplicitAny: as for `impl`
  specialize?: (constArgs: unknown[]) => ((...args: any[]) => unknown) | undefined;
}

export interface FunctionExample {
  expr: string;
  /** Expected value, or `{ error: code }` for an expected evaluation error. */
  result: unknown;
  /** Variables for the example. */
  bindings?: Record<string, unknown>;
}

export interface FunctionDecl {
  /** `size`, `startsWith`, `math.abs`: namespaced names are written with their namespace. */
  name: string;
  category: string;
  description: string;
  purity: Purity;
  overloads: OverloadDecl[];
  examples?: FunctionExample[];
  /**
   * Builds ahead of time what the function's first call would build (automata, compiled
   * patterns, decoded tables), so that no decision pays for it. Called once per process, when
   * an engine first loads a policy that calls the function. It must be idempotent; what it
   * throws is ignored (the call reports the same failure when it runs, as the rule's error).
   */
  prepare?: () => void;
}

export class Registry {
  private readonly fns = new Map<string, FunctionDecl>();

  constructor(decls: Iterable<FunctionDecl> = []) {
    for (const d of decls) this.add(d);
  }

  /** Adds a function, or more overloads to one already declared. */
  add(decl: FunctionDecl): this {
    const prev = this.fns.get(decl.name);
    if (prev) {
      const ids = new Set(prev.overloads.map((o) => o.id));
      for (const o of decl.overloads) if (ids.has(o.id)) throw new Error(`overload \`${o.id}\` is declared twice`);
      const merged: FunctionDecl = { ...prev, overloads: [...prev.overloads, ...decl.overloads] };
      const [p, q] = [prev.prepare, decl.prepare];
      if (q !== undefined && q !== p)
        merged.prepare =
          p === undefined
            ? q
            : () => {
                p();
                q();
              };
      this.fns.set(decl.name, merged);
    } else {
      this.fns.set(decl.name, decl);
    }
    return this;
  }

  get(name: string): FunctionDecl | undefined {
    return this.fns.get(name);
  }

  has(name: string): boolean {
    return this.fns.has(name);
  }

  all(): FunctionDecl[] {
    return [...this.fns.values()];
  }

  /** Every namespace prefix used by a declared function (`math`, `strings`, ...). */
  namespaces(): Set<string> {
    const out = new Set<string>();
    for (const name of this.fns.keys()) {
      const parts = name.split('.');
      for (let i = 1; i < parts.length; i++) out.add(parts.slice(0, i).join('.'));
    }
    return out;
  }

  clone(): Registry {
    return new Registry(this.fns.values());
  }
}

// ------------------------------------------------------------------ runtime dispatch

/** Whether a runtime value may be passed where `t` is declared. */
export function kindMatches(t: TypeName, k: Kind): boolean {
  if (t === 'dyn' || /^[A-Z]$/.test(t)) return true;
  if (t.startsWith('list')) return k === 'list';
  if (t.startsWith('map')) return k === 'map';
  if (t.startsWith('optional')) return k === 'optional';
  if (t === 'null_type') return k === 'null';
  return t === k;
}

export type Impl = (...args: unknown[]) => unknown;

/**
 * Picks the overload for the runtime kinds of the arguments. Built once per call site;
 * a single overload whose parameters are all `dyn` skips the kind test.
 */
export function dispatcher(name: string, overloads: OverloadDecl[], receiverStyle: boolean, leading = 0): Impl {
  const candidates = overloads.filter((o) => (o.receiver !== undefined) === receiverStyle);
  const sig = (o: OverloadDecl) => (o.receiver !== undefined ? [o.receiver, ...o.params] : o.params);
  if (candidates.length === 1 && sig(candidates[0]!).every((t) => kindMatches(t, 'unknown'))) {
    return candidates[0]!.impl as Impl;
  }
  const table = candidates.map((o) => ({ types: sig(o), impl: o.impl as Impl }));
  // `leading` arguments (the engine host of a 'state' function) are passed through unchecked.
  return (...args: unknown[]) => {
    outer: for (const c of table) {
      if (c.types.length !== args.length - leading) continue;
      for (let i = leading; i < args.length; i++) if (!kindMatches(c.types[i - leading]!, kindOf(args[i]))) continue outer;
      return c.impl(...args);
    }
    throw noOverload(name, args.slice(leading));
  };
}
