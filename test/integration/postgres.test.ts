// PostgresPolicyStore against the real PostgreSQL: migrate, publish, activate, rollback, and
// an engine that follows the registry through LISTEN/NOTIFY while another connection writes.
// Each run uses a schema of its own and drops it afterwards.
import { generateKeyPairSync } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBundle, PolicyEngine, PolicyError } from '../../src/entries/index.js';
import { migrationSql, PostgresPolicyStore } from '../../src/entries/postgres.js';
import { PG_URL, uniqueId, waitFor } from './helpers.js';

const schema = `lpe_test_${uniqueId()}`;
const admin = new pg.Client({ connectionString: PG_URL });
const stores: PostgresPolicyStore[] = [];
const engines: PolicyEngine[] = [];

/**
 * Resolves once the watcher of the store named `app` follows the registry: its connection has
 * run LISTEN and then the fingerprint check (string_agg), which only the watcher runs.
 */
async function listening(app: string): Promise<void> {
  const sql = `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND (query ILIKE 'LISTEN%' OR query LIKE '%string_agg%')`;
  await waitFor(async () => ((await admin.query(sql, [app])).rowCount ?? 0) > 0, 10_000, 'the watcher to LISTEN');
}

// Waits below have a generous failure timeout, not a latency bound: the latencies are reported.
const SOON = 10_000;

function store(options: Partial<ConstructorParameters<typeof PostgresPolicyStore>[0]> = {}): PostgresPolicyStore {
  const s = new PostgresPolicyStore({ connectionString: PG_URL, schema, ...options });
  stores.push(s);
  return s;
}

const policy = (name: string, rule: string) => `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: ${name} }
spec:
  rules:
    - ${rule}
`;
const V1 = policy('models', `{ id: big, when: "request.max_tokens > 1000", effect: deny }`);
const V2 = policy('models', `{ id: big, when: "request.max_tokens > 100", effect: deny }`);
const BAD = policy('models', `{ id: big, when: "request.max_tokens >", effect: deny }`);
const input = { request: { max_tokens: 500 } };

beforeAll(async () => {
  await admin.connect();
});

