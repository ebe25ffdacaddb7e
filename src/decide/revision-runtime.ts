// The runtime a generated revision is given (./codegen.ts writes the code, ./prebuilt.ts loads
// it from a module): the expressions' helpers, the decide loop's, and messages' display. In a
// file of its own, as loading a prebuilt module needs it and nothing of the code generator.

import { RUNTIME } from '../compile/codegen/runtime.js';
import { cut, display } from '../policy/display.js';
import { DECIDE_RUNTIME } from './run.js';

export const REVISION_RUNTIME = { ...RUNTIME, ...DECIDE_RUNTIME, display, cut };
