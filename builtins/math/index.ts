// The `math` library: declarations for the registry (being written).

import type { FunctionDecl } from '../../src/lang/registry.js';

export const mathLibrary: FunctionDecl[] = [];
