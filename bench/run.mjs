#!/usr/bin/env node
// The performance yardstick for llm-policy-engine: the workloads of ../shared/bench/ (W1 gate,
// W2 scale, W3 text) expressed as YAML policies, checked for agreement with the reference
// decision on every generated input, then timed against the hand-written JavaScript baseline
// in the same process, interleaved. See bench/README.md for the method.
//
//   npm run bench                      # builds, then the full run (~1-2 minutes)
//   npm run bench -- --quick           # fewer, shorter rounds (CI smoke)
//   npm run bench -- --workload scale  # gate | scale | text
//   npm run bench -- --json out.json   # also write every figure as JSON
//
// Exit codes: 0 ok, 1 disagreement or engine failure, 2 setup problem (shared/ or dist/ missing).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { scalePolicy } from './policies/scale.mjs';

// ------------------------------------------------------------------ options

let args;
try {
  args = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      workload: { type: 'string', multiple: true },
      json: { type: 'string' },
      rounds: { type: 'string' },
      engine: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  console.error(
    `${e.message}\nusage: node bench/run.mjs [--quick] [--workload gate|scale|text]... [--json out.json] [--rounds N] [--engine dist/index.js]`,
  );
  process.exit(2);
}
if (args.help) {
  console.log(
    'usage: node bench/run.mjs [--quick] [--workload gate|scale|text]... [--json out.json] [--rounds N] [--engine dist/index.js]',
  );
  process.exit(0);
}
const ALL_WORKLOADS = ['gate', 'scale', 'text'];
const selected = args.workload?.length ? args.workload.flatMap((w) => w.split(',')) : ALL_WORKLOADS;
for (const w of selected) {
  if (!ALL_WORKLOADS.includes(w)) {
    console.error(`unknown workload \`${w}\` (expected one of ${ALL_WORKLOADS.join(', ')})`);
    process.exit(2);
  }
}

const QUICK = args.quick;
const CFG = {
  rounds: args.rounds ? Math.max(1, Number(args.rounds)) : QUICK ? 3 : 15,
  warmupMs: QUICK ? 100 : 400, // per contender, before calibration
  batchMs: QUICK ? 20 : 100, // target duration of one timed batch (whole input array, many times)
  latencyBatch: 16, // decisions per latency sample (p50/p99 are per decision)
  latencySamples: QUICK ? 200 : 3000, // per contender
  latencyChunk: 100, // samples per contender before switching (interleaving)
  loadRuns: QUICK ? 5 : 21,
  freshRuns: QUICK ? 2 : 7,
  explainMs: QUICK ? 50 : 300,
};

// ------------------------------------------------------------------ shared yardstick and engine

const SHARED = new URL('../../shared/bench/', import.meta.url);
const sharedFiles = ['workloads.mjs', 'handwritten.mjs', 'handwritten-indexed.mjs'];
const missing = sharedFiles.filter((f) => !existsSync(fileURLToPath(new URL(f, SHARED))));
if (missing.length) {
  console.error(
    `The shared yardstick is missing: expected ${missing.join(', ')} in ${fileURLToPath(SHARED)}\n` +
      'bench/run.mjs needs the shared/ directory cloned beside this repository (../shared/bench/).',
  );
  process.exit(2);
}
// --engine <file> times another build of the engine (e.g. a patched copy) against the same yardstick.
const DIST = args.engine ? pathToFileURL(resolve(args.engine)) : new URL('../dist/index.js', import.meta.url);
if (!existsSync(fileURLToPath(DIST))) {
  console.error(`The engine is not built (${fileURLToPath(DIST)} is missing): run \`npm run build\` first, or use \`npm run bench\`.`);
  process.exit(2);
}

const { WORKLOADS, SCALE_SIZES, SCALE_DEFAULT, canonical } = await import(new URL('workloads.mjs', SHARED).href);
const handwritten = (await import(new URL('handwritten.mjs', SHARED).href)).default;
const handwrittenIndexed = (await import(new URL('handwritten-indexed.mjs', SHARED).href)).default;
const { PolicyEngine } = await import(DIST.href);

const policyText = (name) => readFileSync(new URL(`./policies/${name}`, import.meta.url), 'utf8');

