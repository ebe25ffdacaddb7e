// Every record the engine makes, and every line the sinks write, validates against
// schemas/audit-record.schema.json.
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { FileAuditSink } from '../../src/entries/node.js';
import { MemoryAuditSink, StdoutAuditSink } from '../../src/entries/audit.js';
import { PolicyEngine, type DecisionAuditRecord } from '../../src/entries/index.js';
import { POLICY, allowInput, denyInput, engineWith, warnInput } from './helpers.js';

const root = resolve(__dirname, '../..');
const schema = JSON.parse(readFileSync(join(root, 'schemas/audit-record.schema.json'), 'utf8'));
const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
const validate = new AjvClass({ allErrors: true, strict: true }).compile(schema);

function expectValid(x: unknown): void {
  const ok = validate(x);
  expect(validate.errors ?? [], JSON.stringify(x)).toEqual([]);
  expect(ok).toBe(true);
}

test('decision and usage records of every shape', async () => {
  const sink = new MemoryAuditSink();
  let n = 0;
  const e = engineWith({
    audit: { sink, queueSize: 5, sample: { allow: 0.5 }, random: () => (n++ % 2) / 2, includeInput: { redactPaths: ['user.email'] } },
    cache: { max: 10 },
  });
  e.evaluate(denyInput);
  e.evaluate(warnInput);
  e.evaluate({ request: { model: 'x', max_tokens: 1 } }); // an error
  e.evaluate(undefined);
  for (let i = 0; i < 20; i++) e.evaluate(allowInput(i));
  await e.flushAudit();
  for (const r of sink.records) expectValid(r);
  e.evaluate(denyInput);
  e.evaluate(warnInput);
  e.evaluate({ request: { model: 'x', max_tokens: 1 } });
  await e.record({ keys: ['a'], requests: 2, tokens: 10, costUsd: 0.5 });
  await e.close();
  expect(sink.records.length).toBeGreaterThan(3);
  expect(sink.records.some((r) => r.dropped)).toBe(true);
  expect(sink.records.some((r) => r.sampled)).toBe(true);
  for (const r of sink.records) expectValid(r);

  const cached = new MemoryAuditSink();
  const c = new PolicyEngine({ audit: { sink: cached, tenant: 't' }, cache: { max: 10 } });
  c.addPolicy(
    'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  rules:\n    - { id: r, when: request.n > 2, effect: deny }',
  );
  c.evaluate({ request: { n: 1 } });
  c.evaluate({ request: { n: 1 } });
  await c.close();
  expect(cached.records[1]).toMatchObject({ cached: true });
  for (const r of cached.records) expectValid(r);
});

test('records of shadow policies, canaries and tenants', async () => {
  const sink = new MemoryAuditSink();
  const e = new PolicyEngine({ audit: sink });
  e.addPolicy(POLICY);
  e.addPolicy(POLICY.replace('version: 1.2.0', 'version: 1.3.0'), { canary: { percent: 50, by: 'user.id' } });
  e.addPolicy(
    'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: watch }\nspec:\n  mode: shadow\n  rules:\n    - { id: r, when: request.max_tokens > 2, effect: deny }',
  );
  for (let i = 0; i < 4; i++) e.evaluate({ ...denyInput, user: { ...denyInput.user, id: `u${i}` } }, { tenant: 'acme' });
  e.evaluate(warnInput);
  await e.close();
  const decided = sink.records as DecisionAuditRecord[];
  expect(new Set(decided.slice(0, 4).map((r) => r.matched[0]!.version))).toEqual(new Set(['1.2.0', '1.3.0']));
  expect(decided[0]).toMatchObject({ tenant: 'acme', shadow: [{ policy: 'watch', matched: ['r'] }] });
  for (const r of sink.records) expectValid(r);
});

test('any input gives a valid record', async () => {
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), fc.boolean(), async (input, include) => {
      const sink = new MemoryAuditSink();
      const e = new PolicyEngine({ audit: { sink, includeInput: include } });
      e.addPolicy(POLICY);
      e.evaluate(input);
      await e.close();
      expectValid(sink.records[0]);
    }),
    { numRuns: 100 },
  );
});

test('lines of the chained file sink (with rotation) and of the stdout sink', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-schema-'));
  const path = join(dir, 'a.log');
  const file = new FileAuditSink({ path, chain: true, rotate: { maxBytes: 4_000 } });
  let out = '';
  const stdout = new StdoutAuditSink({ write: (c) => (out += c) });
  const e = engineWith({
    audit: {
      sink: {
        write: (r) => {
          file.write(r);
          return stdout.write(r);
        },
        close: () => file.close(),
      },
    },
  });
  for (let i = 0; i < 30; i++) e.evaluate(i % 3 ? allowInput(i) : denyInput);
  await e.record({ keys: ['k'] });
  await e.close();
  expect(file.rotated.length).toBeGreaterThan(1);
  const fileLines = [...file.rotated, path].flatMap((p) => readFileSync(p, 'utf8').split('\n').filter(Boolean));
  expect(fileLines.some((l) => l.includes('"prevFile"'))).toBe(true);
  for (const l of fileLines) expectValid(JSON.parse(l));
  const outLines = out.split('\n').filter(Boolean);
  expect(outLines).toHaveLength(31);
  for (const l of outLines) expectValid(JSON.parse(l));
  rmSync(dir, { recursive: true, force: true });
});

test('the schema is strict: an unknown field, a wrong kind, a missing field fail', () => {
  const good = { v: 1, kind: 'usage', id: 'i-1', seq: 1, time: 0, instance: 'i', revision: 'r', policies: [], usage: { keys: [], at: 0 } };
  expectValid(good);
  expect(validate({ ...good, extra: 1 })).toBe(false);
  expect(validate({ ...good, kind: 'decision' })).toBe(false);
  const { usage: _u, ...noUsage } = good;
  expect(validate(noUsage)).toBe(false);
});
