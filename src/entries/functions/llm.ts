// `llm-policy-engine/functions/llm`: `llm.*` (tokens, cost, model facts), for the runtime entry (docs/edge.md).
export { llmLibrary } from '../../../builtins/llm/index.js';