// ------------------------------------------------------------------ timing primitives

const now = process.hrtime.bigint;

/**
 * A fresh timing loop per contender: each `new Function` is its own function with its own
 * type feedback, so the call to `decide` stays monomorphic and no contender pays for sharing a
 * loop with another.
 */
function makeLoops(label) {
  const tag = label.replace(/[^\w-]/g, '_');
  const batch = new Function(
    'decide',
    'inputs',
    'reps',
    'now',
    `// batch loop: ${tag}
    let last;
    const n = inputs.length;
    const t0 = now();
    for (let r = 0; r < reps; r++) for (let i = 0; i < n; i++) last = decide(inputs[i]);
    const t1 = now();
    return [Number(t1 - t0), last];`,
  );
  const latency = new Function(
    'decide',
    'inputs',
    'size',
    'samples',
    'start',
    'now',
    'out',
    'offset',
    `// latency loop: ${tag}
    let last;
    const n = inputs.length;
    let j = start % n;
    for (let s = 0; s < samples; s++) {
      const t0 = now();
      for (let k = 0; k < size; k++) {
        last = decide(inputs[j]);
        if (++j === n) j = 0;
      }
      out[offset + s] = Number(now() - t0);
    }
    return [j, last];`,
  );
  return { batch, latency };
}

/** Median hrtime.bigint() pair cost, subtracted from latency samples. */
function timerOverheadNs() {
  const xs = [];
  for (let i = 0; i < 5000; i++) {
    const t0 = now();
    xs.push(Number(now() - t0));
  }
  return quantile(xs, 0.5);
}

