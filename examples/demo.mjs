// Evaluates the example policies in examples/policies against examples/requests.json and
// prints each decision. Run with `npm run demo` (it builds the package first).
import { readFileSync, readdirSync } from 'node:fs';
import { PolicyEngine, PolicyError } from '../dist/index.js';

const dir = new URL('./policies/', import.meta.url);
const engine = new PolicyEngine();
try {
  for (const name of readdirSync(dir)
    .filter((n) => /\.(ya?ml|json)$/.test(n))
    .sort()) {
    engine.addPolicy(readFileSync(new URL(name, dir), 'utf8'), { filename: `examples/policies/${name}` });
  }
} catch (e) {
  if (e instanceof PolicyError) {
    console.error(e.format());
    process.exit(2);
  }
  throw e;
}

console.log(
  `loaded ${engine
    .policies()
    .map((p) => `${p.name} (${p.rules} rules)`)
    .join(', ')}; revision ${engine.revision}\n`,
);
const cases = JSON.parse(readFileSync(new URL('./requests.json', import.meta.url), 'utf8'));
for (const c of cases) {
  const d = engine.evaluate(c.input);
  console.log(`${d.effect.toUpperCase().padEnd(5)} ${c.name}`);
  for (const r of d.reasons) console.log(`      reason: ${r}`);
  for (const m of d.matched) console.log(`      matched: ${m.policy}/${m.rule} (${m.effect})`);
  for (const o of d.obligations) console.log(`      obligation: ${JSON.stringify(o)}`);
  for (const e of d.errors) console.log(`      error: ${e.policy}${e.rule ? `/${e.rule}` : ''} [${e.code}] ${e.message} -> ${e.handling}`);
}
await engine.close();
