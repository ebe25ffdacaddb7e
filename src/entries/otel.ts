// `llm-policy-engine/otel`: the OpenTelemetry audit sink (docs/audit.md). Needs the optional peer
// dependency `@opentelemetry/api`.
export * from '../adapters/audit/otel.js';
