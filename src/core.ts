// `llm-policy-engine/core`: the engine without the function library, for the smallest
// bundle. Pass a registry with exactly the functions your policies use (operators, macros
// and field access need none):
//
//   import { PolicyEngine, Registry } from 'llm-policy-engine/core';
//   // myFunctions: FunctionDecl[] declared like the builtins (see docs/engine.md)
//   const engine = new PolicyEngine({ registry: new Registry(myFunctions) });

export { PolicyEngine, type EngineOptions } from './engine/engine.js';
export { compileExpression, type ExpressionOptions } from './compile/expression.js';
export { PolicyError, EvaluationError, formatIssue, type Issue, type IssueCode, type EvaluationErrorCode } from './lang/errors.js';
export { Registry, type FunctionDecl, type OverloadDecl, type Purity, type FunctionExample, type TypeName } from './lang/registry.js';
export { CelUint, CelTimestamp, CelDuration, CelType } from './lang/values.js';
export { DEFAULT_LIMITS, type Limits } from './compile/limits.js';
export type { CompiledExpression } from './compile/expression.js';
export type {
  Decision,
  DecisionError,
  Effect,
  EvaluateOptions,
  MatchedRule,
  PolicySummary,
  PolicyTrace,
  RuleTrace,
  Trace,
} from './engine/engine.js';
export type { JsonSchema } from './lang/checker.js';
export type { EngineStats, LoadFromOptions } from './engine/engine.js';
export type { StateStore, StateRead, Usage, Metric } from './engine/state.js';
export type { Detector, DetectorOptions } from './engine/detectors.js';
export type { PolicySource, PolicyFile } from './engine/source.js';
export type {
  AuditSink,
  AuditOptions,
  AuditRecord,
  DecisionAuditRecord,
  UsageAuditRecord,
  AuditMatchedRule,
  AuditDecisionError,
  AuditRedaction,
  AuditStats,
} from './engine/audit.js';
