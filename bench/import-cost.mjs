#!/usr/bin/env node
// Where an import of the main entry spends its time: each dist chunk the entry reaches,
// imported on its own in dependency order (leaves first, so each import pays for its own
// parsing and evaluation only), in fresh processes; median wall and CPU ms per chunk, with the
// source modules it holds (from its source map). The companion of bench/cold-start.mjs.
//
//   npm run build && node bench/import-cost.mjs [--entry index.js] [--runs 5] [--top 12]
//
// The first chunks evaluated also pay for warming the module loader up; compare runs of the
// same build, not single chunks across builds.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    entry: { type: 'string', default: 'index.js' },
    runs: { type: 'string', default: '5' },
    top: { type: 'string', default: '12' },
  },
  strict: true,
});
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
if (!existsSync(`${dist}${args.entry}`)) {
  console.error(`dist/${args.entry} is missing: run \`npm run build\` first`);
  process.exit(2);
}

/** The chunks `entry` reaches, leaves first. */
function chunks(entry) {
  const order = [];
  const seen = new Set();
  const visit = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const m of readFileSync(`${dist}${f}`, 'utf8').matchAll(/(?:from|import)\s*['"]\.\/([\w.-]+\.js)['"]/g)) visit(m[1]);
    order.push(f);
  };
  visit(entry);
  return order;
}

const order = chunks(args.entry);
const child = `
  const dist = ${JSON.stringify(dist)};
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const out = {};
  for (const f of ${JSON.stringify(order)}) {
    const c = cpu(); const t = performance.now();
    await import(dist + f);
    out[f] = [performance.now() - t, cpu() - c];
  }
  console.log(JSON.stringify(out));`;
const runs = [];
for (let i = 0; i < Number(args.runs); i++) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  runs.push(JSON.parse(r.stdout));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The source modules a chunk holds, largest first (from its source map). */
function sources(f) {
  try {
    const map = JSON.parse(readFileSync(`${dist}${f}.map`, 'utf8'));
    return map.sources
      .map((s, i) => [s.replace(/^(\.\.\/)+/, '').replace(/^node_modules\/([^/]+)\/.*/, '$1'), map.sourcesContent?.[i]?.length ?? 0])
      .sort((a, b) => b[1] - a[1]);
  } catch {
    return [];
  }
}

const rows = order.map((f) => ({
  f,
  wall: median(runs.map((r) => r[f][0])),
  cpu: median(runs.map((r) => r[f][1])),
  kb: statSync(`${dist}${f}`).size / 1024,
}));
const total = (k) => median(runs.map((r) => Object.values(r).reduce((s, x) => s + x[k === 'wall' ? 0 : 1], 0)));
console.log(
  `dist/${args.entry}: ${order.length} chunks, ${rows.reduce((s, r) => s + r.kb, 0).toFixed(0)} KB; median of ${args.runs} fresh processes`,
);
console.log(`${'cpu ms'.padStart(8)} ${'wall ms'.padStart(8)} ${'KB'.padStart(6)}  chunk: its largest modules`);
for (const r of rows.sort((a, b) => b.cpu - a.cpu).slice(0, Number(args.top))) {
  const mods = [...new Set(sources(r.f).map(([s]) => s))].slice(0, 4).join(', ');
  console.log(`${r.cpu.toFixed(1).padStart(8)} ${r.wall.toFixed(1).padStart(8)} ${r.kb.toFixed(0).padStart(6)}  ${r.f}: ${mods}`);
}
console.log(`${total('cpu').toFixed(1).padStart(8)} ${total('wall').toFixed(1).padStart(8)}  in all`);