afterAll(async () => {
  for (const e of engines) await e.close();
  for (const s of stores) await s.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

describe('PostgresPolicyStore', () => {
  test('migrate creates the tables once; running it again (concurrently) applies nothing', async () => {
    const [a, b] = await Promise.all([store().migrate(), store().migrate()]);
    expect([...a.applied, ...b.applied]).toEqual([1]);
    expect((await store().migrate()).applied).toEqual([]);
    const { rows } = await admin.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema]);
    expect(rows.map((r) => r.table_name)).toEqual(['policies', 'policy_activations', 'policy_versions', 'schema_migrations']);
    expect(migrationSql(schema)).toContain(`CREATE TABLE ${schema}.policy_versions`);
  });

  test('publish numbers versions; activate, rollback and history', async () => {
    const s = store();
    expect(await s.publish('budget', V1, { author: 'ann' })).toBe(1);
    expect(await s.publish('budget', V2, { author: 'bob' })).toBe(2);
    expect(await s.publish('budget', V1, { namespace: 'team-a' })).toBe(1);
    expect(await s.load()).toEqual([]); // nothing active yet
    await s.activate('budget', 1);
    await s.activate('budget', 2, { author: 'bob' });
    expect((await s.load()).map((f) => f.filename)).toEqual(['default/budget@v2']);
    expect(await s.rollback('budget')).toBe(1);
    expect((await s.load()).map((f) => f.filename)).toEqual(['default/budget@v1']);
    await expect(s.rollback('budget')).rejects.toThrow(/no earlier activation/);
    await expect(s.activate('budget', 7)).rejects.toThrow(/no version 7/);
    const h = await s.history('budget');
    expect(h.active).toBe(1);
    expect(h.versions.map((v) => [v.version, v.author, v.active])).toEqual([
      [2, 'bob', false],
      [1, 'ann', true],
    ]);
    expect(h.activations.map((a) => [a.action, a.version, a.previousVersion])).toEqual([
      ['activate', 1, undefined],
      ['activate', 2, 1],
      ['rollback', 1, 2],
    ]);
    await s.deactivate('budget');
    expect(await s.load()).toEqual([]);
  });

  test('an engine follows the registry: v1, v2 from another connection, rollback, a bad version', async () => {
    const ns = 'live';
    const writer = store({ schema }); // another pool: another connection
    const app = `lpe_${uniqueId()}`;
    const reader = store({ connectionString: `${PG_URL}?application_name=${app}`, namespaces: [ns] });
    await writer.publish('models', V1, { namespace: ns, activate: true });

    const reloads: { revision: string; error?: Error }[] = [];
    const engine = new PolicyEngine();
    engines.push(engine);
    await engine.loadFrom(reader, { watch: true, onReload: (r) => reloads.push(r) });
    expect(engine.evaluate(input).effect).toBe('allow'); // v1: > 1000 denies
    await listening(app);

    // v2 published and activated by another connection: the engine switches, told by NOTIFY
    let t0 = Date.now();
    const v2 = await writer.publish('models', V2, { namespace: ns, author: 'ci' });
    await writer.activate('models', v2, { namespace: ns });
    const switched = await waitFor(() => engine.evaluate(input).effect === 'deny', SOON, 'the switch to v2');
    const latencyV2 = Date.now() - t0;

    // plain SQL from yet another connection notifies too (the trigger does it)
    t0 = Date.now();
    await admin.query(`UPDATE ${schema}.policies SET active_version = 1 WHERE namespace = $1 AND name = 'models'`, [ns]);
    await waitFor(() => engine.evaluate(input).effect === 'allow', SOON, 'the switch back by SQL');
    await admin.query(`UPDATE ${schema}.policies SET active_version = 2 WHERE namespace = $1 AND name = 'models'`, [ns]);
    await waitFor(() => engine.evaluate(input).effect === 'deny', SOON, 'v2 again');

    // rollback
    t0 = Date.now();
    expect(await writer.rollback('models', { namespace: ns })).toBe(1);
    await waitFor(() => engine.evaluate(input).effect === 'allow', SOON, 'the rollback');
    const latencyRollback = Date.now() - t0;
    const good = engine.revision;

    // a version that does not compile: the engine keeps the last good set and says why
    const bad = await writer.publish('models', BAD, { namespace: ns });
    await writer.activate('models', bad, { namespace: ns });
    await waitFor(() => engine.lastReloadError !== undefined, SOON, 'the reload error');
    expect(engine.revision).toBe(good);
    expect(engine.evaluate(input).effect).toBe('allow');
    const err = engine.lastReloadError as PolicyError;
    expect(err).toBeInstanceOf(PolicyError);
    expect(err.issues[0]).toMatchObject({ file: `${ns}/models@v${bad}`, line: 6 });
    expect(reloads.at(-1)?.error).toBe(err);

    // fixed by a rollback: the error clears
    await writer.rollback('models', { namespace: ns });
    await waitFor(() => engine.lastReloadError === undefined, SOON, 'the error to clear');
    expect(engine.evaluate(input).effect).toBe('allow');
    console.log(
      `[postgres] engine switched to v2 ${latencyV2} ms after publish+activate (${switched} ms after the write returned); rollback seen in ${latencyRollback} ms`,
    );
  });

  test('the watcher reconnects after its connection is killed, and catches the change it missed', async () => {
    const ns = 'reconnect';
    const writer = store();
    const errors: Error[] = [];
    const app = `lpe_${uniqueId()}`;
    const reader = store({
      connectionString: `${PG_URL}?application_name=${app}`,
      namespaces: [ns],
      reconnect: { min: 100, max: 400 },
      onError: (e) => errors.push(e),
    });
    await writer.publish('models', V1, { namespace: ns, activate: true });
    const engine = new PolicyEngine();
    engines.push(engine);
    await engine.loadFrom(reader, { watch: true });
    await listening(app);
    // kill the reader's connections (known by their application_name), the watcher's among
    // them, then change the set while it is down
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [app]);
    expect(killed.rowCount).toBeGreaterThanOrEqual(1);
    const v2 = await writer.publish('models', V2, { namespace: ns });
    await writer.activate('models', v2, { namespace: ns });
    const t = await waitFor(() => engine.evaluate(input).effect === 'deny', 3000, 'the change after the reconnect');
    expect(errors.length).toBeGreaterThan(0);
    console.log(`[postgres] watcher reconnected and reloaded ${t} ms after the change`);
  });
});

describe('PostgresPolicyStore with signed bundles', () => {
  test('with `verify`, active versions must be signed bundles: a tampered one fails the load and the engine keeps its set', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ns = 'signed';
    const s = store({ namespaces: [ns], verify: { publicKey: pub } });
    const good = await createBundle([{ filename: 'models.yaml', text: V1 }], { privateKey: priv });
    await s.publish('models', good, { namespace: ns, activate: true });
    const engine = new PolicyEngine();
    engines.push(engine);
    await engine.loadFrom(s);
    expect(engine.policies().map((p) => [p.name, p.file])).toEqual([['models', 'models.yaml']]);
    const rev = engine.revision;
    await s.publish('models', good.replace('> 1000', '> 1'), { namespace: ns, activate: true });
    const e = await engine.loadFrom(s).catch((x: unknown) => x);
    expect((e as PolicyError).issues[0]).toMatchObject({ code: 'signature_invalid', file: `${ns}/models@v2` });
    await s.publish('models', V2, { namespace: ns, activate: true }); // plain text: not a signed bundle
    expect(((await engine.loadFrom(s).catch((x: unknown) => x)) as PolicyError).issues[0]!.message).toMatch(/^not a signed bundle/);
    expect(engine.revision).toBe(rev);
    await s.deactivate('models', { namespace: ns });
  });
});
