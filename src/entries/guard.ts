// `llm-policy-engine/guard`: the middleware core for any LLM client: `guard`, the per-call
// context, and `PolicyDeniedError` (docs/middleware.md). The provider entries (`/openai`,
// `/anthropic`, `/ai-sdk`) build on it and re-export the same error class.
export * from '../integrations/guard/index.js';
