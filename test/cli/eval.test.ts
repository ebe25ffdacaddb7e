// `llm-policy eval` and `llm-policy bench`, end to end through the built binary.
import { describe, expect, test } from 'vitest';
import { ensureBuilt, POLICY, root, run, tempDir, UNKNOWN_FUNCTION, YAML_ERROR } from './run.js';

const built = ensureBuilt();

const FREE_GPT4O = JSON.stringify({
  user: { id: 'u1', tier: 'free', roles: ['member'] },
  request: { provider: 'openai', model: 'gpt-4o', max_tokens: 512, input_tokens: 1200, messages: [{ role: 'user', content: 'hi' }] },
  budget: { spent_usd: 0.5, limit_usd: 5 },
});

describe.skipIf(!built)('llm-policy eval', () => {
  test('prints the decision', () => {
    const dir = tempDir({ 'in.json': FREE_GPT4O });
    const r = run(['eval', '-p', 'test/fixtures/cli/policies', '-i', `${dir}/in.json`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^effect: deny$/m);
    expect(r.stdout).toContain('reasons:\n  - Model gpt-4o is not available on the free tier');
    expect(r.stdout).toContain('matched:\n  - model-access/free-tier-models (deny)');
    expect(r.stdout).toMatch(/^obligations: \(none\)$/m);
    expect(r.stdout).toMatch(/^errors: \(none\)$/m);
    expect(r.stdout).not.toContain('explain');
  });

  test('--explain prints the trace as a tree: rule, condition value, sub-expression values', () => {
    const r = run(['eval', '-p', 'test/fixtures/cli/policies/model-access.yaml', '-i', '-', '--explain'], { input: FREE_GPT4O });
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('default/model-access  applies → deny');
    expect(out).toContain('  rule free-tier-models → true');
    expect(out).toContain("    user.tier == 'free' && !(request.model in ['gpt-4o-mini', 'claude-3-5-haiku']) → true");
    expect(out).toContain("    ├─ user.tier == 'free' → true\n    │  └─ user.tier → 'free'");
    expect(out).toContain("    └─ !(request.model in ['gpt-4o-mini', 'claude-3-5-haiku']) → true");
    expect(out).toContain("          └─ request.model → 'gpt-4o'");
    expect(out).toContain(
      "  rule route-o1-to-gpt-4o → false\n    user.tier == 'pro' && request.model.startsWith('o1') → false\n    ├─ user.tier == 'pro' → false",
    );
    expect(out).toContain("    └─ request.model.startsWith('o1') → (not evaluated)");
    expect(out).toContain("  target: request.provider == 'openai' → true");
    expect(out).toContain('  rule secret-in-prompt → false');
  });

  test('--explain shows errors and let values', () => {
    const r = run(['eval', '-p', 'test/fixtures/cli/policies/cost-control.yaml', '-i', '-', '--explain'], {
      input: '{"user":{"tier":"pro"},"request":{"model":"gpt-4o","max_tokens":100},"budget":{"spent_usd":0,"limit_usd":1}}',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^effect: deny$/m);
    expect(r.stdout).toContain('  - default/cost-control/over-budget [no_such_field] no such field: `input_tokens` (counted as deny)');
    expect(r.stdout).toContain('  rule over-budget → error: no such field: `input_tokens`');
    expect(r.stdout).toMatch(/est_cost → error: no such field: `input_tokens`/);
  });

  test('--format json prints the decision object, with the explanation under `explain`', () => {
    const r = run(['eval', '-p', 'test/fixtures/cli/policies', '-i', '-', '--format', 'json', '--explain'], { input: FREE_GPT4O });
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({
      effect: 'deny',
      allowed: false,
      reasons: ['Model gpt-4o is not available on the free tier'],
      obligations: [],
      errors: [],
    });
    expect(d.matched).toEqual([
      {
        policy: 'model-access',
        namespace: 'default',
        version: expect.stringMatching(/^#[0-9a-f]{8}$/),
        rule: 'free-tier-models',
        effect: 'deny',
        message: 'Model gpt-4o is not available on the free tier',
      },
    ]);
    expect(d.trace.policies.map((p: { policy: string }) => p.policy)).toEqual([
      'default/cost-control',
      'default/model-access',
      'default/request-hygiene',
    ]);
    const ma = d.explain.find((p: { policy: string }) => p.policy === 'default/model-access');
    const rule = ma.rules.find((x: { rule: string }) => x.rule === 'free-tier-models');
    expect(rule.result).toBe(true);
    expect(rule.condition).toMatchObject({ value: 'true', evaluated: true });
    expect(rule.condition.children[0]).toMatchObject({
      expr: "user.tier == 'free'",
      value: 'true',
      children: [{ expr: 'user.tier', value: "'free'" }],
    });
    const plain = JSON.parse(
      run(['eval', '-p', 'test/fixtures/cli/policies', '-i', '-', '--format', 'json'], { input: FREE_GPT4O }).stdout,
    );
    expect(plain.trace).toBeUndefined();
    expect(plain.explain).toBeUndefined();
  });

  test('--now fixes the clock; a bad --now is a usage error', () => {
    const dir = tempDir({
      'p.yaml': `apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: t }\nspec:\n  rules:\n    - { id: y2k, when: "now < timestamp('2000-01-01T00:00:00Z')", effect: deny }\n`,
    });
    expect(run(['eval', '-p', 'p.yaml', '-i', '-', '--now', '1999-12-31T23:59:59Z'], { cwd: dir, input: '{}' }).stdout).toMatch(
      /^effect: deny$/m,
    );
    expect(run(['eval', '-p', 'p.yaml', '-i', '-'], { cwd: dir, input: '{}' }).stdout).toMatch(/^effect: allow$/m);
    const bad = run(['eval', '-p', 'p.yaml', '-i', '-', '--now', 'yesterday'], { cwd: dir, input: '{}' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid time `yesterday`');
  });

  test('--fail-on-deny exits 1 on a deny', () => {
    const r = run(['eval', '-p', 'test/fixtures/cli/policies', '-i', '-', '--fail-on-deny'], { input: FREE_GPT4O });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^effect: deny$/m);
  });

  test('bad input: a missing input file, invalid JSON, no -i, no -p', () => {
    const missing = run(['eval', '-p', 'test/fixtures/cli/policies', '-i', 'nosuch.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read `nosuch.json`: no such file or directory');
    const dir = tempDir({ 'bad.json': '{"user": {"tier": "free",}\n}' });
    const invalid = run(['eval', '-p', `${root}/test/fixtures/cli/policies`, '-i', 'bad.json'], { cwd: dir });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('bad.json:1:26: error[input]: invalid JSON');
    expect(invalid.stderr).toContain(' 1 | {"user": {"tier": "free",}\n   |                          ^');
    expect(run(['eval', '-p', 'test/fixtures/cli/policies']).stderr).toContain('no input given');
    expect(run(['eval', '-i', '-']).stderr).toContain('no policies given');
  });

  test('bad policies: a missing file, a YAML error, an unknown function', () => {
    const dir = tempDir({ 'bad.yaml': UNKNOWN_FUNCTION, 'broken.yaml': YAML_ERROR });
    const missing = run(['eval', '-p', 'nosuch.yaml', '-i', '-'], { cwd: dir, input: '{}' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read `nosuch.yaml`');
    const yaml = run(['eval', '-p', 'broken.yaml', '-i', '-'], { cwd: dir, input: '{}' });
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toContain('broken.yaml:7:17: error[yaml_syntax]');
    const fn = run(['eval', '-p', 'bad.yaml', '-i', '-', '--format', 'json'], { cwd: dir, input: '{}' });
    expect(fn.code).toBe(2);
    expect(JSON.parse(fn.stdout)).toEqual({
      ok: false,
      issues: [{ code: 'unknown_function', message: 'unknown function `nosuch`', file: 'bad.yaml', line: 7, column: 37 }],
    });
  });
});

describe.skipIf(!built)('llm-policy bench', () => {
  const inputs = [
    '{"user":{"tier":"free"},"request":{"model":"big"}}',
    '{"user":{"tier":"pro"},"request":{"model":"old"}}',
    '',
    '{"user":{"tier":"free"},"request":{"model":"small"}}',
  ].join('\n');

  test('reports decisions/s and latency percentiles', () => {
    const dir = tempDir({ 'p.yaml': POLICY, 'in.jsonl': inputs });
    const r = run(['bench', '-p', 'p.yaml', '-i', 'in.jsonl', '--duration', '0.2'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 policy (2 rules), 3 inputs (effects per pass: allow 2, deny 1, warn 0)');
    expect(r.stdout).toMatch(/^decisions\/s: [\d,]+$/m);
    expect(r.stdout).toMatch(/^latency: +p50 [\d.]+ (ns|µs|ms), p90 .*, p99 [\d.]+ (ns|µs|ms), max/m);
  });

  test('--format json', () => {
    const dir = tempDir({ 'p.yaml': POLICY, 'in.json': `[${inputs.split('\n').filter(Boolean).join(',')}]` });
    const r = run(['bench', '-p', 'p.yaml', '-i', 'in.json', '--duration', '0.1', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ policies: 1, rules: 2, inputs: 3, effects: { allow: 2, deny: 1, warn: 0 } });
    expect(j.decisionsPerSecond).toBeGreaterThan(0);
    expect(j.latencyUs.p50).toBeGreaterThan(0);
    expect(j.latencyUs.p99).toBeGreaterThanOrEqual(j.latencyUs.p50);
  });

  test('bad input: invalid JSON Lines, a missing file, a bad duration', () => {
    const dir = tempDir({ 'p.yaml': POLICY, 'in.jsonl': '{"a": 1}\n{"b": \n' });
    const r = run(['bench', '-p', 'p.yaml', '-i', 'in.jsonl'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/in\.jsonl:2:\d+: error\[input\]: invalid JSON/);
    expect(run(['bench', '-p', 'p.yaml', '-i', 'nope.jsonl'], { cwd: dir }).stderr).toContain('cannot read `nope.jsonl`');
    expect(run(['bench', '-p', 'p.yaml', '-i', 'in.jsonl', '--duration', '0'], { cwd: dir }).code).toBe(2);
  });
});
