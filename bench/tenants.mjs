#!/usr/bin/env node
// What a decision for one tenant costs as tenants are added (docs/lifecycle.md#tenants). Each
// tenant has one policy of 10 rules in its own namespace; one shared policy (namespace
// `default`) applies to all. `evaluate(input, { tenant })` runs the shared namespace and that
// tenant's only, so the time per decision should not grow with the number of tenants.
//
//   one tenant                    an engine holding the shared policy and 1 tenant
//   1,000 tenants, one's traffic  an engine holding the shared policy and 1,000 tenants,
//                                 deciding for one of them: the same work, among more policies
//   1,000 tenants, traffic of all the same engine, the tenant of each decision taken in turn
//                                 from all 1,000: the same work per decision, but each touches
//                                 another tenant's policies (colder CPU caches and JIT feedback)
//   (no tenant)                   the 1,000-tenant engine without `tenant`: every namespace
//                                 decides, O(all); for scale
//
//   npm run bench:tenants               # builds, then the run
//   node bench/tenants.mjs --quick      # fewer, shorter rounds
//   node bench/tenants.mjs --tenants 5000 --dist /tmp/other-build
//
// Rounds alternate the contenders; each figure is the median over rounds of ns per decision.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    tenants: { type: 'string', default: '1000' },
    rounds: { type: 'string' },
    dist: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log('usage: node bench/tenants.mjs [--quick] [--tenants N] [--rounds N] [--dist DIR (a build with index.js, default dist/)]');
  process.exit(0);
}
const DIST = args.dist ? pathToFileURL(`${resolve(args.dist)}/`) : new URL('../dist/', import.meta.url);
const { PolicyEngine } = await import(new URL('index.js', DIST).href);

const TENANTS = Number(args.tenants);
const ROUNDS = Number(args.rounds ?? (args.quick ? 5 : 15));
const PER_ROUND = args.quick ? 20_000 : 100_000;

const SHARED = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: shared }
spec:
  rules:
    - { id: blocked-model, when: "request.model in ['bad-1', 'bad-2']", effect: deny }
    - { id: huge, when: "request.max_tokens > 100000", effect: deny }
`;

/** A tenant's policy: 10 rules on the model and the token count, as a gateway tenant might write. */
function tenantPolicy(t) {
  const rules = Array.from(
    { length: 10 },
    (_, k) =>
      `    - { id: r${k}, when: "request.model == 'm${k}' && request.max_tokens > ${(k + 1) * 1000}", effect: deny, message: "t${t}: m${k} over ${(k + 1) * 1000}" }`,
  );
  return `apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: limits, namespace: t${t} }\nspec:\n  rules:\n${rules.join('\n')}\n`;
}

function engineOf(n) {
  const e = new PolicyEngine();
  const files = [{ text: SHARED, filename: 'shared.yaml' }];
  for (let t = 0; t < n; t++) files.push({ text: tenantPolicy(t), filename: `t${t}.yaml` });
  const started = performance.now();
  e.setPolicies(files);
  return { engine: e, loadMs: performance.now() - started };
}

const inputs = Array.from({ length: 64 }, (_, i) => ({
  user: { id: `u${i}` },
  request: { model: `m${i % 12}`, max_tokens: (i * 997) % 12_000 },
}));

const one = engineOf(1);
const many = engineOf(TENANTS);
const tenantNames = Array.from({ length: TENANTS }, (_, t) => `t${t}`);

// sanity: the 1,000-tenant engine decides each tenant by its own rules
for (let t = 0; t < TENANTS; t += Math.max(1, Math.floor(TENANTS / 50))) {
  const d = many.engine.evaluate({ request: { model: 'm0', max_tokens: 5000 } }, { tenant: `t${t}` });
  if (d.matched.length !== 1 || d.matched[0].namespace !== `t${t}`) throw new Error(`tenant t${t} decided by ${JSON.stringify(d.matched)}`);
}

let sink = 0;
const timed = (e, tenantOf) => () => {
  const start = performance.now();
  for (let i = 0; i < PER_ROUND; i++) sink += e.evaluate(inputs[i & 63], { tenant: tenantOf(i) }).matched.length;
  return performance.now() - start;
};
const many_ = `${TENANTS.toLocaleString('en')} tenants`;
const contenders = {
  'one tenant': timed(one.engine, () => 't0'),
  [`${many_}, one tenant's traffic`]: timed(many.engine, () => 't0'),
  [`${many_}, traffic of all`]: timed(many.engine, (i) => tenantNames[i % TENANTS]),
  '(no tenant: every namespace)': () => {
    const e = many.engine;
    const n = Math.max(1, Math.floor(PER_ROUND / 1000));
    const start = performance.now();
    for (let i = 0; i < n; i++) sink += e.evaluate(inputs[i & 63]).matched.length;
    return ((performance.now() - start) * PER_ROUND) / n;
  },
};

const times = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
for (const f of Object.values(contenders)) f(); // warm up
for (let r = 0; r < ROUNDS; r++) for (const [k, f] of Object.entries(contenders)) times[k].push(f());

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const ns = (ms) => ((ms * 1e6) / PER_ROUND).toFixed(0);

console.log(
  `node ${process.version}, ${ROUNDS} rounds of ${PER_ROUND.toLocaleString('en')} decisions, compiled to ${many.engine.stats().compiledTo}`,
);
console.log(`load: 1 tenant ${one.loadMs.toFixed(1)} ms, ${TENANTS.toLocaleString('en')} tenants ${many.loadMs.toFixed(0)} ms`);
console.log('');
console.log('contender                          ns/decision');
for (const [k, xs] of Object.entries(times)) console.log(`${k.padEnd(34)} ${ns(median(xs)).padStart(11)}`);
const names = Object.keys(times);
console.log('');
for (const k of names.slice(1, 3)) console.log(`${k} / one tenant: ${(median(times[k]) / median(times[names[0]])).toFixed(2)}x`);
if (sink === -1) console.log(sink);
