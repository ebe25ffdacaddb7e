// FileAuditSink and verifyAuditLog: 100,000 decisions in order with a verifying hash chain; any
// one changed byte found at its record; removed and reordered records; rotation; reopening.
import { appendFileSync, copyFileSync, rmSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileAuditSink, GENESIS_HASH, verifyAuditLog } from '../../src/entries/node.js';
import { MemoryAuditSink } from '../../src/entries/audit.js';
import type { AuditRecord } from '../../src/entries/index.js';
import { allowInput, denyInput, engineWith, warnInput } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (name = 'audit') => join(dir, `${name}-${++n}.log`);
const lines = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);
const parse = (p: string) => lines(p).map((l) => JSON.parse(l) as AuditRecord);
const immediate = () => new Promise<void>((r) => setImmediate(r));

/** A chained log of `count` decisions, written through an engine. */
async function writeLog(
  path: string,
  count: number,
  sinkOptions: Partial<ConstructorParameters<typeof FileAuditSink>[0]> = {},
): Promise<void> {
  const sink = new FileAuditSink({ path, chain: true, ...sinkOptions });
  const e = engineWith({ audit: { sink, instance: 'inst' } });
  for (let i = 0; i < count; i++) {
    e.evaluate(i % 10 === 0 ? denyInput : i % 10 === 1 ? warnInput : allowInput(i));
    if (i % 1000 === 999) await immediate();
  }
  await e.close();
  expect(e.stats().audit).toMatchObject({ written: count, dropped: 0, failed: 0, queued: 0 });
}

describe('100,000 decisions through the chained file sink', () => {
  const path = fresh('big');
  beforeAll(async () => {
    await writeLog(path, 100_000);
  }, 120_000);

  test('exactly 100,000 records, in order, and the chain verifies', async () => {
    const recs = parse(path);
    expect(recs).toHaveLength(100_000);
    expect(recs.every((r, i) => r.seq === i + 1)).toBe(true);
    expect(recs[0]!.prevHash).toBe(GENESIS_HASH);
    const v = await verifyAuditLog(path);
    expect(v).toMatchObject({ ok: true, records: 100_000 });
    expect(v.firstBad).toBeUndefined();
  });

  test('one byte altered in the middle is found at that record', async () => {
    const buf = readFileSync(path);
    const original = Buffer.from(buf);
    try {
      let at = Math.floor(buf.length / 2);
      if (buf[at] === 0x0a) at++;
      const line = buf.subarray(0, at).filter((b) => b === 0x0a).length + 1;
      buf[at] = buf[at] === 0x41 ? 0x42 : 0x41;
      writeFileSync(path, buf);
      const v = await verifyAuditLog(path);
      expect(v.ok).toBe(false);
      expect(v.firstBad).toMatchObject({ line, reason: 'altered', file: path });
      expect(line).toBeGreaterThan(40_000);
    } finally {
      writeFileSync(path, original);
    }
    expect((await verifyAuditLog(path)).ok).toBe(true);
  });
});

