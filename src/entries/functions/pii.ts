// `llm-policy-engine/functions/pii`: `pii.*`, for the runtime entry (docs/edge.md).
export { piiLibrary } from '../../../builtins/llm/pii/index.js';
