// A gateway assembled from library templates: loads the policies that examples/gateway.test.yaml
// names (from examples/policies) and prints the decision for each of its cases. Run with
// `npm run demo` (it builds the package first); `llm-policy test examples` checks the same cases.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { PolicyEngine, PolicyError } from '../dist/index.js';

const suiteUrl = new URL('./gateway.test.yaml', import.meta.url);
const suite = parse(readFileSync(suiteUrl, 'utf8'));
const engine = new PolicyEngine();
try {
  engine.setPolicies(suite.policies.map((p) => ({ text: readFileSync(new URL(p, suiteUrl), 'utf8'), filename: `examples/${p}` })));
} catch (e) {
  if (e instanceof PolicyError) {
    console.error(e.format());
    process.exit(2);
  }
  throw e;
}

console.log(
  `${suite.description}\nloaded ${engine
    .policies()
    .map((p) => `${p.name} (${p.rules} rules)`)
    .join(', ')}\n`,
);
// At most three lines of each kind: a malformed input fails every rule of every policy.
const lines = (label, items) => {
  for (const x of items.slice(0, 3)) console.log(`      ${label}: ${x}`);
  if (items.length > 3) console.log(`      ... and ${items.length - 3} more`);
};
for (const c of suite.cases) {
  const d = engine.evaluate(c.input);
  console.log(`${d.effect.toUpperCase().padEnd(5)} ${c.name}`);
  lines('reason', d.reasons);
  lines(
    'matched',
    d.matched.map((m) => `${m.policy}/${m.rule} (${m.effect})`),
  );
  lines(
    'obligation',
    d.obligations.map((o) => JSON.stringify(o)),
  );
  lines(
    'error',
    d.errors.map((e) => `${e.policy}${e.rule ? `/${e.rule}` : ''} [${e.code}] ${e.message} -> ${e.handling}`),
  );
}
await engine.close();
