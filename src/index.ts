// The main entry: runtime-neutral (no node:*, no native addons, no eval), so it bundles for
// Cloudflare Workers and Vercel Edge. It combines the engine core (./core.ts) with the
// function library (builtins/).

import { builtinLibrary } from '../builtins/index.js';
import { compileExpression as compileCore, type CompiledExpression, type ExpressionOptions } from './compile/expression.js';
import { PolicyEngine as CoreEngine, type EngineOptions } from './engine/engine.js';
import { Registry, type FunctionDecl } from './lang/registry.js';
import { MemoryStateStore } from './adapters/state/memory.js';

// Everything of the core entry; PolicyEngine and compileExpression below replace the core's
// with versions that default to the full function library.
export * from './core.js';
export { builtinLibrary };
export { MemoryStateStore, type MemoryStateStoreOptions } from './adapters/state/memory.js';
export { MemoryPolicySource } from './adapters/sources/memory.js';
export {
  createLlmLibrary,
  withLlmLibrary,
  llmLibrary,
  setTokenizer,
  getTokenizer,
  resetTokenizer,
  estimateTokens,
  estimateTokenizer,
  clearTokenCache,
  defaultCatalog,
  Catalog,
  setModelCatalog,
  extendModelCatalog,
  resetModelCatalog,
  getModelCatalog,
  type Tokenizer,
  type LlmLibraryOptions,
  type ModelCatalog,
  type ModelEntry,
  type ModelPrices,
  type ModelTier,
  type CatalogTable,
} from '../builtins/llm/index.js';
export {
  setRegexEngine,
  getRegexEngine,
  RegexSyntaxError,
  type RegexEngine,
  type CompiledRegex,
  type RegexFlags,
  type RegexMatch,
} from '../builtins/regex/index.js';
export * from './integrations/input/index.js';
export { redactText, detectPii, PII_TYPES } from '../builtins/llm/pii/index.js';
export { HttpBundleSource, type HttpBundleSourceOptions } from './adapters/sources/http.js';
export * from './adapters/audit/index.js';
export {
  PolicyDeniedError,
  guard,
  policyContext,
  type PolicyDeniedErrorOptions,
  type PolicyPhase,
  type GuardFunctionOptions,
  type GuardInput,
  type PolicyOptions,
  type PolicyCallContext,
  type PolicyInput,
  type CallInfo,
  type GuardContext,
  type GuardEngine,
  type StreamOptions,
} from './integrations/guard/index.js';

/** A registry holding every builtin; add your own functions to a copy. */
export function defaultRegistry(): Registry {
  return new Registry(builtinLibrary);
}

const shared = defaultRegistry();

export interface PolicyEngineOptions extends Omit<EngineOptions, 'registry'> {
  /** Extra functions, declared like the builtins (typed, with purity). */
  functions?: FunctionDecl[];
  /** Replace the whole function library (e.g. `new Registry()` for the smallest engine). */
  registry?: Registry;
}

function registryFor(options: { functions?: FunctionDecl[]; registry?: Registry }): Registry {
  const base = options.registry ?? shared;
  if (!options.functions?.length) return base;
  const r = base.clone();
  for (const f of options.functions) r.add(f);
  return r;
}

/** The engine with the full function library and, unless given another, an in-memory state store. */
export class PolicyEngine extends CoreEngine {
  constructor(options: PolicyEngineOptions = {}) {
    const { functions, registry, ...rest } = options;
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