describe('verifyAuditLog on a small log', () => {
  const path = fresh('small');
  let original: Buffer;
  beforeAll(async () => {
    await writeLog(path, 300);
    original = readFileSync(path);
  });
  const tampered = (mutate: (ls: string[]) => string[]): string => {
    const p = fresh('tampered');
    const ls = original.toString('utf8').split('\n').filter(Boolean);
    writeFileSync(p, `${mutate(ls).join('\n')}\n`);
    return p;
  };

  test('any single changed byte (but in the last line) is found at its line, as altered', async () => {
    const starts: number[] = [0];
    for (let i = 0; i < original.length - 1; i++) if (original[i] === 0x0a) starts.push(i + 1);
    const lastLineStart = starts[starts.length - 1]!;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: lastLineStart - 2 }), fc.integer({ min: 0x20, max: 0xff }), async (at, byte) => {
        fc.pre(original[at] !== 0x0a && original[at] !== byte);
        const buf = Buffer.from(original);
        buf[at] = byte;
        const p = join(dir, 'prop.log');
        writeFileSync(p, buf);
        const line = starts.filter((s) => s <= at).length;
        const v = await verifyAuditLog(p);
        expect(v.ok).toBe(false);
        expect(v.firstBad).toMatchObject({ line, reason: 'altered' });
      }),
      { numRuns: 150 },
    );
  });

  test('removed records', async () => {
    expect((await verifyAuditLog(tampered((ls) => ls.filter((_, i) => i !== 149)))).firstBad).toMatchObject({
      line: 150,
      reason: 'removed',
    });
    expect((await verifyAuditLog(tampered((ls) => ls.filter((_, i) => i < 100 || i > 120)))).firstBad).toMatchObject({
      line: 101,
      reason: 'removed',
    });
    expect((await verifyAuditLog(tampered((ls) => ls.slice(1)))).firstBad).toMatchObject({ line: 1, reason: 'removed' });
    // the tail: only an anchored hash shows it
    const cut = tampered((ls) => ls.slice(0, -5));
    const v = await verifyAuditLog(cut);
    expect(v.ok).toBe(true);
    expect(v.lastHash).not.toBe((await verifyAuditLog(path)).lastHash);
  });

  test('reordered records', async () => {
    const swap = tampered((ls) => {
      const c = [...ls];
      [c[200], c[201]] = [c[201]!, c[200]!];
      return c;
    });
    expect((await verifyAuditLog(swap)).firstBad).toMatchObject({ line: 201, reason: 'reordered' });
    const moved = tampered((ls) => [...ls.slice(0, 50), ...ls.slice(51), ls[50]!]);
    expect((await verifyAuditLog(moved)).firstBad).toMatchObject({ line: 51, reason: 'reordered' });
  });

  test('a line that is not JSON, or has no prevHash, is altered', async () => {
    expect((await verifyAuditLog(tampered((ls) => ls.map((l, i) => (i === 10 ? l.slice(0, -3) : l))))).firstBad).toMatchObject({
      line: 11,
      reason: 'altered',
    });
    expect(
      (await verifyAuditLog(tampered((ls) => ls.map((l, i) => (i === 10 ? l.replace(/,"prevHash":"[0-9a-f]+"/, '') : l))))).firstBad,
    ).toMatchObject({ line: 11, reason: 'altered' });
  });

  test('a record re-hashed after an edit still breaks the next link', async () => {
    // an edit of record 20 whose author does not rewrite every later line
    const p = tampered((ls) =>
      ls.map((l, i) =>
        i === 19
          ? l
              .replace('"effect":"allow"', '"effect":"deny"')
              .replace('"effect":"warn"', '"effect":"allow"')
              .replace('"effect":"deny"', '"effect":"warn"')
          : l,
      ),
    );
    expect((await verifyAuditLog(p)).firstBad).toMatchObject({ line: 20, reason: 'altered' });
  });
});

