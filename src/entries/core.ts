// `llm-policy-engine/core`: the engine without the function library, for the smallest
// bundle. Pass a registry with exactly the functions your policies use (operators, macros
// and field access need none):
//
//   import { PolicyEngine, Registry } from 'llm-policy-engine/core';
//   // myFunctions: FunctionDecl[] declared like the builtins (see docs/engine.md)
//   const engine = new PolicyEngine({ registry: new Registry(myFunctions) });
//
// This file assembles the layers: the engine (src/decide/source-engine.ts: the deciding engine
// and what builds policies from their sources) knows the audit trail (src/audit) only as an
// observer, wired here.

import { AUDIT_DISABLED, Auditor, type AuditOptions, type AuditSink, type AuditStats } from '../audit/index.js';
import type { EngineOptions as DecidingOptions, EngineStats as DecidingStats } from '../decide/engine.js';
import { SourceEngine } from '../decide/source-engine.js';

export interface EngineOptions extends Omit<DecidingOptions, 'observer'> {
  /** Audit records, one per decision and per `record()`: a sink, or options with one (docs/audit.md). */
  audit?: AuditSink | AuditOptions;
}

export interface EngineStats extends DecidingStats {
  audit: AuditStats;
}

export class PolicyEngine extends SourceEngine {
  private readonly auditor: Auditor | undefined;

  constructor(options: EngineOptions) {
    const { audit, ...rest } = options;
    // validate the engine's own options before the audit's, so a typo is reported as one
    const auditor = audit ? new Auditor(audit, options.clock ?? Date.now) : undefined;
    super({ ...rest, observer: auditor });
    this.auditor = auditor;
  }

  override stats(): EngineStats {
    return { ...super.stats(), audit: this.auditor?.stats() ?? { ...AUDIT_DISABLED } };
  }
}

export { compileExpression, type ExpressionOptions } from '../compile/expression.js';
export { PolicyError, EvaluationError, formatIssue, type Issue, type IssueCode, type EvaluationErrorCode } from '../lang/errors.js';
export { Registry, type FunctionDecl, type OverloadDecl, type Purity, type FunctionExample, type TypeName } from '../lang/registry.js';
export { CelUint, CelTimestamp, CelDuration, CelType, CelOptional } from '../lang/values.js';
export { DEFAULT_LIMITS, type Limits } from '../compile/limits.js';
export type { CompiledExpression } from '../compile/expression.js';
export type {
  Decision,
  DecisionError,
  Effect,
  EvaluateOptions,
  MatchedRule,
  PolicySummary,
  PolicyTrace,
  AddPolicyOptions,
  CanaryOptions,
  ShadowOutcome,
  ShadowStats,
  RuleTrace,
  Trace,
  LoadFromOptions,
} from '../decide/engine.js';
export type { JsonSchema } from '../lang/checker.js';
export type { Detector, DetectorOptions } from '../decide/detectors.js';
export type { StateStore, StateRead, Usage, Metric, RecordedUsage, Hold, Reservation, ReserveSpec } from '../decide/state.js';
export { checkUsage, checkHolds } from '../decide/state.js';
export type { PolicySource, PolicyFile } from '../policy/source.js';
export {
  createBundle,
  verifyBundle,
  BUNDLE_FORMAT,
  type PolicyBundle,
  type BundleManifest,
  type BundleSignature,
  type BundleSignOptions,
  type BundleVerifyOptions,
  type VerifiedBundle,
  type CryptoKeyLike,
} from '../policy/bundle.js';
export type {
  AuditSink,
  AuditOptions,
  AuditRecord,
  DecisionAuditRecord,
  UsageAuditRecord,
  AuditMatchedRule,
  AuditShadowOutcome,
  AuditDecisionError,
  AuditRedaction,
  AuditStats,
} from '../audit/index.js';
