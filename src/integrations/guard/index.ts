// The shared middleware core: the typed deny error, the generic `guard` for any client, the
// per-call context helper, and the pieces the provider entries build on (docs/middleware.md).

export { PolicyDeniedError, type PolicyDeniedErrorOptions, type PolicyPhase } from './errors.js';
export { guard, type GuardFunctionOptions, type GuardInput } from './guard.js';
export { policyContext, GuardedCall } from './core.js';
export { StreamGuard, type StreamAdapter } from './stream.js';
export type { CallInfo, GuardContext, GuardEngine, PolicyCallContext, PolicyInput, PolicyOptions, StreamOptions } from './types.js';
