// The schema PostgresPolicyStore needs, as ordered migrations. `store.migrate()` applies the
// ones a database lacks (in one transaction, under an advisory lock, recorded in
// <schema>.schema_migrations); `migrationSql(schema)` prints them for your own migration tool.
//
// Tables (in the store's schema, `llm_policy` unless configured):
//   policies            one row per (namespace, name): which version is active
//   policy_versions     every published text, numbered 1, 2, 3 ... per policy; never changed
//   policy_activations  the log of activations and rollbacks (who, when, from which version)
// Triggers on `policies` send NOTIFY llm_policy_changed '<schema>' when the active set changes.

export const NOTIFY_CHANNEL = 'llm_policy_changed';

export interface Migration {
  version: number;
  name: string;
  sql: (schema: string) => string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'policies, versions, activations, change notifications',
    sql: (s) => `
CREATE TABLE ${s}.policies (
  namespace      text        NOT NULL,
  name           text        NOT NULL,
  active_version integer,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, name)
);

CREATE TABLE ${s}.policy_versions (
  namespace  text        NOT NULL,
  name       text        NOT NULL,
  version    integer     NOT NULL CHECK (version > 0),
  text       text        NOT NULL,
  author     text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, name, version),
  FOREIGN KEY (namespace, name) REFERENCES ${s}.policies (namespace, name) ON DELETE CASCADE
);

ALTER TABLE ${s}.policies
  ADD FOREIGN KEY (namespace, name, active_version)
  REFERENCES ${s}.policy_versions (namespace, name, version) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE ${s}.policy_activations (
  id               bigserial   PRIMARY KEY,
  namespace        text        NOT NULL,
  name             text        NOT NULL,
  action           text        NOT NULL CHECK (action IN ('activate', 'rollback', 'deactivate')),
  version          integer,
  previous_version integer,
  author           text,
  at               timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (namespace, name) REFERENCES ${s}.policies (namespace, name) ON DELETE CASCADE
);
CREATE INDEX ON ${s}.policy_activations (namespace, name, id);

CREATE FUNCTION ${s}.notify_policy_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${NOTIFY_CHANNEL}', TG_TABLE_SCHEMA);
  RETURN NULL;
END
$$;

CREATE TRIGGER policy_activated AFTER INSERT ON ${s}.policies
  FOR EACH ROW WHEN (NEW.active_version IS NOT NULL) EXECUTE FUNCTION ${s}.notify_policy_change();
CREATE TRIGGER policy_switched AFTER UPDATE OF active_version ON ${s}.policies
  FOR EACH ROW WHEN (OLD.active_version IS DISTINCT FROM NEW.active_version) EXECUTE FUNCTION ${s}.notify_policy_change();
CREATE TRIGGER policy_removed AFTER DELETE ON ${s}.policies
  FOR EACH ROW WHEN (OLD.active_version IS NOT NULL) EXECUTE FUNCTION ${s}.notify_policy_change();
`,
  },
];

/** A schema name safe to put in SQL unquoted: lower-case letters, digits and `_`. */
export function checkSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`invalid schema name \`${schema}\`: use lower-case letters, digits and _ (at most 63)`);
  return schema;
}

/** All migrations as one SQL script (for applying with another tool). */
export function migrationSql(schema = 'llm_policy'): string {
  const s = checkSchema(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s};`,
    `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`,
    ...MIGRATIONS.map(
      (m) =>
        `-- ${m.version}: ${m.name}\n${m.sql(s).trim()}\nINSERT INTO ${s}.schema_migrations (version, name) VALUES (${m.version}, '${m.name.replace(/'/g, "''")}');`,
    ),
  ].join('\n\n');
}
