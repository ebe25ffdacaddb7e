// `llm-policy-engine/tiktoken`: importing it makes llm.tokens (and so llm.estimateCost and
// llm.fitsContext) exact for OpenAI models: o200k_base for gpt-4o, gpt-4.1, gpt-5 and the
// o-series, cl100k_base for gpt-4 and gpt-3.5-turbo. Runtime-neutral (pure JavaScript).
//
//   import 'llm-policy-engine/tiktoken';            // before loading policies
//   import { PolicyEngine } from 'llm-policy-engine';
//
// The rank tables (about 3.6 MB of JavaScript) are loaded with this module; each encoder is
// built from its table on the first count that needs it, once per process. Needs the
// `gpt-tokenizer` package (an optional peer dependency).

import cl100k_base from 'gpt-tokenizer/bpeRanks/cl100k_base';
import o200k_base from 'gpt-tokenizer/bpeRanks/o200k_base';
import { setTokenizer } from '../../builtins/llm/tokenizer.js';
import { createTiktokenTokenizer } from '../adapters/tokenizers/tiktoken.js';

export {
  createTiktokenTokenizer,
  countWithEncoder,
  MAX_RUN,
  type BpeRanks,
  type EncodingName,
  type TiktokenRanks,
  type TokenCounter,
  type TiktokenTokenizer,
} from '../adapters/tokenizers/tiktoken.js';
export { getTokenizer, resetTokenizer, setTokenizer, type Tokenizer } from '../../builtins/llm/tokenizer.js';

/** The tokenizer this entry installs. */
export const tiktokenTokenizer = createTiktokenTokenizer({ o200k_base, cl100k_base });

/** Installs the tiktoken tokenizer again (after a resetTokenizer or another setTokenizer). */
export function installTiktoken(): void {
  setTokenizer(tiktokenTokenizer);
}

installTiktoken();