describe('rotation and reopening', () => {
  test('by size: files stay under maxBytes and the chain runs across them', async () => {
    const path = fresh('rot');
    const rotated: string[] = [];
    await writeLog(path, 2_000, { rotate: { maxBytes: 100_000 }, onRotate: (p) => rotated.push(p) });
    expect(rotated.length).toBeGreaterThanOrEqual(5);
    const files = [...rotated, path];
    for (const f of files) expect(readFileSync(f).length).toBeLessThanOrEqual(100_000);
    const all = files.flatMap(parse);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1));
    expect(await verifyAuditLog(files)).toMatchObject({ ok: true, records: 2_000 });
    // a file on its own: its first record continues the previous file
    const second = await verifyAuditLog(files[1]!);
    expect(second).toMatchObject({ ok: true, continues: basename(files[0]!) });
    // a missing file in the middle
    const gap = await verifyAuditLog([files[0]!, files[2]!]);
    expect(gap.firstBad).toMatchObject({ file: files[2], line: 1, reason: 'removed' });
    // rotated names sort in time order
    expect([...rotated].sort()).toEqual(rotated);
    expect(readdirSync(dir).filter((f) => f.startsWith(basename(path)))).toHaveLength(files.length);
  });

  test('by time', async () => {
    let now = Date.UTC(2026, 0, 5);
    const path = fresh('time');
    const sink = new FileAuditSink({ path, chain: true, rotate: { intervalMs: 60_000 }, clock: () => now });
    const mem = new MemoryAuditSink();
    const e = engineWith({
      audit: {
        sink: {
          write: (r) => {
            mem.write(r);
            return sink.write(r);
          },
          close: () => sink.close(),
        },
      },
    });
    e.evaluate(allowInput());
    await e.flushAudit();
    now += 30_000;
    e.evaluate(allowInput());
    await e.flushAudit();
    now += 31_000;
    e.evaluate(allowInput());
    await e.close();
    expect(sink.rotated).toEqual([`${path}.20260105T000000000Z`]);
    expect(parse(sink.rotated[0]!)).toHaveLength(2);
    expect(parse(path)).toHaveLength(1);
    expect((await verifyAuditLog([...sink.rotated, path])).ok).toBe(true);
  });

  test('a new sink on an existing file continues its chain', async () => {
    const path = fresh('reopen');
    await writeLog(path, 50);
    await writeLog(path, 50);
    const recs = parse(path);
    expect(recs).toHaveLength(100);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 100 });
  });

  test('a file ending in a torn line: kept as it is, the chain goes on in a new file', async () => {
    const path = fresh('torn');
    await writeLog(path, 20);
    appendFileSync(path, '{"v":1,"kind":"decision","id":"x');
    const before = await verifyAuditLog(path);
    expect(before).toMatchObject({ ok: true, records: 20, torn: [{ file: path, line: 21 }] });
    const sink = new FileAuditSink({ path, chain: true });
    expect(sink.rotated).toHaveLength(1);
    const e = engineWith({ audit: sink });
    e.evaluate(allowInput());
    await e.close();
    expect(await verifyAuditLog([sink.rotated[0]!, path])).toMatchObject({
      ok: true,
      records: 21,
      torn: [{ file: sink.rotated[0], line: 21 }],
    });
  });

  test('without chain: plain JSON lines; a torn tail is ended before appending', async () => {
    const path = fresh('plain');
    writeFileSync(path, '{"partial":');
    const sink = new FileAuditSink({ path });
    const e = engineWith({ audit: sink });
    e.evaluate(allowInput());
    e.evaluate(denyInput);
    await e.close();
    const ls = lines(path);
    expect(ls).toHaveLength(3);
    expect(ls[0]).toBe('{"partial":');
    expect(JSON.parse(ls[1]!)).not.toHaveProperty('prevHash');
    expect(JSON.parse(ls[2]!)).toMatchObject({ effect: 'deny' });
  });

  test('fsync: batch, and writing after close is an error the engine counts', async () => {
    const path = fresh('sync');
    const sink = new FileAuditSink({ path, fsync: 'batch', mode: 0o640 });
    sink.write([]);
    sink.close();
    expect(() => sink.write([])).toThrow(/closed/);
    expect(existsSync(path)).toBe(true);
  });

  test('lastHash anchors the end of the log', async () => {
    const path = fresh('anchor');
    const sink = new FileAuditSink({ path, chain: true });
    const e = engineWith({ audit: sink });
    for (let i = 0; i < 10; i++) e.evaluate(allowInput(i));
    await e.close();
    expect((await verifyAuditLog(path)).lastHash).toBe(sink.lastHash);
    // prevHash option: verify a file that continues from a known hash
    const copy = fresh('anchor-copy');
    copyFileSync(path, copy);
    expect((await verifyAuditLog(copy, { prevHash: 'f'.repeat(64) })).firstBad).toMatchObject({ line: 1 });
  });
});
