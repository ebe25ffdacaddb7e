// `llm-policy-engine/input`: builders of the normalized input (docs/input.md) from the
// OpenAI, Anthropic and AI SDK request and response shapes.
export * from '../integrations/input/index.js';
