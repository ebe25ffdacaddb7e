// The function library. Each module declares its functions for the registry
// (src/lang/registry.ts); this entry gathers them.

import type { FunctionDecl } from '../src/lang/registry.js';
import { stdLibrary } from './std/index.js';

export { stdLibrary } from './std/index.js';
export * as stdTime from './std/time.js';
export {
  clearRegexCache,
  compileRegex,
  getRegexEngine,
  re2jsEngine,
  regexCacheSize,
  regexMatches,
  setRegexEngine,
  RegexSyntaxError,
  REGEX_CACHE_SIZE,
  type CompiledRegex,
  type RegexEngine,
  type RegexFlags,
  type RegexMatch,
} from './regex/index.js';

/** Every builtin declaration (more libraries are appended here as they land). */
export const builtinLibrary: FunctionDecl[] = [...stdLibrary];
