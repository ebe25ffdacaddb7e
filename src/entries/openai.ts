// `llm-policy-engine/openai`: `withPolicy` for the `openai` client (docs/middleware.md).
export * from '../integrations/openai/index.js';
