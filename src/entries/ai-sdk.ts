// `llm-policy-engine/ai-sdk`: `policyMiddleware` for the Vercel AI SDK (docs/middleware.md).
export * from '../integrations/ai-sdk/index.js';
