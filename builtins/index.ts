// The function library. Each module declares its functions for the registry
// (src/lang/registry.ts); this entry gathers them.

import type { FunctionDecl } from '../src/lang/library.js';
import { encodingLibrary } from './encoding/index.js';
import { listsLibrary } from './lists/index.js';
import { llmLibrary } from './llm/index.js';
import { mathLibrary } from './math/index.js';
import { optionalLibrary } from './optional/index.js';
import { piiLibrary } from './llm/pii/index.js';
import { injectionLibrary } from './llm/injection/index.js';
import { stateLibrary } from './state/index.js';
import { stdLibrary } from './std/index.js';
import { stringsLibrary } from './strings/index.js';
import { timeLibrary } from './time/index.js';

export { stdLibrary } from './std/index.js';
export * as stdTime from './std/time.js';

export { encodingLibrary, listsLibrary, mathLibrary, optionalLibrary, stateLibrary, stringsLibrary, timeLibrary };

/** Every builtin declaration: CEL's standard library and the extension libraries. */
export const builtinLibrary: FunctionDecl[] = [
  ...stdLibrary,
  ...optionalLibrary,
  ...stringsLibrary,
  ...mathLibrary,
  ...listsLibrary,
  ...timeLibrary,
  ...encodingLibrary,
  ...stateLibrary,
  ...llmLibrary,
  ...piiLibrary,
  ...injectionLibrary,
];
