// `llm-policy-engine/sources`: runtime-neutral policy sources for `engine.loadFrom` (an
// in-memory set, an HTTP bundle). The directory source is in `llm-policy-engine/node`, the
// PostgreSQL registry in `llm-policy-engine/postgres` (docs/adapters/).
export { MemoryPolicySource, type MemoryPolicySourceOptions } from '../adapters/sources/memory.js';
export { HttpBundleSource, type HttpBundleSourceOptions } from '../adapters/sources/http.js';
