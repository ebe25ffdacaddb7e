// `llm-policy-engine/redis`: a state store shared by many processes through Redis.
// Needs the optional peer dependency `redis` (node-redis v4 or later). See docs/adapters/redis.md.

export {
  RedisStateStore,
  type BreakerState,
  type RedisCommandClient,
  type RedisStateStoreOptions,
  type RedisStateStoreStats,
} from '../adapters/state/redis/store.js';
