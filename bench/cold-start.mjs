#!/usr/bin/env node
// Cold start, as a new serverless instance sees it: in a fresh Node process each time, the
// time to import the main entry, to construct the engine and load the W1 policy (addPolicy from YAML, or loadCompiled
// of a module `llm-policy build` wrote), and to make the first decision; and the same with the
// `llm-policy-engine/runtime` entry, which only loads prebuilt modules. Median of 7 processes
// (3 with --quick), with @marcbachmann/cel-js's setup for comparison when it is installed.
//
//   npm run bench:cold                 # builds, then measures (~10-30 s)
//   node bench/cold-start.mjs --quick
//   node bench/cold-start.mjs --json out.json
//
// Each process times itself with performance.now(); the process start (Node's own boot, ~40 ms)
// is not counted, as a serverless platform's figure for "init" does not include it either.
// Beside wall time it records the process's CPU time over the same span (process.cpuUsage,
// all threads): on a busy machine wall time also counts the time the process waited for a
// core, CPU time does not, so it is the steadier figure to compare runs by.

import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' }, runs: { type: 'string' } },
  strict: true,
});
const RUNS = args.runs ? Math.max(1, Number(args.runs)) : args.quick ? 3 : 7;
const DIST = new URL('../dist/index.js', import.meta.url);
const RUNTIME = new URL('../dist/runtime.js', import.meta.url);
if (!existsSync(fileURLToPath(DIST))) {
  console.error('The engine is not built (dist/index.js is missing): run `npm run build` first, or use `npm run bench:cold`.');
  process.exit(2);
}
const GATE = new URL('./policies/gate.yaml', import.meta.url);
const INPUT = {
  user: { id: 'u1', tier: 'free', team: 'team-1', roles: ['member'] },
  request: { model: 'gpt-4o', max_tokens: 512, temperature: 0.7, input_tokens: 1200, messages_count: 4 },
  budget: { spent_usd: 1, limit_usd: 25 },
};

// inside the project, so that the scripts resolve installed packages (cel-js) as an app would
const cache = fileURLToPath(new URL('../node_modules/.cache/', import.meta.url));
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'llmpe-cold-'));
const prebuilt = join(dir, 'gate.gen.mjs');
const empty = join(dir, 'empty.mjs');
writeFileSync(empty, 'export {};\n');
// The /runtime entry as an edge deploy ships it: wrangler and Vercel bundle the app into one
// script, so the entry's chunks are one file there (dist/ splits it into files shared with the
// other entries, and each file costs Node's module loader ~1.5 ms).
const runtimeBundle = join(dir, 'runtime-bundle.mjs');
await build({
  stdin: { contents: `export { PolicyEngine } from ${JSON.stringify(fileURLToPath(RUNTIME))};`, resolveDir: dir, loader: 'js' },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'],
  outfile: runtimeBundle,
  logLevel: 'silent',
});
// The same with the function families an edge policy of PII, token, regex and cost rules calls
// (what `llm-policy build` prints for it), given to its engine: the families' code is parsed at
// import and their declarations registered by the constructor.
const familiesBundle = join(dir, 'families-bundle.mjs');
const fam = (f) => JSON.stringify(fileURLToPath(new URL(`../dist/functions/${f}.js`, import.meta.url)));
await build({
  stdin: {
    contents: `import { PolicyEngine as Runtime } from ${JSON.stringify(fileURLToPath(RUNTIME))};
import { stdLibrary } from ${fam('cel')};
import { llmLibrary } from ${fam('llm')};
import { piiLibrary } from ${fam('pii')};
export class PolicyEngine extends Runtime { constructor() { super({ functions: [...stdLibrary, ...llmLibrary, ...piiLibrary] }); } }`,
    resolveDir: dir,
    loader: 'js',
  },
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'],
  outfile: familiesBundle,
  logLevel: 'silent',
});
{
  const { PolicyEngine } = await import(DIST.href);
  const e = new PolicyEngine();
  e.addPolicy(readFileSync(GATE, 'utf8'), { filename: 'gate.yaml' });
  writeFileSync(prebuilt, e.compileToModule());
}

/** The script one fresh process runs: prints {import, load, first} in ms. */
function script(kind, entry = DIST) {
  const load =
    kind === 'prebuilt'
      ? `const mod = await import(${JSON.stringify(new URL(`file://${prebuilt}`).href)}); const t2 = performance.now(); e.loadCompiled(mod);`
      : `const text = readFileSync(${JSON.stringify(fileURLToPath(GATE))}, 'utf8'); const t2 = performance.now(); e.addPolicy(text, { filename: 'gate.yaml' });`;
  return `
    import { readFileSync } from 'node:fs';
    const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const c0 = cpu();
    const t0 = performance.now();
    const { PolicyEngine } = await import(${JSON.stringify(entry.href)});
    const t1 = performance.now();
    const e = new PolicyEngine();
    const tc = performance.now();
    ${load}
    const t3 = performance.now();
    const d = e.evaluate(${JSON.stringify(INPUT)});
    const t4 = performance.now();
    const c4 = cpu();
    if (d.effect !== 'deny') throw new Error('unexpected decision ' + d.effect);
    console.log(JSON.stringify({ import: t1 - t0, load: tc - t1 + (t3 - t2), first: t4 - t3, cpu: c4 - c0, compiledTo: e.stats().compiledTo }));`;
}

