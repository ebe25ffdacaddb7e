// `llm-policy-engine/testing` resolves through the package's exports map, from ESM and CommonJS,
// and works with the main entry's engine (dist/, made by `npm run build`).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

const root = resolve(__dirname, '../..');
const built = existsSync(resolve(root, 'dist/testing.js')) && existsSync(resolve(root, 'dist/testing.cjs'));

const POLICY = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: p }
spec:
  rules:
    - { id: big, when: request.max_tokens > 1000, effect: deny }`;

test.runIf(built)('llm-policy-engine/testing from ESM and CommonJS', () => {
  const script = `
    const { PolicyEngine } = await import('llm-policy-engine');
    const esm = await import('llm-policy-engine/testing');
    const { createRequire } = await import('node:module');
    const cjs = createRequire(process.cwd() + '/')('llm-policy-engine/testing');
    const out = [];
    for (const t of [esm, cjs]) {
      const e = new PolicyEngine({ clock: t.fixedClock('2025-01-01T00:00:00Z') });
      e.addPolicy(${JSON.stringify(POLICY)});
      t.expectDecision(e, { request: { max_tokens: 5000 } }).toDeny('big');
      out.push(t.policyMatchers.toAllow([e, { request: { max_tokens: 10 } }]).pass);
      try { t.expectDecision(e, { request: { max_tokens: 5000 } }).toAllow(); } catch (err) { out.push(err.name, err.message.split('\\n')[0]); }
    }
    console.log(JSON.stringify(out));
  `;
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  const once = [true, 'AssertionError', 'expected the decision to allow, but the effect is deny'];
  expect(JSON.parse(stdout)).toEqual([...once, ...once]);
});
