// The main entry: runtime-neutral (no node:*, no native addons, no eval), so it bundles for
// Cloudflare Workers and Vercel Edge. It is the engine of the core entry with the function
// library (builtins/) and an in-memory state store. Kept to what a host needs to decide:
// middleware, input builders, audit sinks, sources and the LLM helpers have their own entries
// (`/guard`, `/input`, `/audit`, `/sources`, `/llm`; docs/engine.md lists them all).

import { builtinLibrary } from '../../builtins/index.js';
import { installJsAuditHash } from '../adapters/audit/digest.js';
import { MemoryStateStore } from '../adapters/state/memory.js';
import { compileExpression as compileCore, type CompiledExpression, type ExpressionOptions } from '../compile/expression.js';
import { Registry, type FunctionDecl } from '../lang/registry.js';
import { PolicyEngine as CoreEngine, type EngineOptions } from './core.js';

// Everything of the core entry; PolicyEngine and compileExpression below replace the core's
// with versions that default to the full function library.
export * from './core.js';
export { builtinLibrary };
export { MemoryStateStore, type MemoryStateStoreOptions } from '../adapters/state/memory.js';

/** A registry holding every builtin; add your own functions to a copy. */
export function defaultRegistry(): Registry {
  return new Registry(builtinLibrary);
}

// built on first use, so that importing the entry costs nothing until an engine is made
let shared: Registry | undefined;

export interface PolicyEngineOptions extends Omit<EngineOptions, 'registry'> {
  /** Extra functions, declared like the builtins (typed, with purity). */
  functions?: FunctionDecl[];
  /** Replace the whole function library (e.g. `new Registry()` for the smallest engine). */
  registry?: Registry;
}

function registryFor(options: { functions?: FunctionDecl[]; registry?: Registry }): Registry {
  const base = options.registry ?? (shared ??= defaultRegistry());
  if (!options.functions?.length) return base;
  const r = base.clone();
  for (const f of options.functions) r.add(f);
  return r;
}

/** The engine with the full function library and, unless given another, an in-memory state store. */
export class PolicyEngine extends CoreEngine {
  constructor(options: PolicyEngineOptions = {}) {
    const { functions, registry, ...rest } = options;
    // audit digests are synchronous SHA-256 in pure JS (the Node entry installs node:crypto's)
    if (rest.audit) installJsAuditHash();
    super({ state: new MemoryStateStore(), ...rest, registry: registryFor({ functions, registry }) });
  }
}

export interface CompileExpressionOptions extends Omit<ExpressionOptions, 'registry'> {
  functions?: FunctionDecl[];
  registry?: Registry;
}

/** Compiles one expression; `.evaluate(bindings)` returns its value or throws EvaluationError. */
export function compileExpression(source: string, options: CompileExpressionOptions = {}): CompiledExpression {
  const { functions, registry, ...rest } = options;
  return compileCore(source, { state: new MemoryStateStore(), ...rest, registry: registryFor({ functions, registry }) });
}
