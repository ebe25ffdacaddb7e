#!/usr/bin/env node
// What the audit trail costs. The hot path (evaluate) only stores references into a ring; the
// records are built (canonical JSON, SHA-256 digest, JSON line, hash chain) by the background
// flusher. This measures both, in one process, interleaved, on the W1 gate workload:
//
//   hot path    ns per evaluate(), per contender; the audit's cost is the difference with
//               "no audit" in the same round (median over rounds). Goal: under 500 ns.
//   background  µs per record spent by the flusher (building and writing), measured by
//               draining the queue (engine.flushAudit()) after each timed chunk.
//
//   npm run bench:audit              # builds, then the run (~20 s)
//   node bench/audit.mjs --quick     # a few short rounds
//   node bench/audit.mjs --rounds 31 --json out.json
//   node bench/audit.mjs --dist /tmp/other-build   # another build's node.js
//
// Inputs: ../shared/bench/workloads.mjs (W1 gate) when it is there, else a local generator.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    json: { type: 'string' },
    dist: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log('usage: node bench/audit.mjs [--quick] [--rounds N] [--json out.json] [--dist DIR (a build with node.js, default dist/)]');
  process.exit(0);
}
const ROUNDS = args.rounds ? Math.max(3, Number(args.rounds)) : args.quick ? 5 : 21;
const CHUNK = 2_000; // decisions per timed chunk (below the default batch/queue sizes' product)
const REPS = args.quick ? 3 : 10; // chunks per contender per round

const DIST = args.dist ? pathToFileURL(`${resolve(args.dist)}/`) : new URL('../dist/', import.meta.url);
if (!existsSync(fileURLToPath(new URL('node.js', DIST)))) {
  console.error('The engine is not built: run `npm run build` first, or use `npm run bench:audit`.');
  process.exit(2);
}
const { PolicyEngine, FileAuditSink, MemoryAuditSink, verifyAuditLog } = await import(new URL('node.js', DIST).href);

// ------------------------------------------------------------------ inputs and policy

const policy = readFileSync(new URL('policies/gate.yaml', import.meta.url), 'utf8');
const shared = new URL('../../shared/bench/workloads.mjs', import.meta.url);
let inputs;
let source;
if (existsSync(fileURLToPath(shared))) {
  const { WORKLOADS } = await import(shared.href);
  inputs = WORKLOADS.gate.generate(WORKLOADS.gate.inputCount);
  source = '../shared/bench W1 gate inputs';
} else {
  const models = ['gpt-4o-mini', 'claude-3-5-haiku', 'gpt-4o', 'claude-sonnet-4', 'o1', 'claude-opus-4'];
  const tiers = ['free', 'pro', 'enterprise'];
  inputs = Array.from({ length: 1024 }, (_, i) => ({
    user: { id: `u${i}`, tier: tiers[i % 3], roles: i % 50 === 0 ? ['suspended'] : ['member'] },
    request: { model: models[i % 6], input_tokens: 100 + ((i * 37) % 4000), max_tokens: 256 * (1 + (i % 20)), temperature: (i % 25) / 10 },
    budget: { spent_usd: (i % 100) / 10, limit_usd: 10 },
  }));
  source = 'local inputs shaped like W1 gate';
}

// ------------------------------------------------------------------ contenders

const dir = mkdtempSync(join(os.tmpdir(), 'bench-audit-'));
const nullSink = () => ({ write() {} });
let fileSink;
const contenders = [
  { name: 'no audit', make: () => ({}) },
  { name: 'audit, every decision', make: () => ({ audit: { sink: nullSink() } }), goal: true },
  { name: 'audit, allow sampled 1%', make: () => ({ audit: { sink: nullSink(), sample: { allow: 0.01 } } }) },
  { name: 'audit, snapshot: true', make: () => ({ audit: { sink: nullSink(), snapshot: true } }) },
  {
    name: 'audit, includeInput + redact',
    make: () => ({ audit: { sink: nullSink(), includeInput: { redactPaths: ['user.id'], redact: (s) => s.replace(/\d/g, '#') } } }),
  },
  {
    name: 'audit -> MemoryAuditSink',
    make: () => {
      const sink = new MemoryAuditSink({ max: 1 });
      return { audit: { sink } };
    },
  },
  {
    name: 'audit -> file, chain',
    make: () => ({
      audit: {
        sink: (fileSink = new FileAuditSink({ path: join(dir, 'chain.log'), chain: true, rotate: { maxBytes: 64 * 1024 * 1024 } })),
      },
    }),
  },
];
for (const c of contenders) {
  c.engine = new PolicyEngine(c.make());
  c.engine.addPolicy(policy, { filename: 'gate.yaml' });
  c.hot = [];
  c.bg = [];
}

