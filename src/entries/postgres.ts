// `llm-policy-engine/postgres`: a versioned policy registry in PostgreSQL (publish, activate,
// rollback, history) that engines follow with LISTEN/NOTIFY. Needs the optional peer
// dependency `pg`. See docs/adapters/postgres.md.

export {
  PostgresPolicyStore,
  type NameOptions,
  type PolicyActivation,
  type PolicyHistory,
  type PolicyVersion,
  type PostgresPolicyStoreOptions,
  type PublishOptions,
} from '../adapters/sources/postgres/store.js';
export { MIGRATIONS, NOTIFY_CHANNEL, migrationSql, type Migration } from '../adapters/sources/postgres/migrations.js';
