// The README's examples, run as written.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { PolicyEngine, PolicyError, compileExpression } from '../../src/entries/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the README quick start gives the decision it shows', () => {
  const policy = /engine\.addPolicy\(`([\s\S]*?)`, \{ filename: 'model-access.yaml' \}\)/.exec(readme)![1]!;
  const engine = new PolicyEngine();
  engine.addPolicy(policy, { filename: 'model-access.yaml' });
  const d = engine.evaluate({ user: { tier: 'free' }, request: { model: 'gpt-4o' } });
  expect(d.effect).toBe('deny');
  expect(d.allowed).toBe(false);
  expect(d.reasons).toEqual(['Model gpt-4o is not available on the free tier']);
  expect(d.matched).toEqual([
    {
      policy: 'model-access',
      namespace: 'default',
      version: '1.0.0',
      rule: 'free-tier-models',
      effect: 'deny',
      message: 'Model gpt-4o is not available on the free tier',
    },
  ]);
});

test('the README error example is what format() prints', () => {
  const shown = /```\n(model-access\.yaml:7:37[\s\S]*?)\n```/.exec(readme)![1]!;
  const bad = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: bad }
spec:
  rules:
    - id: one
      when: request.model == 'x' && nosuch(request)
      effect: deny
`;
  try {
    new PolicyEngine().addPolicy(bad, { filename: 'model-access.yaml' });
    expect.unreachable();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    expect((e as PolicyError).format()).toBe(shown);
  }
});

test('the README compileExpression example', () => {
  expect(compileExpression('size(request.messages) > 3').evaluate({ request: { messages: [1, 2, 3, 4] } })).toBe(true);
});
