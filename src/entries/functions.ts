// `llm-policy-engine/functions`: the whole function library for an engine that is given its
// functions, `llm-policy-engine/runtime` (docs/edge.md), as one import. To bundle only what the
// policies call, import the families from their own subpaths instead (`/functions/cel`,
// `/functions/state`, `/functions/llm`, `/functions/pii`, `/functions/injection`):
// `llm-policy build` prints which a prebuilt module needs.
//
//   import { PolicyEngine } from 'llm-policy-engine/runtime';
//   import { builtinLibrary } from 'llm-policy-engine/functions';
//   const engine = new PolicyEngine({ functions: builtinLibrary });

export { builtinLibrary } from '../../builtins/index.js';
export * from './functions/cel.js';
export * from './functions/state.js';
export * from './functions/llm.js';
export * from './functions/pii.js';
export * from './functions/injection.js';
export type { FunctionDecl } from '../lang/registry.js';
