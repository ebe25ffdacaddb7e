// `llm-policy-engine/anthropic`: `withPolicy` for `@anthropic-ai/sdk` (docs/middleware.md).
export * from '../integrations/anthropic/index.js';
