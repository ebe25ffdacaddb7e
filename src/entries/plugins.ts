// `llm-policy-engine/plugins`: the process-wide plug-ins, shared by every copy of the package in
// the process (ESM and CommonJS builds alike): the regex engine (the Node entry installs the native
// re2 addon), the tokenizer (`/tiktoken` installs an exact one) and the model catalog
// (`/catalog-full` extends it; hosts can set or extend it at run time). See docs/llm.md.
export {
  setTokenizer,
  getTokenizer,
  resetTokenizer,
  setModelCatalog,
  extendModelCatalog,
  resetModelCatalog,
  getModelCatalog,
  type Tokenizer,
  type CatalogTable,
} from '../../builtins/llm/index.js';
export {
  setRegexEngine,
  getRegexEngine,
  RegexSyntaxError,
  type RegexEngine,
  type CompiledRegex,
  type RegexFlags,
  type RegexMatch,
} from '../../builtins/regex/index.js';
