// `llm-policy-engine/llm`: the LLM helpers behind `llm.*` and `pii.*`, for hosts: the library
// factory, token estimates, the model catalog, PII detection and redaction (docs/llm.md,
// docs/pii.md). The plug-in setters (tokenizer, catalog, regex engine) are in `/plugins`.
export {
  createLlmLibrary,
  withLlmLibrary,
  llmLibrary,
  estimateTokens,
  estimateTokenizer,
  clearTokenCache,
  defaultCatalog,
  Catalog,
  type LlmLibraryOptions,
  type ModelCatalog,
  type ModelEntry,
  type ModelPrices,
  type ModelTier,
} from '../../builtins/llm/index.js';
export { redactText, detectPii, PII_TYPES } from '../../builtins/llm/pii/index.js';
