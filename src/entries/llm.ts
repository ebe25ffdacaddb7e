// `llm-policy-engine/llm`: the LLM helpers behind `llm.*` and `pii.*`, for hosts: the
// tokenizer and model catalog plug-ins, token estimates, PII detection and redaction
// (docs/llm.md, docs/pii.md).
export {
  createLlmLibrary,
  withLlmLibrary,
  llmLibrary,
  setTokenizer,
  getTokenizer,
  resetTokenizer,
  estimateTokens,
  estimateTokenizer,
  clearTokenCache,
  defaultCatalog,
  Catalog,
  type Tokenizer,
  type LlmLibraryOptions,
  type ModelCatalog,
  type ModelEntry,
  type ModelPrices,
  type ModelTier,
} from '../../builtins/llm/index.js';
export { redactText, detectPii, PII_TYPES } from '../../builtins/llm/pii/index.js';
