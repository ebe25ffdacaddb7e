// CEL's standard library, declared for the registry: size, string tests and regexes,
// type conversions, timestamps and durations. Operators (`_+_`, `_==_`, ...) are not
// declared here: the compiler implements them (see src/lang/operators.ts), using the
// range-checked time arithmetic exported from ./time.js.

import type { FunctionDecl } from '../../src/lang/library.js';
import { timeFunctions } from './accessors.js';
import { conversionFunctions } from './conversions.js';
import { stringFunctions } from './strings.js';

export const stdLibrary: FunctionDecl[] = [...stringFunctions, ...conversionFunctions, ...timeFunctions];

export { stringFunctions, conversionFunctions, timeFunctions };
