// `llm-policy-engine/functions/cel`: CEL's standard functions and its extensions (strings, math,
// lists and sets, time, encoders, optionals), for the runtime entry (docs/edge.md). Each family
// is imported from its own module, not builtins/index.ts, which reaches every family.
export { encodingLibrary } from '../../../builtins/encoding/index.js';
export { listsLibrary } from '../../../builtins/lists/index.js';
export { mathLibrary } from '../../../builtins/math/index.js';
export { optionalLibrary } from '../../../builtins/optional/index.js';
export { stdLibrary } from '../../../builtins/std/index.js';
export { stringsLibrary } from '../../../builtins/strings/index.js';
export { timeLibrary } from '../../../builtins/time/index.js';
