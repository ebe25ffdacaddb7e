// `llm-policy-engine/runtime`: the engine that only decides, for the smallest import (a new
// serverless instance, an edge worker). It loads policies built ahead of time with
// `llm-policy build` (loadCompiled) and decides with them exactly as the main entry's engine
// does, but it has no YAML parser, schema validator, checker, compiler or code generator, so
// addPolicy, setPolicies, removePolicy, promote, loadFrom, loadBundle and compileToModule throw
// `needs_main_entry`.
//
//   import { PolicyEngine } from 'llm-policy-engine/runtime';
//   import policies from './policies.gen.mjs';          // llm-policy build policies/ -o policies.gen.mjs
//   const engine = new PolicyEngine();
//   engine.loadCompiled(policies);
//   engine.evaluate({ user, request });
//
// No function library is bundled: operators, macros and field access need none. A module that
// calls functions (`llm.*`, `pii.*`, `rate.*`, ...) loads only into an engine given them
// (`functions` or `registry`), and loadCompiled says which are missing (docs/edge.md).

import {
  PolicyEngine as DecidingEngine,
  type AddPolicyOptions,
  type EngineOptions as DecidingOptions,
  type LoadFromOptions,
  type PolicySummary,
} from '../decide/engine.js';
import { PolicyError, type Issue } from '../lang/errors.js';
import { Registry, type FunctionDecl } from '../lang/registry.js';
import type { BundleVerifyOptions } from '../policy/bundle.js';
import type { PolicySource } from '../policy/source.js';

export interface RuntimeEngineOptions extends Omit<DecidingOptions, 'registry' | 'inputSchema' | 'codegen' | 'cache'> {
  /** The functions the prebuilt policies call, declared like the builtins. */
  functions?: FunctionDecl[];
  /** The whole function library (default: empty). */
  registry?: Registry;
}

/** Options of the main entry's engine that only matter when policies are built, or that need its modules. */
const MAIN_ENTRY_OPTIONS: Record<string, string> = {
  inputSchema: 'the input schema is checked when policies are compiled: give it to `llm-policy build` (`--input-schema`)',
  codegen: 'prebuilt policies are generated code already',
  cache: 'the decision cache (an LRU as large as this whole engine) is in the main entry: import `PolicyEngine` from `llm-policy-engine`',
  audit: 'the audit trail is wired by the main entry: import `PolicyEngine` from `llm-policy-engine`, or pass an `observer`',
};

/** What a method that builds policies from their sources throws here. */
function needsMainEntry(what: string): never {
  throw new PolicyError([
    {
      code: 'needs_main_entry',
      message: `\`${what}\` needs what builds policies from their sources (the YAML parser, checker and compiler), which the \`llm-policy-engine/runtime\` engine leaves out`,
      hint: 'build the policies ahead of time with `llm-policy build` and load the module with `loadCompiled`, or import `PolicyEngine` from `llm-policy-engine` (the main entry)',
    },
  ]);
}

/**
 * The deciding engine without what builds policies: it loads prebuilt modules and decides. The
 * main entry's methods that build from sources are here only to say so (`needs_main_entry`).
 */
export class PolicyEngine extends DecidingEngine {
  /** Always undefined: this engine does not follow a source (loadFrom). */
  lastReloadError: PolicyError | Error | undefined;

  constructor(options: RuntimeEngineOptions = {}) {
    const issues: Issue[] = Object.keys(options)
      .filter((k) => Object.hasOwn(MAIN_ENTRY_OPTIONS, k))
      .map((k) => ({
        code: 'invalid_option',
        message: `the \`llm-policy-engine/runtime\` engine takes no \`${k}\` option`,
        hint: MAIN_ENTRY_OPTIONS[k],
      }));
    if (issues.length) throw new PolicyError(issues);
    const { functions, registry, ...rest } = options;
    let r = registry ?? new Registry();
    if (functions?.length) {
      r = r.clone();
      for (const f of functions) r.add(f);
    }
    super({ ...rest, registry: r });
  }

  addPolicy(_text: string, _options?: AddPolicyOptions): PolicySummary[] {
    return needsMainEntry('addPolicy');
  }

  setPolicies(_files: { text: string; filename?: string }[]): void {
    needsMainEntry('setPolicies');
  }

  removePolicy(_name: string, _namespace?: string): boolean {
    return needsMainEntry('removePolicy');
  }

  promote(_name: string, _namespace?: string): PolicySummary {
    return needsMainEntry('promote');
  }

  /** No candidate rolls out in a prebuilt set: always false. */
  rollback(_name: string, _namespace?: string): boolean {
    return false;
  }

  compileToModule(): string {
    return needsMainEntry('compileToModule');
  }

  async loadFrom(_source: PolicySource, _options?: LoadFromOptions): Promise<void> {
    needsMainEntry('loadFrom');
  }

  async loadBundle(_bundle: string | Uint8Array, _options: BundleVerifyOptions): Promise<PolicySummary[]> {
    return needsMainEntry('loadBundle');
  }
}

export { PolicyError, EvaluationError, formatIssue, type Issue, type IssueCode, type EvaluationErrorCode } from '../lang/errors.js';
export { Registry, type FunctionDecl, type OverloadDecl, type Purity, type TypeName } from '../lang/registry.js';
export { CelUint, CelTimestamp, CelDuration, CelType, CelOptional } from '../lang/values.js';
export type { Limits } from '../compile/limits.js';
export type {
  Decision,
  DecisionError,
  DecisionObserver,
  Effect,
  EngineStats,
  EvaluateOptions,
  MatchedRule,
  PolicySummary,
  PolicyTrace,
  RuleTrace,
  ShadowOutcome,
  ShadowStats,
  Trace,
} from '../decide/engine.js';
export type { Detector, DetectorOptions } from '../decide/detectors.js';
export type { StateStore, StateRead, Usage, Metric, RecordedUsage, Hold, Reservation, ReserveSpec } from '../decide/state.js';
