/// <reference types="node" />
// PostgresPolicyStore: a versioned policy registry in PostgreSQL, and a PolicySource that
// follows it with LISTEN/NOTIFY (see docs/adapters/postgres.md).

import pg from 'pg';
import { checkVerifyOptions, openSourceFiles, type BundleVerifyOptions } from '../../../policy/bundle.js';
import type { PolicyFile, PolicySource } from '../../../policy/source.js';
import { checkSchema, MIGRATIONS, NOTIFY_CHANNEL } from './migrations.js';

export interface PostgresPolicyStoreOptions {
  /** `postgres://user[:password]@host[:port]/database`; the store makes (and ends) its own pool. */
  connectionString?: string;
  /** Or a pg.PoolConfig. */
  config?: pg.PoolConfig;
  /** Or a pool the caller owns (not ended by `close()`); the watcher takes one client of it for LISTEN. */
  pool?: pg.Pool;
  /** Schema of the tables. Default `llm_policy`. */
  schema?: string;
  /** Policies of these namespaces only (default: all). */
  namespaces?: string[];
  /** Reconnect delays of the LISTEN connection, ms: starts at `min`, doubles up to `max`. Defaults 250 and 5,000. */
  reconnect?: { min?: number; max?: number };
  /** Called with errors of the LISTEN connection (the store reconnects by itself). */
  onError?: (error: Error) => void;
  /**
   * Serve signed bundles only: every active version's text must be a bundle (`llm-policy bundle
   * build`, published as the text) that verifies with this key, or the load fails (docs/lifecycle.md).
   */
  verify?: BundleVerifyOptions;
}

export interface PublishOptions {
  /** Default `default`. */
  namespace?: string;
  author?: string;
  /** Make the new version the active one, in the same transaction. */
  activate?: boolean;
}

export interface NameOptions {
  namespace?: string;
  author?: string;
}

export interface PolicyVersion {
  namespace: string;
  name: string;
  version: number;
  text: string;
  author: string | undefined;
  createdAt: Date;
  active: boolean;
}

export interface PolicyActivation {
  action: 'activate' | 'rollback' | 'deactivate';
  version: number | undefined;
  previousVersion: number | undefined;
  author: string | undefined;
  at: Date;
}

export interface PolicyHistory {
  namespace: string;
  name: string;
  active: number | undefined;
  /** Newest first. */
  versions: PolicyVersion[];
  /** Oldest first. */
  activations: PolicyActivation[];
}

type Queryable = Pick<pg.PoolClient, 'query'>;

export class PostgresPolicyStore implements PolicySource {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly schema: string;
  private readonly namespaces: string[] | undefined;
  private readonly reconnect: { min: number; max: number };
  private readonly onError: ((e: Error) => void) | undefined;
  private readonly verify: BundleVerifyOptions | undefined;
  /** What the last load() returned, to tell whether a (re)connected watcher missed a change. */
  private loadedFingerprint: string | undefined;