function quantile(xs, q) {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
const median = (xs) => quantile(xs, 0.5);

/**
 * Times contenders interleaved. Each contender: { name, decide }. Returns per contender
 * { rate (median decisions/s), rates[], nsPerDecision[], p50, p99 } plus per-round ratios.
 */
function race(contenders, inputs, timerNs) {
  const n = inputs.length;
  const state = contenders.map((c) => ({ ...c, loops: makeLoops(c.name), reps: 1, nsPer: [], lat: new Float64Array(CFG.latencySamples) }));

  // Warm-up (JIT, caches): half the warm-up per contender, then the other half, measured, to
  // calibrate reps so that one timed batch takes ~batchMs.
  for (const s of state) {
    let spent = 0;
    while (spent < (CFG.warmupMs * 1e6) / 2) spent += s.loops.batch(s.decide, inputs, 1, now)[0];
  }
  for (const s of state) {
    let done = 0;
    let spent = 0;
    while (spent < (CFG.warmupMs * 1e6) / 2) {
      const [ns] = s.loops.batch(s.decide, inputs, 1, now);
      spent += ns;
      done += n;
    }
    const nsPerDecision = spent / done;
    s.reps = Math.max(1, Math.round((CFG.batchMs * 1e6) / (nsPerDecision * n)));
  }

  // Throughput: rounds of one batch per contender; the order rotates every round (A B C, B C A, ...).
  for (let r = 0; r < CFG.rounds; r++) {
    for (let k = 0; k < state.length; k++) {
      const s = state[(r + k) % state.length];
      const [ns] = s.loops.batch(s.decide, inputs, s.reps, now);
      s.nsPer.push(ns / (s.reps * n));
    }
  }

  // Latency: samples of `latencyBatch` consecutive decisions, in interleaved chunks.
  const pos = state.map(() => 0);
  for (let off = 0; off < CFG.latencySamples; off += CFG.latencyChunk) {
    const cnt = Math.min(CFG.latencyChunk, CFG.latencySamples - off);
    state.forEach((s, i) => {
      [pos[i]] = s.loops.latency(s.decide, inputs, CFG.latencyBatch, cnt, pos[i], now, s.lat, off);
    });
  }

  return state.map((s) => {
    const per = Array.from(s.lat, (ns) => Math.max(0, ns - timerNs) / CFG.latencyBatch);
    return {
      name: s.name,
      rate: 1e9 / median(s.nsPer),
      rates: s.nsPer.map((x) => 1e9 / x),
      nsPerDecision: median(s.nsPer),
      p50: quantile(per, 0.5),
      p99: quantile(per, 0.99),
      nsPerRound: s.nsPer,
    };
  });
}

/** Median over rounds of (a's time per decision / b's), paired by round. */
function pairedRatio(a, b) {
  return median(a.nsPerRound.map((x, i) => x / b.nsPerRound[i]));
}

/** addPolicy of `text` in `runs` new Node processes, one timed load each (ms). */
function freshProcessLoads(text, runs) {
  const dir = mkdtempSync(join(os.tmpdir(), 'llmpe-bench-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, text);
  const code = `
    import { readFileSync } from 'node:fs';
    const { PolicyEngine } = await import(${JSON.stringify(DIST.href)});
    const text = readFileSync(${JSON.stringify(file)}, 'utf8');
    const e = new PolicyEngine();
    const t0 = process.hrtime.bigint();
    e.addPolicy(text, { filename: 'scale.yaml' });
    console.log(Number(process.hrtime.bigint() - t0) / 1e6);`;
  const out = [];
  try {
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
      const ms = Number(r.stdout.trim());
      if (r.status !== 0 || !Number.isFinite(ms)) throw new Error(`load in a new process failed: ${r.stderr || r.stdout}`);
      out.push(ms);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

// ------------------------------------------------------------------ agreement

const engineOutcome = (d) => ({ outcome: d.effect, rules: d.matched.filter((m) => m.effect === d.effect).map((m) => m.rule) });

/** Checks every input: baseline vs reference, engine vs reference. Aborts with a diff. */
function checkAgreement(label, inputs, reference, engine, others) {
  let checked = 0;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    const want = canonical(reference(input));
    for (const o of others) {
      const got = canonical(o.decide(input));
      if (got !== want) fail(label, i, input, want, `${o.name}: ${got}`, undefined);
    }
    const d = engine.evaluate(input);
    const got = canonical(engineOutcome(d));
    if (got !== want || d.errors.length) fail(label, i, input, want, `engine: ${got}`, d);
    checked++;
  }
  return checked;
}

function fail(label, i, input, want, got, decision) {
  const prompt =
    typeof input.prompt === 'string' ? { ...input, prompt: `${input.prompt.slice(0, 300)}... (${input.prompt.length} chars)` } : input;
  console.error(`\nDISAGREEMENT in ${label}, input #${i}:`);
  console.error(`  input:     ${JSON.stringify(prompt)}`);
  console.error(`  reference: ${want}`);
  console.error(`  got        ${got}`);
  if (decision) {
    console.error(
      `  engine decision: ${JSON.stringify({ effect: decision.effect, matched: decision.matched, errors: decision.errors }, null, 2).replace(/\n/g, '\n  ')}`,
    );
  }
  if (typeof input.prompt === 'string') console.error(`  full prompt: ${JSON.stringify(input.prompt)}`);
  process.exit(1);
}

// ------------------------------------------------------------------ engine setup

/** An engine with `text` loaded; `codegen: 'never'` runs the closures instead of generated code. */
function loadEngine(text, filename, options = {}) {
  const engine = new PolicyEngine(options);
  engine.addPolicy(text, { filename });
  return engine;
}
const CLOSURES = { codegen: 'never' };

/** A load error that means "a builtin this workload needs is not there yet". */
function missingBuiltin(err) {
  const issue = err?.issues?.find((i) => i.code === 'unknown_function');
  return issue ? issue.message : undefined;
}

function formatError(err) {
  return typeof err?.format === 'function' ? err.format() : String(err?.stack ?? err);
}

// ------------------------------------------------------------------ formatting

function fmtRate(r) {
  if (!Number.isFinite(r)) return '-';
  if (r >= 1e6) return `${(r / 1e6).toFixed(r >= 1e7 ? 1 : 2)}M/s`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(r >= 1e5 ? 0 : 1)}k/s`;
  return `${r.toFixed(0)}/s`;
}
function fmtNs(ns) {
  if (!Number.isFinite(ns)) return '-';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}
const fmtX = (x) => (Number.isFinite(x) ? `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}x` : '-');

function table(headers, rows, align) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (align[i] === 'r' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].map((l) => `  ${l.trimEnd()}`).join('\n');
}

const out = (s = '') => process.stdout.write(`${s}\n`);

// ------------------------------------------------------------------ workloads

const results = {
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  mode: QUICK ? 'quick' : 'full',
  config: CFG,
  date: new Date().toISOString(),
  workloads: {},
  goals: [],
};

const TIMER_NS = timerOverheadNs();

out(`llm-policy-engine benchmark — Node ${process.version}, ${results.platform}, ${results.cpus} CPUs (${results.cpuModel})`);
out(
  `${QUICK ? 'quick' : 'full'} mode: ${CFG.rounds} interleaved rounds of ~${CFG.batchMs} ms batches per contender, ` +
    `latency from ${CFG.latencySamples} samples of ${CFG.latencyBatch} decisions (timer overhead ${TIMER_NS.toFixed(0)} ns subtracted)`,
);
out('ratio = engine time per decision / handwritten time per decision, median of per-round ratios (higher = slower)');
results.machineStart = await reportLoad('at start');

/**
 * Other processes skew absolute figures (ratios less so): measure how busy the CPUs are while this
 * process sleeps for half a second, and say so when they are. (The load average lags by a minute
 * and, under `npm run bench`, still counts the build that just ran.)
 */
async function reportLoad(when) {
  const idleOf = () =>
    os.cpus().reduce((a, c) => ({ idle: a.idle + c.times.idle, total: a.total + Object.values(c.times).reduce((x, y) => x + y, 0) }), {
      idle: 0,
      total: 0,
    });
  const a = idleOf();
  await new Promise((r) => setTimeout(r, 500));
  const b = idleOf();
  const busyPct = b.total > a.total ? 100 * (1 - (b.idle - a.idle) / (b.total - a.total)) : 0;
  const busy = busyPct > 25;
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  out(
    `machine ${when}: other processes used ${busyPct.toFixed(0)}% of the ${results.cpus} CPUs (load average ${load})${busy ? ': busy, absolute figures are unreliable, prefer the ratios' : ''}`,
  );
  return { busyPct, loadavg: os.loadavg() };
}

function contenderRows(res, baseName = 'handwritten') {
  const base = res.find((r) => r.name === baseName);
  return res.map((r) => [r.name, fmtRate(r.rate), fmtNs(r.p50), fmtNs(r.p99), r === base ? '1.00x' : fmtX(pairedRatio(r, base))]);
}
const HEAD = ['contender', 'decisions/s', 'p50', 'p99', 'vs handwritten'];
const ALIGN = ['l', 'r', 'r', 'r', 'r'];

/** Explain cost: evaluate(input, { explain: true }) vs evaluate(input), same inputs. */
function explainCost(engine, inputs) {
  const plain = { name: 'evaluate', decide: (x) => engine.evaluate(x) };
  const opts = { explain: true };
  const explained = { name: 'evaluate+explain', decide: (x) => engine.evaluate(x, opts) };
  const saved = { ...CFG };
  Object.assign(CFG, { rounds: QUICK ? 3 : 7, batchMs: CFG.explainMs / 3, latencySamples: 100 });
  try {
    const [a, b] = race([plain, explained], inputs, TIMER_NS);
    return { plainRate: a.rate, explainRate: b.rate, ratio: pairedRatio(b, a) };
  } finally {
    Object.assign(CFG, saved);
  }
}

async function runGate() {
  const w = WORKLOADS.gate;
  out(`\n${w.title}`);
  const inputs = w.generate(w.inputCount);
  const engine = loadEngine(policyText('gate.yaml'), 'gate.yaml');
  const closures = loadEngine(policyText('gate.yaml'), 'gate.yaml', CLOSURES);
  const base = await handwritten.setup('gate');
  const checked = checkAgreement('W1 gate', inputs, (x) => w.reference(x), engine, [{ name: 'handwritten', decide: base }]);
  checkAgreement('W1 gate (closures)', inputs, (x) => w.reference(x), closures, []);
  out(
    `  agreement: engine = reference on ${checked}/${inputs.length} inputs (bench/policies/gate.yaml; the engine runs ${engine.stats().compiledTo === 'code' ? 'generated code' : 'closures'})`,
  );
  // The decision cache's hit path: the gate policy is pure, so a cached engine answers repeated
  // inputs from the LRU (the key is a canonical rendering of the input paths the policy reads).
  const cached = new PolicyEngine({ cache: { max: 4096 } });
  cached.addPolicy(policyText('gate.yaml'), { filename: 'gate.yaml' });
  checkAgreement('W1 gate (decision cache)', inputs, (x) => w.reference(x), cached, []);
  const res = race(
    [
      { name: 'engine', decide: (x) => engine.evaluate(x) },
      { name: 'engine (closures)', decide: (x) => closures.evaluate(x) },
      { name: 'engine + cache (hits)', decide: (x) => cached.evaluate(x) },
      { name: 'handwritten', decide: base },
    ],
    inputs,
    TIMER_NS,
  );
  out(table(HEAD, contenderRows(res), ALIGN));
  const ratio = pairedRatio(res[0], res[3]);
  const ratioClosures = pairedRatio(res[1], res[3]);
  const cacheStats = cached.stats().cache;
  out(
    `  decision cache: ${cacheStats.hits} hits, ${cacheStats.misses} misses; the hit path is ${fmtX(pairedRatio(res[2], res[0]))} the uncached cost`,
  );
  const ex = explainCost(engine, inputs);
  out(
    `  explain: evaluate(input, { explain: true }) ${fmtRate(ex.explainRate)} vs ${fmtRate(ex.plainRate)} without (${fmtX(ex.ratio)} the cost)`,
  );
  results.workloads.gate = { inputs: inputs.length, agreement: checked, contenders: res.map(strip), ratio, ratioClosures, explain: ex };
  results.goals.push({ goal: 'W1 gate within 3x of the handwritten baseline', value: `${fmtX(ratio)}`, pass: ratio <= 3 });
}

async function runScale() {
  const w = WORKLOADS.scale;
  out(`\n${w.title}`);
  const per = {};
  const rows = [];
  for (const n of SCALE_SIZES) {
    const params = { rules: n };
    const inputs = w.generate(w.inputCount, undefined, params);
    const text = scalePolicy(n);
    const engine = loadEngine(text, `scale-${n}.yaml`);
    const closures = loadEngine(text, `scale-${n}.yaml`, CLOSURES);
    const base = await handwritten.setup('scale', params);
    const indexed = await handwrittenIndexed.setup('scale', params);
    const checked = checkAgreement(`W2 scale N=${n}`, inputs, (x) => w.reference(x, params), engine, [
      { name: 'handwritten', decide: base },
      { name: 'handwritten-indexed', decide: indexed },
    ]);
    checkAgreement(`W2 scale N=${n} (closures)`, inputs, (x) => w.reference(x, params), closures, []);
    const res = race(
      [
        { name: 'engine', decide: (x) => engine.evaluate(x) },
        { name: 'engine (closures)', decide: (x) => closures.evaluate(x) },
        { name: 'handwritten', decide: base },
        { name: 'handwritten-indexed', decide: indexed },
      ],
      inputs,
      TIMER_NS,
    );
    const [e, , b, ix] = res;
    per[n] = {
      inputs: inputs.length,
      agreement: checked,
      contenders: res.map(strip),
      ratio: pairedRatio(e, b),
      ratioIndexed: pairedRatio(e, ix),
    };
    for (const r of res)
      rows.push([
        n.toLocaleString('en-US'),
        r.name,
        fmtRate(r.rate),
        fmtNs(r.p50),
        fmtNs(r.p99),
        r === b ? '1.00x' : fmtX(pairedRatio(r, b)),
      ]);
    out(
      `  N=${n.toLocaleString('en-US')}: agreement ${checked}/${inputs.length}, engine ${fmtRate(e.rate)}, ${fmtX(per[n].ratio)} vs handwritten`,
    );
  }
  out(table(['rules', 'contender', 'decisions/s', 'p50', 'p99', 'vs handwritten'], rows, ['r', 'l', 'r', 'r', 'r', 'r']));

  const lo = SCALE_SIZES[0];
  const hi = SCALE_SIZES[SCALE_SIZES.length - 1];
  const growth = (name) => {
    const a = per[lo].contenders.find((c) => c.name === name);
    const z = per[hi].contenders.find((c) => c.name === name);
    return z.nsPerDecision / a.nsPerDecision;
  };
  const g = { engine: growth('engine'), handwritten: growth('handwritten'), 'handwritten-indexed': growth('handwritten-indexed') };
  out(
    `  growth ${lo} -> ${hi.toLocaleString('en-US')} rules (time per decision): engine ${fmtX(g.engine)}, handwritten ${fmtX(g.handwritten)}, handwritten-indexed ${fmtX(g['handwritten-indexed'])}`,
  );

  // Load time of the 1,000-rule policy: addPolicy on a fresh engine. (No forced gc() between runs:
  // a full collection also drops compiled code and shrinks the heap, which makes the next load
  // several times slower than any real one.)
  const text = scalePolicy(SCALE_DEFAULT);
  const loads = [];
  for (let i = 0; i < CFG.loadRuns; i++) {
    const e = new PolicyEngine();
    const t0 = now();
    e.addPolicy(text, { filename: 'scale-1000.yaml' });
    loads.push(Number(now() - t0) / 1e6);
  }
  // And in a new process each time: the loader itself not yet compiled by the JIT, as at a cold start.
  const fresh = freshProcessLoads(text, CFG.freshRuns);
  const load = {
    medianMs: median(loads),
    minMs: Math.min(...loads),
    maxMs: Math.max(...loads),
    runs: loads.length,
    freshProcessMedianMs: fresh.length ? median(fresh) : undefined,
    freshProcessMs: fresh,
    bytes: text.length,
  };
  out(
    `  load, ${SCALE_DEFAULT.toLocaleString('en-US')}-rule policy (${(text.length / 1024).toFixed(0)} KB YAML, addPolicy on a fresh engine): ` +
      `median ${load.medianMs.toFixed(1)} ms over ${load.runs} runs (min ${load.minMs.toFixed(1)}, max ${load.maxMs.toFixed(1)})` +
      (fresh.length ? `; in a new process (cold JIT) median ${load.freshProcessMedianMs.toFixed(1)} ms over ${fresh.length}` : ''),
  );

  // Load time against text size (issue: linear, with a stated constant): one policy of n rules,
  // and n one-rule policies in one text (a document each), 16x apart. Median of 3 each.
  const scaling = [];
  for (const [shape, make] of [
    ['rules in one policy', (n) => scalePolicy(n)],
    [
      'one-rule documents',
      (n) => Array.from({ length: n }, (_, i) => scalePolicy(1).replace('name: scale-1', `name: doc-${i}`)).join('---\n'),
    ],
  ]) {
    for (const n of QUICK ? [500, 2_000] : [1_000, 4_000, 16_000]) {
      const text = make(n);
      const ms = [];
      for (let i = 0; i < 3; i++) {
        const e = new PolicyEngine();
        const t0 = now();
        e.addPolicy(text);
        ms.push(Number(now() - t0) / 1e6);
      }
      scaling.push({ shape, n, kb: text.length / 1024, ms: median(ms), usPerKb: (median(ms) * 1000) / (text.length / 1024) });
    }
  }
  out('  load time against text size (addPolicy, median of 3):');
  for (const r of scaling) {
    out(
      `    ${r.shape.padEnd(20)} n=${r.n.toLocaleString('en-US').padStart(6)}  ${r.kb.toFixed(0).padStart(5)} KB  ${r.ms.toFixed(1).padStart(7)} ms  ${r.usPerKb.toFixed(0).padStart(5)} µs/KB`,
    );
  }
  const perKb = (shape) => scaling.filter((r) => r.shape === shape).map((r) => r.usPerKb);
  const loadGrowth = Math.max(...['rules in one policy', 'one-rule documents'].map((sh) => perKb(sh).at(-1) / perKb(sh)[0]));
  out(`    per-KB cost, largest over smallest: ${fmtX(loadGrowth)} (linear: ~1x)`);
  load.scaling = scaling;

  // Explain cost at 1,000 rules (explain tries every rule: the trace lists them).
  const e1k = loadEngine(text, 'scale-1000.yaml');
  const ex = explainCost(e1k, w.generate(w.inputCount, undefined, { rules: SCALE_DEFAULT }));
  out(
    `  explain (N=1,000): evaluate(input, { explain: true }) ${fmtRate(ex.explainRate)} vs ${fmtRate(ex.plainRate)} without (${fmtX(ex.ratio)} the cost)`,
  );

  results.workloads.scale = { sizes: per, growth: g, load, explain1000: ex };
  results.goals.push({
    goal: `W2 engine grows less than 2x from ${lo} to ${hi.toLocaleString('en-US')} rules`,
    value: fmtX(g.engine),
    pass: g.engine < 2,
  });
  results.goals.push({
    goal: 'load time linear in the text: per-KB cost grows less than 1.5x over 16x the text',
    value: fmtX(loadGrowth),
    pass: loadGrowth < 1.5,
  });
  results.goals.push({
    goal: `cold load of the ${SCALE_DEFAULT.toLocaleString('en-US')}-rule policy under 50 ms`,
    value: `${load.medianMs.toFixed(1)} ms`,
    pass: load.medianMs < 50,
  });
}

async function runText() {
  const w = WORKLOADS.text;
  out(`\n${w.title}`);
  let engine;
  try {
    engine = loadEngine(policyText('text.yaml'), 'text.yaml');
  } catch (err) {
    const why = missingBuiltin(err);
    if (!why) {
      console.error(`bench/policies/text.yaml does not load:\n${formatError(err)}`);
      process.exit(1);
    }
    out(`  WAITING: bench/policies/text.yaml needs a builtin the engine lacks (${why}); W3 not measured.`);
    results.workloads.text = { waiting: why };
    const fn = (/`([^`]+)`/.exec(why)?.[1] ?? why).split('.').pop();
    results.goals.push({ goal: 'W3 text within 1.3x of the handwritten baseline', value: `needs ${fn}()`, pass: null });
    return;
  }
  const inputs = w.generate(w.inputCount);
  const base = await handwritten.setup('text');
  const checked = checkAgreement('W3 text', inputs, (x) => w.reference(x), engine, [{ name: 'handwritten', decide: base }]);
  out(`  agreement: engine = reference on ${checked}/${inputs.length} inputs (bench/policies/text.yaml)`);
  const closures = loadEngine(policyText('text.yaml'), 'text.yaml', CLOSURES);
  checkAgreement('W3 text (closures)', inputs, (x) => w.reference(x), closures, []);
  const contenders = [{ name: 'engine (re2js)', decide: (x) => engine.evaluate(x) }];

  // The Node entry (`llm-policy-engine/node`) installs the native `re2` addon as the regex engine
  // when it loads. Patterns are compiled when a policy loads, so the engine above keeps re2js.
  const nodeEntry = new URL('node.js', DIST);
  let nodeEngine;
  let backend;
  if (existsSync(fileURLToPath(nodeEntry))) {
    let node;
    try {
      node = await import(nodeEntry.href);
    } catch (err) {
      out(`  llm-policy-engine/node did not load (${err.message}); only re2js measured`);
    }
    backend = node?.regexBackend?.();
    if (backend?.name === 're2') {
      nodeEngine = new node.PolicyEngine();
      nodeEngine.addPolicy(policyText('text.yaml'), { filename: 'text.yaml' });
      const checkedNode = checkAgreement('W3 text (node entry, native re2)', inputs, (x) => w.reference(x), nodeEngine, []);
      out(`  agreement: engine from llm-policy-engine/node (native re2) = reference on ${checkedNode}/${inputs.length} inputs`);
      contenders.push({ name: 'engine/node (re2)', decide: (x) => nodeEngine.evaluate(x) });
    } else if (node) {
      out(`  llm-policy-engine/node: the native re2 addon did not load (${backend?.reason ?? 'no regexBackend()'}); only re2js measured`);
    }
  }
  // The same checks written with pii.* and injection.* (bench/policies/text-llm.yaml): not the
  // reference's semantics (validators, normalization), so agreement is reported, not required.
  let llmEngine;
  try {
    llmEngine = loadEngine(policyText('text-llm.yaml'), 'text-llm.yaml');
  } catch (err) {
    out(`  text-llm.yaml does not load (${missingBuiltin(err) ?? err.message}); pii.*/injection.* not measured`);
  }
  if (llmEngine) {
    let same = 0;
    for (const x of inputs) {
      const d = llmEngine.evaluate(x);
      const mine = canonical({ outcome: d.effect, rules: d.matched.filter((m) => m.effect === d.effect).map((m) => m.rule) });
      if (mine === canonical(w.reference(x))) same++;
    }
    out(
      `  pii.*/injection.* (bench/policies/text-llm.yaml): same decision as the reference on ${same}/${inputs.length} inputs (different semantics by design)`,
    );
    // pii.* and injection.* memoize per text, and the timed loop repeats the same 256 prompts,
    // so it measures memo hits; a prompt never seen before costs one full scan:
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < (QUICK ? 2 : 8); r++) for (const x of inputs) llmEngine.evaluate({ prompt: `${x.prompt} ${r}` });
    const firstUs = Number(process.hrtime.bigint() - t0) / ((QUICK ? 2 : 8) * inputs.length) / 1000;
    out(
      `  pii.*/injection.* on prompts never seen before (no memo): ${firstUs.toFixed(1)} µs per decision; the table's row below is memo hits`,
    );
    contenders.push({ name: 'engine (pii.*, injection.*)', decide: (x) => llmEngine.evaluate(x) });
  }
  // Regex work is what a decision cache saves: the text policy is pure, so repeated prompts hit.
  const cachedText = new PolicyEngine({ cache: { max: 1024 } });
  cachedText.addPolicy(policyText('text.yaml'), { filename: 'text.yaml' });
  checkAgreement('W3 text (decision cache)', inputs, (x) => w.reference(x), cachedText, []);
  contenders.push({ name: 'engine (re2js) + cache (hits)', decide: (x) => cachedText.evaluate(x) });
  contenders.push({ name: 'engine (re2js), closures', decide: (x) => closures.evaluate(x) });
  contenders.push({ name: 'handwritten', decide: base });
  const res = race(contenders, inputs, TIMER_NS);
  out(table(HEAD, contenderRows(res), ALIGN));
  const hw = res[res.length - 1];
  const ratio = pairedRatio(res[0], hw);
  const ratioNode = nodeEngine ? pairedRatio(res[1], hw) : undefined;
  results.workloads.text = {
    inputs: inputs.length,
    agreement: checked,
    contenders: res.map(strip),
    ratio,
    ratioNode,
    nodeBackend: backend,
  };
  results.goals.push({
    goal: 'W3 text within 1.3x of the handwritten baseline (main entry: V8 RegExp where proven linear, re2js otherwise)',
    value: fmtX(ratio),
    pass: ratio <= 1.3,
  });
  if (ratioNode !== undefined)
    results.goals.push({
      goal: 'W3 text within 1.3x, llm-policy-engine/node (native re2 otherwise)',
      value: fmtX(ratioNode),
      pass: ratioNode <= 1.3,
    });
}

function strip(r) {
  return { name: r.name, rate: r.rate, nsPerDecision: r.nsPerDecision, p50Ns: r.p50, p99Ns: r.p99, ratesPerRound: r.rates };
}

const t0 = Date.now();
try {
  if (selected.includes('gate')) await runGate();
  if (selected.includes('scale')) await runScale();
  if (selected.includes('text')) await runText();
} catch (err) {
  console.error(`\nThe benchmark failed:\n${formatError(err)}`);
  process.exit(1);
}

out('\nGoals');
out(
  table(
    ['goal', 'measured', 'status'],
    results.goals.map((g) => [g.goal, g.value, g.pass === null ? 'WAITING' : g.pass ? 'met' : 'NOT MET']),
    ['l', 'r', 'l'],
  ),
);
out('');
results.machineEnd = await reportLoad('at end');
out(`(${((Date.now() - t0) / 1000).toFixed(0)} s)`);

if (args.json) {
  writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
  out(`wrote ${args.json}`);
}
