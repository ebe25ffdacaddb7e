// `llm-policy-engine/functions/state`: `rate.*` and `budget.*`, for the runtime entry (docs/edge.md).
export { stateLibrary } from '../../../builtins/state/index.js';
