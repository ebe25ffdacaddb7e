// A process killed mid-stream (SIGKILL) loses only what was still queued: bounded by the flush
// interval and batch size, and the chain up to the cut verifies. The exit hook writes
// everything when a process ends on its own or on a signal.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { verifyAuditLog } from '../../src/entries/node.js';
import { POLICY, SRC, bundleScript } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BATCH = 200;
const INTERVAL = 50;
const CHUNK = 100;
const READY = 30_000;
let child = '';

beforeAll(async () => {
  child = await bundleScript(
    dir,
    'child',
    `
    import { openSync, writeSync } from 'node:fs';
    import { FileAuditSink, PolicyEngine, flushAuditOnExit } from ${JSON.stringify(`${SRC}entries/node.ts`)};
    const [mode, path, progress, count] = process.argv.slice(2);
    const sink = new FileAuditSink({ path, chain: true });
    const e = new PolicyEngine({ audit: { sink, batchSize: ${BATCH}, flushIntervalMs: ${INTERVAL} } });
    e.addPolicy(${JSON.stringify(POLICY)});
    const input = (i) => ({ request: { model: i % 7 ? 'small' : 'gpt-4', max_tokens: i % 2000, temperature: 0.5 }, user: { email: 'u' + i + '@x.com' } });
    if (mode === 'stream') {
      // decides forever, in chunks; after each chunk notes how many so far and the deepest queue
      // seen, and says 'ready' on stdout once it has made ${READY} (the parent kills it then)
      const pfd = openSync(progress, 'w');
      let made = 0, maxQueued = 0;
      for (;;) {
        for (let i = 0; i < ${CHUNK}; i++) e.evaluate(input(made++));
        maxQueued = Math.max(maxQueued, e.stats().audit.queued);
        writeSync(pfd, JSON.stringify({ made, maxQueued }).padEnd(128), 0);
        if (made === ${READY}) process.stdout.write('ready\\n');
        await new Promise((r) => setImmediate(r));
      }
    } else {
      // decides, then ends without closing: the hook writes the queue
      flushAuditOnExit(e, { signals: ['SIGTERM'] });
      for (let i = 0; i < Number(count); i++) e.evaluate(input(i));
      if (mode === 'signal') {
        process.stdout.write('ready\\n');
        setInterval(() => {}, 1000); // stays alive until the signal
      }
    }
  `,
  );
}, 60_000);

function run(args: string[]): { proc: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, done };
}

/** Resolves when the child says 'ready' on stdout. */
function ready(proc: ReturnType<typeof spawn>): Promise<void> {
  return new Promise<void>((resolve) => proc.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
}

test('SIGKILL mid-stream: the loss is bounded by what was queued, and the chain up to the cut verifies', async () => {
  const path = join(dir, 'kill.log');
  const progress = join(dir, 'progress.json');
  const { proc, done } = run(['stream', path, progress]);
  const read = () =>
    existsSync(progress) ? (JSON.parse(readFileSync(progress, 'utf8').trim() || '{}') as { made?: number; maxQueued?: number }) : {};
  await ready(proc);
  proc.kill('SIGKILL');
  expect((await done).signal).toBe('SIGKILL');

  const { made, maxQueued } = read() as { made: number; maxQueued: number };
  const v = await verifyAuditLog(path);
  expect(v.ok).toBe(true);
  const recs = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.endsWith('}'))
    .map((l) => JSON.parse(l) as { seq: number; time: number });
  const written = recs.length;
  expect(v.records).toBe(written);
  // in order, nothing missing before the cut
  expect(recs.every((r, i) => r.seq === i + 1)).toBe(true);
  // the process made at most one chunk more than it last reported; everything else is in the file
  // except what was queued: never more than the deepest queue it saw (plus that chunk), which the
  // flush rule keeps near one batch
  const lost = made + CHUNK - written;
  expect(lost).toBeLessThanOrEqual(maxQueued + CHUNK);
  expect(maxQueued).toBeLessThanOrEqual(BATCH + CHUNK);
  console.log(`SIGKILL after ${made}+ decisions: ${written} records written, at most ${lost} lost, deepest queue ${maxQueued}`);
}, 60_000);

test('the exit hook writes every queued record when the process ends on its own', async () => {
  const path = join(dir, 'exit.log');
  const { done } = run(['exit', path, '', '5000']);
  expect(await done).toEqual({ code: 0, signal: null });
  expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 5000 });
}, 30_000);

test('the exit hook writes every queued record on SIGTERM, then lets the signal end the process', async () => {
  const path = join(dir, 'term.log');
  const { proc, done } = run(['signal', path, '', '3000']);
  await ready(proc);
  proc.kill('SIGTERM');
  expect((await done).signal).toBe('SIGTERM');
  expect(await verifyAuditLog(path)).toMatchObject({ ok: true, records: 3000 });
}, 30_000);
