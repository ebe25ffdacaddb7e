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

/**
 * The function families by subpath (`llm-policy-engine/functions/<family>`) and export name: an
 * engine given only the families its policies call (`llm-policy-engine/runtime` with a prebuilt
 * module) bundles only those. `llm-policy build` names the ones a module needs.
 */
export const families = {
  cel: { stdLibrary, optionalLibrary, stringsLibrary, mathLibrary, listsLibrary, timeLibrary, encodingLibrary },
  state: { stateLibrary },
  llm: { llmLibrary },
  pii: { piiLibrary },
  injection: { injectionLibrary },
} as const satisfies Record<string, Record<string, readonly FunctionDecl[]>>;

/** Every builtin declaration: CEL's standard library and the extension libraries. */
export const builtinLibrary: FunctionDecl[] = Object.values(families).flatMap((f) => Object.values(f).flat());
