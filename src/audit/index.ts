// The audit trail: one record per decision and per recorded usage, queued on the hot path and
// written to a sink in the background (docs/audit.md). The engine knows it only as a
// DecisionObserver; the entries wire the `audit` engine option to an Auditor.

export { Auditor } from './auditor.js';
export { AUDIT_DISABLED } from './types.js';
export { canonicalJson } from '../util/canonical.js';
export { setAuditHash } from './hash.js';
export { redactedCopy } from './redact.js';
export type {
  AuditDecisionError,
  AuditMatchedRule,
  AuditShadowOutcome,
  AuditOptions,
  AuditRecord,
  AuditRedaction,
  AuditSink,
  AuditStats,
  DecisionAuditRecord,
  UsageAuditRecord,
} from './types.js';
