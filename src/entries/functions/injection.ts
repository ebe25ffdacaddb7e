// `llm-policy-engine/functions/injection`: `injection.*`, for the runtime entry (docs/edge.md).
export { injectionLibrary } from '../../../builtins/llm/injection/index.js';