// ------------------------------------------------------------------ timing

let sink = 0; // keeps the decisions alive
let cursor = 0;
function chunk(engine) {
  const n = inputs.length;
  const t0 = performance.now();
  for (let i = 0; i < CHUNK; i++) {
    const d = engine.evaluate(inputs[cursor]);
    sink += d.reasons.length;
    cursor = cursor + 1 === n ? 0 : cursor + 1;
  }
  return performance.now() - t0;
}

async function measure(c, record) {
  let hot = 0;
  let bg = 0;
  let written = 0;
  for (let r = 0; r < REPS; r++) {
    const before = c.engine.stats().audit.written;
    hot += chunk(c.engine);
    const t1 = performance.now();
    await c.engine.flushAudit();
    bg += performance.now() - t1;
    written += c.engine.stats().audit.written - before;
  }
  if (record) {
    c.hot.push((hot / (REPS * CHUNK)) * 1e6); // ns per decision
    if (written > 0) c.bg.push((bg / written) * 1e3); // µs per record
  }
}

console.log(
  `bench/audit.mjs: ${inputs.length} ${source}; ${ROUNDS} rounds x ${REPS} chunks x ${CHUNK} decisions per contender, interleaved`,
);
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`);
// warm-up: every path JIT-compiled before timing
for (let w = 0; w < 3; w++) for (const c of contenders) await measure(c, false);
for (let round = 0; round < ROUNDS; round++) {
  const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
  for (const c of order) await measure(c, true);
}

// ------------------------------------------------------------------ report

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const base = contenders[0];
const rows = contenders.map((c) => {
  const diffs = c.hot.map((x, i) => x - base.hot[i]);
  return { name: c.name, hotNs: median(c.hot), overheadNs: c === base ? 0 : median(diffs), bgUs: c.bg.length ? median(c.bg) : undefined };
});
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log('');
console.log(`${pad('contender', 32)}${lpad('evaluate ns', 13)}${lpad('audit adds ns', 15)}${lpad('flusher µs/record', 19)}`);
for (const r of rows) {
  console.log(
    `${pad(r.name, 32)}${lpad(r.hotNs.toFixed(0), 13)}${lpad(r.name === base.name ? '-' : r.overheadNs.toFixed(0), 15)}${lpad(r.bgUs === undefined ? '-' : r.bgUs.toFixed(2), 19)}`,
  );
}
const goal = rows.find((r) => contenders.find((c) => c.name === r.name).goal);
const pass = goal.overheadNs < 500;
console.log('');
console.log(
  `goal: the audit adds under 500 ns per decision on the hot path: ${goal.overheadNs.toFixed(0)} ns -> ${pass ? 'PASS' : 'FAIL'}`,
);

for (const c of contenders) await c.engine.close();
const file = contenders.at(-1);
const v = await verifyAuditLog([...fileSink.rotated, fileSink.path]);
console.log(
  `file sink: ${file.engine.stats().audit.written} records written, chain ${v.ok ? 'verifies' : 'BROKEN'} (${v.records} lines in ${fileSink.rotated.length + 1} files)`,
);
if (args.json)
  writeFileSync(
    args.json,
    `${JSON.stringify(
      { node: process.version, rounds: ROUNDS, chunk: CHUNK, reps: REPS, rows, goal: { overheadNs: goal.overheadNs, pass } },
      null,
      2,
    )}\n`,
  );
rmSync(dir, { recursive: true, force: true });
if (sink < 0) console.log(sink);
