// Runtime-neutral audit sinks (the main entry). The file sink is in the Node entry, the
// OpenTelemetry sink in `llm-policy-engine/otel`.

export { MemoryAuditSink, type MemoryAuditSinkOptions } from './memory.js';
export { StdoutAuditSink, type StdoutAuditSinkOptions } from './stdout.js';
export { HttpAuditSink, HttpAuditError, type HttpAuditSinkOptions } from './http.js';
export { canonicalJson, redactedCopy } from '../../audit/index.js';
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
} from '../../audit/index.js';
