// The built package (dist/, made by `npm run build`; CI builds before testing) works from both
// module systems, and an error thrown by one copy is recognised by the other.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

const root = resolve(__dirname, '../..');
const built = existsSync(resolve(root, 'dist/index.js')) && existsSync(resolve(root, 'dist/index.cjs'));

const POLICY = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: p }
spec:
  rules:
    - { id: big, when: request.max_tokens > 1000, effect: deny }`;

test.runIf(built)('the package resolves and decides through its exports map, ESM and CommonJS', () => {
  const script = `
    const esm = await import('llm-policy-engine');
    const { createRequire } = await import('node:module');
    const cjs = createRequire(process.cwd() + '/')('llm-policy-engine');
    const out = [];
    for (const m of [esm, cjs]) {
      const e = new m.PolicyEngine();
      e.addPolicy(${JSON.stringify(POLICY)});
      out.push(e.evaluate({ request: { max_tokens: 5000 } }).effect);
    }
    try { new cjs.PolicyEngine().addPolicy('kind: nope'); } catch (err) { out.push(err instanceof esm.PolicyError); }
    const node = await import('llm-policy-engine/node');
    out.push(typeof node.regexBackend().name, typeof node.PolicyEngine);
    console.log(JSON.stringify(out));
  `;
  // resolve the package by its own name, as a user would (self-reference through "exports")
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(JSON.parse(stdout)).toEqual(['deny', 'deny', true, 'string', 'function']);
});
