// `llm-policy-engine/audit`: runtime-neutral audit sinks (memory, stdout JSON lines, HTTP
// batches), canonical JSON and the redacted copy (docs/audit.md). The chained file sink is in
// `llm-policy-engine/node`, the OpenTelemetry sink in `llm-policy-engine/otel`.
export * from '../adapters/audit/index.js';