/** Node's own floor: the same timing around the import of an empty module (load and first are 0). */
function emptyScript() {
  return `
    const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const c0 = cpu();
    const t0 = performance.now();
    await import(${JSON.stringify(new URL(`file://${empty}`).href)});
    const t1 = performance.now();
    console.log(JSON.stringify({ import: t1 - t0, load: 0, first: 0, cpu: cpu() - c0 }));`;
}

/** cel-js: import, compile the W1 conditions, first evaluation (when the package is installed). */
const CEL_JS = `
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const c0 = cpu();
  const t0 = performance.now();
  const cel = await import('@marcbachmann/cel-js');
  const t1 = performance.now();
  const env = new cel.Environment();
  const f = env.parse("user.tier in ['free', 'pro'] && !(request.model in ['gpt-4o-mini']) || request.max_tokens > 4096 || budget.spent_usd > budget.limit_usd || 'suspended' in user.roles || request.temperature > 1.5 || request.messages_count > 50");
  const t3 = performance.now();
  f(${JSON.stringify(INPUT)});
  const t4 = performance.now();
  const c4 = cpu();
  console.log(JSON.stringify({ import: t1 - t0, load: t3 - t1, first: t4 - t3, cpu: c4 - c0 }));`;

// The script runs as the process's main module from a file, as an app's entry does (`node -e`
// would add ~5 ms of the ES module loader's own start-up to the first import, which a real app
// pays before its code runs).
let scripts = 0;
function fresh(code, extraArgs = []) {
  const file = join(dir, `script-${scripts++}.mjs`);
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [...extraArgs, file], {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  if (r.status !== 0) return { error: (r.stderr || r.stdout).split('\n').find((l) => l.trim()) ?? `exit ${r.status}` };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function measure(name, code, extraArgs) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = fresh(code, extraArgs);
    if (r.error) return { name, error: r.error };
    runs.push(r);
  }
  const m = (k) => median(runs.map((r) => r[k]));
  return {
    name,
    import: m('import'),
    load: m('load'),
    first: m('first'),
    total: median(runs.map((r) => r.import + r.load + r.first)),
    cpu: median(runs.map((r) => r.cpu)),
    compiledTo: runs[0].compiledTo,
    runs,
  };
}

const load = os.loadavg();
console.log(
  `cold start — Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), load average ${load.map((x) => x.toFixed(2)).join(' ')}`,
);
console.log(
  `median of ${RUNS} fresh processes each; ms from \`await import()\` of the entry to the first decision (W1 gate policy; load counts \`new PolicyEngine()\` too; the prebuilt module's own import is not counted)`,
);
const rows = [
  measure('addPolicy (YAML), generated code', script('yaml')),
  measure('addPolicy (YAML), closures', script('yaml'), ['--disallow-code-generation-from-strings']),
  measure('loadCompiled (llm-policy build)', script('prebuilt')),
  measure('loadCompiled, no code generation', script('prebuilt'), ['--disallow-code-generation-from-strings']),
  measure('/runtime entry: loadCompiled', script('prebuilt', RUNTIME)),
  measure('/runtime entry, no code generation', script('prebuilt', RUNTIME), ['--disallow-code-generation-from-strings']),
  measure('/runtime entry bundled (one file, as on the edge)', script('prebuilt', new URL(`file://${runtimeBundle}`))),
  measure('  the same with the cel, llm and pii families', script('prebuilt', new URL(`file://${familiesBundle}`))),
  measure('(an empty ES module: the floor)', emptyScript()),
];
const celJs = fresh(CEL_JS);
if (!celJs.error) rows.push(measure('@marcbachmann/cel-js (parse the W1 conditions)', CEL_JS));
rmSync(dir, { recursive: true, force: true });

const fmt = (x) => (x === undefined ? '-' : `${x.toFixed(1)} ms`);
const w = Math.max(...rows.map((r) => r.name.length));
console.log(
  `  ${'contender'.padEnd(w)}  ${'import'.padStart(9)}  ${'load'.padStart(9)}  ${'first'.padStart(9)}  ${'total'.padStart(9)}  ${'cpu'.padStart(9)}  runs as`,
);
for (const r of rows) {
  if (r.error) console.log(`  ${r.name.padEnd(w)}  failed: ${r.error}`);
  else
    console.log(
      `  ${r.name.padEnd(w)}  ${fmt(r.import).padStart(9)}  ${fmt(r.load).padStart(9)}  ${fmt(r.first).padStart(9)}  ${fmt(r.total).padStart(9)}  ${fmt(r.cpu).padStart(9)}  ${r.compiledTo ?? ''}`,
    );
}
const yaml = rows[0];
const pre = rows[2];
const lean = rows[4];
const bundled = rows[6];
const goals = [
  { goal: 'import + addPolicy + first decision under 15 ms', value: yaml.total, cpu: yaml.cpu, pass: yaml.total <= 15 },
  { goal: 'import + loadCompiled + first decision under 5 ms', value: pre.total, cpu: pre.cpu, pass: pre.total <= 5 },
  { goal: '  the same with the /runtime entry', value: lean.total, cpu: lean.cpu, pass: lean.total <= 5 },
  { goal: '  the same, /runtime bundled into one file', value: bundled.total, cpu: bundled.cpu, pass: bundled.total <= 5 },
];
console.log('\nGoals (wall time; CPU time beside it)');
for (const g of goals)
  console.log(`  ${g.goal.padEnd(52)} ${fmt(g.value).padStart(9)}  ${g.pass ? 'met' : 'NOT MET'}  (cpu ${fmt(g.cpu)})`);
if (load[0] > os.cpus().length)
  console.log(`(the machine was busy: load average ${load[0].toFixed(2)} on ${os.cpus().length} CPUs; absolute times are inflated)`);
if (args.json) writeFileSync(args.json, `${JSON.stringify({ node: process.version, loadavg: load, runs: RUNS, rows, goals }, null, 2)}\n`);