  constructor(options: PostgresPolicyStoreOptions) {
    const given = [options.connectionString, options.config, options.pool].filter((x) => x !== undefined).length;
    if (given !== 1) throw new Error('PostgresPolicyStore: pass one of `connectionString`, `config` or `pool`');
    this.schema = checkSchema(options.schema ?? 'llm_policy');
    this.namespaces = options.namespaces;
    this.reconnect = { min: options.reconnect?.min ?? 250, max: options.reconnect?.max ?? 5000 };
    this.onError = options.onError;
    if (options.verify !== undefined) checkVerifyOptions(options.verify);
    this.verify = options.verify;
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      this.pool = new pg.Pool(options.config ?? { connectionString: options.connectionString });
      this.pool.on('error', (e) => this.report(e)); // an idle client lost: the pool replaces it
      this.ownsPool = true;
    }
  }

  /** Creates the schema and tables, or brings them up to date. Safe to run from many processes at once. */
  async migrate(): Promise<{ applied: number[] }> {
    const s = this.schema;
    return this.tx(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('llm-policy-engine:migrate:' || $1))`, [s]);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set((await c.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).rows.map((r) => r.version));
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await c.query(m.sql(s));
        await c.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        applied.push(m.version);
      }
      return { applied };
    });
  }

  /** Stores a new version of a policy text (not checked here: the engine checks it on load). Returns its number. */
  async publish(name: string, text: string, options: PublishOptions = {}): Promise<number> {
    const ns = options.namespace ?? 'default';
    const s = this.schema;
    return this.tx(async (c) => {
      await c.query(`INSERT INTO ${s}.policies (namespace, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [ns, name]);
      const { rows } = await c.query<{ active_version: number | null }>(
        `SELECT active_version FROM ${s}.policies WHERE namespace = $1 AND name = $2 FOR UPDATE`,
        [ns, name],
      );
      const next = await c.query<{ v: number }>(
        `SELECT coalesce(max(version), 0) + 1 AS v FROM ${s}.policy_versions WHERE namespace = $1 AND name = $2`,
        [ns, name],
      );
      const version = next.rows[0]!.v;
      await c.query(`INSERT INTO ${s}.policy_versions (namespace, name, version, text, author) VALUES ($1, $2, $3, $4, $5)`, [
        ns,
        name,
        version,
        text,
        options.author ?? null,
      ]);
      if (options.activate) await this.switchTo(c, ns, name, version, rows[0]?.active_version ?? null, 'activate', options.author);
      return version;
    });
  }

  /** Makes `version` the active one; watching engines switch to it. */
  async activate(name: string, version: number, options: NameOptions = {}): Promise<void> {
    const ns = options.namespace ?? 'default';
    await this.tx(async (c) => {
      const current = await this.lock(c, ns, name);
      const exists = await c.query(`SELECT 1 FROM ${this.schema}.policy_versions WHERE namespace = $1 AND name = $2 AND version = $3`, [
        ns,
        name,
        version,
      ]);
      if (exists.rowCount === 0) throw new Error(`policy ${ns}/${name} has no version ${version}`);
      await this.switchTo(c, ns, name, version, current, 'activate', options.author);
    });
  }

  /**
   * Goes back to the version that was active before the current one (activations form a
   * stack: each rollback undoes one activation). Returns the version now active.
   */
  async rollback(name: string, options: NameOptions = {}): Promise<number> {
    const ns = options.namespace ?? 'default';
    return this.tx(async (c) => {
      const current = await this.lock(c, ns, name);
      const { rows } = await c.query<{ action: string; version: number | null }>(
        `SELECT action, version FROM ${this.schema}.policy_activations WHERE namespace = $1 AND name = $2 ORDER BY id`,
        [ns, name],
      );
      const stack: (number | null)[] = [];
      for (const r of rows) {
        if (r.action === 'rollback') stack.pop();
        else stack.push(r.version);
      }
      stack.pop(); // the current activation
      const target = stack[stack.length - 1];
      if (target === undefined || target === null) throw new Error(`policy ${ns}/${name} has no earlier activation to roll back to`);
      await this.switchTo(c, ns, name, target, current, 'rollback', options.author);
      return target;
    });
  }

  /** Stops serving a policy (its versions stay). */
  async deactivate(name: string, options: NameOptions = {}): Promise<void> {
    const ns = options.namespace ?? 'default';
    await this.tx(async (c) => {
      const current = await this.lock(c, ns, name);
      await this.switchTo(c, ns, name, null, current, 'deactivate', options.author);
    });
  }

  async history(name: string, options: { namespace?: string } = {}): Promise<PolicyHistory> {
    const ns = options.namespace ?? 'default';
    const s = this.schema;
    const p = await this.pool.query<{ active_version: number | null }>(
      `SELECT active_version FROM ${s}.policies WHERE namespace = $1 AND name = $2`,
      [ns, name],
    );
    if (p.rowCount === 0) throw new Error(`no policy ${ns}/${name}`);
    const active = p.rows[0]!.active_version ?? undefined;
    const v = await this.pool.query<{ version: number; text: string; author: string | null; created_at: Date }>(
      `SELECT version, text, author, created_at FROM ${s}.policy_versions WHERE namespace = $1 AND name = $2 ORDER BY version DESC`,
      [ns, name],
    );
    const a = await this.pool.query<{
      action: PolicyActivation['action'];
      version: number | null;
      previous_version: number | null;
      author: string | null;
      at: Date;
    }>(`SELECT action, version, previous_version, author, at FROM ${s}.policy_activations WHERE namespace = $1 AND name = $2 ORDER BY id`, [
      ns,
      name,
    ]);
    return {
      namespace: ns,
      name,
      active,
      versions: v.rows.map((r) => ({
        namespace: ns,
        name,
        version: r.version,
        text: r.text,
        author: r.author ?? undefined,
        createdAt: r.created_at,
        active: r.version === active,
      })),
      activations: a.rows.map((r) => ({
        action: r.action,
        version: r.version ?? undefined,
        previousVersion: r.previous_version ?? undefined,
        author: r.author ?? undefined,
        at: r.at,
      })),
    };
  }

  /** The active version of every policy, in one snapshot. File names read `namespace/name@vN`. */
  async load(): Promise<PolicyFile[]> {
    const { rows } = await this.pool.query<{ namespace: string; name: string; version: number; text: string }>(
      `SELECT p.namespace, p.name, v.version, v.text
         FROM ${this.schema}.policies p
         JOIN ${this.schema}.policy_versions v ON v.namespace = p.namespace AND v.name = p.name AND v.version = p.active_version
        WHERE $1::text[] IS NULL OR p.namespace = ANY($1)
        ORDER BY p.namespace, p.name`,
      [this.namespaces ?? null],
    );
    const files = rows.map((r) => ({ text: r.text, filename: `${r.namespace}/${r.name}@v${r.version}` }));
    const out = this.verify ? await openSourceFiles(files, this.verify) : files;
    this.loadedFingerprint = rows.map((r) => `${r.namespace}/${r.name}@${r.version}`).join(',');
    return out;
  }

  /**
   * Follows the registry: LISTEN on a connection of its own; a NOTIFY from any writer (this
   * store, another process, plain SQL) calls `onChange`. A lost connection is made again with
   * backoff, and a change missed meanwhile is caught by comparing the active versions.
   */
  watch(onChange: () => void): () => void {
    let stopped = false;
    let client: pg.Client | pg.PoolClient | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = this.reconnect.min;

    const drop = (c: pg.Client | pg.PoolClient, err?: Error) => {
      c.removeAllListeners('notification');
      c.removeAllListeners('end');
      c.on('error', () => {});
      if ('release' in c) c.release(err ?? true);
      else void c.end().catch(() => {});
    };

    const lost = (c: pg.Client | pg.PoolClient, err?: Error) => {
      if (client !== c) return;
      client = undefined;
      if (err) this.report(err);
      drop(c, err);
      if (!stopped) schedule();
    };

    const schedule = () => {
      timer = setTimeout(connect, delay);
      timer.unref?.();
      delay = Math.min(delay * 2, this.reconnect.max);
    };

    const connect = async () => {
      timer = undefined;
      if (stopped) return;
      let c: pg.Client | pg.PoolClient | undefined;
      try {
        c = this.ownsPool ? new pg.Client(this.pool.options as pg.ClientConfig) : await this.pool.connect();
        c.on('error', (e: Error) => lost(c!, e));
        c.on('end', () => lost(c!, new Error('LISTEN connection ended')));
        if (!('release' in c)) await (c as pg.Client).connect();
        c.on('notification', (n) => {
          if (n.channel === NOTIFY_CHANNEL && n.payload === this.schema) onChange();
        });
        await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
        if (stopped) return drop(c);
        client = c;
        delay = this.reconnect.min;
        // a change between load() and LISTEN, or while disconnected, sent no notification we saw
        if ((await this.fingerprint(c)) !== this.loadedFingerprint) onChange();
      } catch (e) {
        this.report(e as Error);
        if (c && client === c) return lost(c);
        if (c) drop(c, e as Error);
        if (!stopped) schedule();
      }
    };

    void connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (client) {
        const c = client;
        client = undefined;
        drop(c);
      }
    };
  }

  /** Ends the pool the store made (not one it was given). Stop watchers first (engine.close() does). */
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  // ---- internals ------------------------------------------------------------------------------

  private async fingerprint(c: Queryable): Promise<string> {
    const { rows } = await c.query<{ f: string | null }>(
      `SELECT string_agg(namespace || '/' || name || '@' || active_version, ',' ORDER BY namespace, name) AS f
         FROM ${this.schema}.policies WHERE active_version IS NOT NULL AND ($1::text[] IS NULL OR namespace = ANY($1))`,
      [this.namespaces ?? null],
    );
    return rows[0]?.f ?? '';
  }

  private async lock(c: Queryable, ns: string, name: string): Promise<number | null> {
    const { rows } = await c.query<{ active_version: number | null }>(
      `SELECT active_version FROM ${this.schema}.policies WHERE namespace = $1 AND name = $2 FOR UPDATE`,
      [ns, name],
    );
    if (rows.length === 0) throw new Error(`no policy ${ns}/${name}`);
    return rows[0]!.active_version;
  }

  private async switchTo(
    c: Queryable,
    ns: string,
    name: string,
    version: number | null,
    previous: number | null,
    action: PolicyActivation['action'],
    author: string | undefined,
  ): Promise<void> {
    const s = this.schema;
    await c.query(`UPDATE ${s}.policies SET active_version = $3, updated_at = now() WHERE namespace = $1 AND name = $2`, [
      ns,
      name,
      version,
    ]);
    await c.query(
      `INSERT INTO ${s}.policy_activations (namespace, name, action, version, previous_version, author) VALUES ($1, $2, $3, $4, $5, $6)`,
      [ns, name, action, version, previous, author ?? null],
    );
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      c.release();
    }
  }

  private report(e: Error): void {
    try {
      this.onError?.(e);
    } catch {
      /* a throwing listener must not break the watcher */
    }
  }
}
