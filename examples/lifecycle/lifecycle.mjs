// Shadow mode, a canary rollout and tenants on one engine (docs/lifecycle.md).
// Run with `npm run build && node examples/lifecycle/lifecycle.mjs`.
import { readFileSync } from 'node:fs';
import { PolicyEngine } from '../../dist/index.js';

const read = (file) => readFileSync(new URL(file, import.meta.url), 'utf8');
const engine = new PolicyEngine();
engine.setPolicies([
  { text: read('gate.yaml'), filename: 'gate.yaml' },
  { text: read('no-gpt4-for-free.shadow.yaml'), filename: 'no-gpt4-for-free.shadow.yaml' },
  { text: read('acme.yaml'), filename: 'acme.yaml' },
]);

// 1. Shadow mode: the decision is the running policies'; `shadow` says what the watched one would do.
const free = { user: { id: 'u1', tier: 'free' }, request: { model: 'gpt-4o', max_tokens: 500 } };
const d = engine.evaluate(free, { tenant: 'globex' });
console.log('shadow:', d.effect, JSON.stringify(d.shadow.map(({ policy, effect, differs }) => ({ policy, effect, differs }))));

// 2. Canary: gate 2.0.0 decides for 25% of the user ids, always the same ones.
engine.addPolicy(read('gate-v2.yaml'), { filename: 'gate-v2.yaml', canary: { percent: 25, by: 'user.id' } });
const sides = { '1.0.0': 0, '2.0.0': 0 };
for (let i = 0; i < 1000; i++) {
  const input = { user: { id: `user-${i}`, tier: 'pro' }, request: { model: 'gpt-4o', max_tokens: 3000 } };
  const x = engine.evaluate(input, { tenant: 'globex' });
  sides[x.matched.find((m) => m.policy === 'gate')?.version ?? '1.0.0']++; // 3000 tokens: only 2.0.0 denies
}
console.log('canary: decided by', JSON.stringify(sides));
engine.promote('gate'); // or engine.rollback('gate')
console.log('promoted:', engine.policies().find((p) => p.name === 'gate').version);

// 3. Tenants: acme's policy decides for acme only; the shared ones for everyone. (Without
// `tenant`, every namespace decides: a multi-tenant host passes one on every call.)
const claude = { user: { id: 'u2', tier: 'pro' }, request: { model: 'claude-sonnet-4', max_tokens: 100 } };
console.log('tenant acme:', engine.evaluate(claude, { tenant: 'acme' }).effect);
console.log('tenant globex:', engine.evaluate(claude, { tenant: 'globex' }).effect);

// What the shadow policy would have changed so far, per rule.
console.log('stats:', JSON.stringify(engine.stats().shadow));
