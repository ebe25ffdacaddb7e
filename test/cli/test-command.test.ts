// `llm-policy test`, end to end through the built binary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ensureBuilt, POLICY, run, tempDir, UNKNOWN_FUNCTION, YAML_ERROR } from './run.js';

const built = ensureBuilt();

const SUITE = `apiVersion: llmpolicy/v1
kind: PolicyTest
name: tiers
policies: [policy.yaml]
cases:
  - name: free user with a big model is denied
    input: { user: { tier: free }, request: { model: big } }
    expect:
      effect: deny
      rules: [free-big-models]
      reasons: [Model big is not for the free tier]
  - name: pro user with the old model is routed
    input: { user: { tier: pro }, request: { model: old } }
    expect:
      effect: allow
      rules: [tiers/route]
      obligations: [{ route: { model: new } }]
`;

const FAILING = `apiVersion: llmpolicy/v1
kind: PolicyTest
policies: [policy.yaml]
cases:
  - name: passes
    input: { user: { tier: free }, request: { model: small } }
    expect: { effect: allow, rules: [] }
  - name: wrong effect
    input: { user: { tier: free }, request: { model: big } }
    expect:
      effect: allow
      obligations: [{ route: { model: new } }]
`;

describe.skipIf(!built)('llm-policy test', () => {
  test('the example suites pass with full coverage; the summary line is exactly `N passed, N failed`', () => {
    const r = run(['test', 'test/fixtures/cli/tests', '--coverage', '--coverage-threshold', '100']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^coverage: 100\.0% \(\d+\/\d+ outcomes\)$/m);
    const last = r.stdout.trimEnd().split('\n').pop();
    expect(last).toMatch(/^\d+ passed, 0 failed$/);
    expect(r.stderr).toBe('');
  });

  test('a failing case: exit 1, what differed and the trace, and the summary', () => {
    const dir = tempDir({ 'policy.yaml': POLICY, 'suite.yaml': FAILING });
    const r = run(['test', 'suite.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ wrong effect (suite.yaml:8)');
    expect(r.stdout).toMatch(/effect\s+expected allow, got deny/);
    expect(r.stdout).toMatch(/obligations\s+missing \{"route":\{"model":"new"\}\}; got \(none\)/);
    expect(r.stdout).toContain('free-big-models  true');
    expect(r.stdout).toMatch(/\n1 passed, 1 failed\n$/);
    expect(r.stdout).not.toContain('✓ passes'); // passing cases only with -v
    expect(run(['test', 'suite.yaml', '-v'], { cwd: dir }).stdout).toContain('✓ passes');
  });

  test('--filter runs only matching cases; a filter that matches nothing is a usage error', () => {
    const dir = tempDir({ 'policy.yaml': POLICY, 'suite.yaml': FAILING });
    const r = run(['test', 'suite.yaml', '--filter', '^suite.yaml pass'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n1 passed, 0 failed\n$/);
    const none = run(['test', 'suite.yaml', '--filter', 'zzz'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no test case matches `--filter zzz`');
  });

  test('--format json', () => {
    const dir = tempDir({ 'policy.yaml': POLICY, 'suite.yaml': FAILING });
    const r = run(['test', 'suite.yaml', '--format', 'json', '--coverage'], { cwd: dir });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: false, passed: 1, failed: 1, skipped: 0, issues: [] });
    expect(j.suites).toHaveLength(1);
    expect(j.suites[0]).toMatchObject({ file: 'suite.yaml', name: 'suite.yaml' });
    expect(j.suites[0].cases.map((c: { name: string; status: string; line: number }) => [c.name, c.status, c.line])).toEqual([
      ['passes', 'passed', 5],
      ['wrong effect', 'failed', 8],
    ]);
    expect(j.suites[0].cases[1].failures[0]).toEqual({
      field: 'effect',
      message: 'expected allow, got deny',
      expected: 'allow',
      actual: 'deny',
    });
    expect(j.coverage).toMatchObject({ threshold: null, policies: [{ policy: 'default/tiers', file: 'policy.yaml' }] });
    expect(typeof j.coverage.percent).toBe('number');
    const rule = j.coverage.policies[0].rules.find((x: { rule: string }) => x.rule === 'free-big-models');
    expect(rule).toMatchObject({ true: 1, false: 1, fired: 1, evaluated: 2 });
  });

  test('--junit writes a JUnit XML report', () => {
    const dir = tempDir({ 'policy.yaml': POLICY, 'suite.yaml': FAILING });
    const r = run(['test', 'suite.yaml', '--junit', 'out.xml'], { cwd: dir });
    expect(r.code).toBe(1);
    const x = readFileSync(join(dir, 'out.xml'), 'utf8');
    expect(x).toContain('<testsuites name="llm-policy" tests="2" failures="1" errors="0" skipped="0"');
    expect(x).toContain('<testcase name="passes" classname="suite.yaml" file="suite.yaml" line="5"');
    expect(x).toMatch(/<failure message="expected allow, got deny" type="AssertionError">effect: expected allow, got deny/);
  });

  test('--coverage lists what was never exercised; --coverage-threshold fails below it', () => {
    const dir = tempDir({ 'policy.yaml': POLICY, 'suite.yaml': SUITE });
    const r = run(['test', 'suite.yaml', '--coverage-threshold', '95'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('coverage:');
    expect(r.stdout).toMatch(/✗ && request.model != 'small' \(rule free-big-models, line 7:36\)\s+never false/);
    expect(r.stdout).toMatch(/is below the threshold of 95%/);
    expect(r.stdout).toMatch(/\n2 passed, 0 failed\n$/);
    expect(run(['test', 'suite.yaml', '--coverage-threshold', '50'], { cwd: dir }).code).toBe(0);
    const bad = run(['test', 'suite.yaml', '--coverage-threshold', 'lots'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('`--coverage-threshold` must be a percentage');
  });

  test('`now` fixes the clock for a case', () => {
    const clockPolicy = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: hours }
spec:
  rules:
    - id: night
      when: now.getHours('UTC') < 6
      effect: deny
`;
    const suite = `apiVersion: llmpolicy/v1
kind: PolicyTest
policies: [hours.yaml]
now: 2025-01-31T03:00:00Z
cases:
  - name: at night
    input: {}
    expect: { effect: deny, rules: [night] }
  - name: in the morning
    now: 2025-01-31T09:30:00+01:00
    input: {}
    expect: { effect: allow }
`;
    const dir = tempDir({ 'hours.yaml': clockPolicy, 'suite.yaml': suite });
    const r = run(['test', 'suite.yaml'], { cwd: dir });
    expect(r.stdout).toMatch(/\n2 passed, 0 failed\n$/);
    expect(r.code).toBe(0);
  });

  test('`state` fills the state store for `rate.*` and `budget.*`; each case starts from its own records', () => {
    const rate = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: limits }
spec:
  rules:
    - id: too-many
      when: rate.count('user:' + user.id, '1m') >= 3
      effect: deny
    - id: over-spend
      when: budget.spent('team:' + user.team, 'day') + 1.0 > 10.0
      effect: warn
`;
    const suite = `apiVersion: llmpolicy/v1
kind: PolicyTest
policies: [limits.yaml]
now: 2025-01-31T12:00:00Z
state:
  - { keys: [user:u1, team:t], requests: 2, ago: 30s }
cases:
  - name: two requests in the last minute are fine
    input: { user: { id: u1, team: t } }
    expect: { effect: allow, rules: [] }
  - name: a third one is not
    input: { user: { id: u1, team: t } }
    state: [{ keys: [user:u1], ago: 10s }]
    expect: { effect: deny, rules: [too-many] }
  - name: old requests do not count
    input: { user: { id: u2, team: t } }
    state: [{ keys: [user:u2], requests: 10, at: 2025-01-31T11:58:00Z }]
    expect: { effect: allow }
  - name: the team spent most of its day
    input: { user: { id: u3, team: t } }
    state: [{ keys: [team:t], costUsd: 9.5, at: 2025-01-31T00:30:00Z }]
    expect: { effect: warn, rules: [over-spend] }
`;
    const dir = tempDir({ 'limits.yaml': rate, 'suite.yaml': suite });
    const r = run(['test', 'suite.yaml', '--coverage'], { cwd: dir });
    expect(r.stdout).toMatch(/\n4 passed, 0 failed\n$/);
    expect(r.stdout).toContain('coverage: 100.0%');
    expect(r.code).toBe(0);
    const e = run(['eval', '-p', 'limits.yaml', '-i', '-', '--now', '2025-01-31T12:00:00Z', '--state', 'usage.json', '--explain'], {
      cwd: tempDir({ 'limits.yaml': rate, 'usage.json': JSON.stringify([{ keys: ['user:u1'], requests: 3, ago: '5s' }]) }),
      input: '{"user":{"id":"u1","team":"t"}}',
    });
    expect(e.stdout).toMatch(/^effect: deny$/m);
    expect(e.stdout).toContain("    └─ rate.count('user:' + user.id, '1m') → 3");
    const bad = run(['eval', '-p', 'limits.yaml', '-i', '-', '--state', 'usage.json'], {
      cwd: tempDir({ 'limits.yaml': rate, 'usage.json': '[{"keys": []}]' }),
      input: '{}',
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('`keys` must be a non-empty list of state keys (at [0].keys)');
  });

  test('inputFile reads a fixture relative to the test file; a missing one is a load error (exit 2)', () => {
    const dir = tempDir({
      'policy.yaml': POLICY,
      'in.json': '{"user":{"tier":"free"},"request":{"model":"big"}}',
      'suite.yaml': `apiVersion: llmpolicy/v1
kind: PolicyTest
policies: [policy.yaml]
cases:
  - name: from a file
    inputFile: in.json
    expect: { effect: deny }
  - name: missing file
    inputFile: nope.json
    expect: { effect: deny }
`,
    });
    const r = run(['test', 'suite.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('inputFile  cannot read `');
    expect(r.stderr).toContain('nope.json');
    expect(r.stdout).toMatch(/\n1 passed, 1 failed\n$/);
  });

  test('a missing test file: exit 2 naming it', () => {
    const r = run(['test', 'test/fixtures/cli/tests/nosuch.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read `test/fixtures/cli/tests/nosuch.yaml`: no such file or directory');
  });

  test('a YAML error or a schema problem in a test file: exit 2 with file:line:column and a caret', () => {
    const dir = tempDir({
      'policy.yaml': POLICY,
      'broken.yaml': 'apiVersion: llmpolicy/v1\nkind: PolicyTest\ncases:\n  - name: "x\n',
      'schema.yaml': `apiVersion: llmpolicy/v1
kind: PolicyTest
policies: [policy.yaml]
cases:
  - name: x
    input: {}
    expect: { efect: deny }
`,
    });
    const a = run(['test', 'broken.yaml'], { cwd: dir });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/broken\.yaml:\d+:\d+: error\[yaml_syntax\]/);
    const b = run(['test', 'schema.yaml'], { cwd: dir });
    expect(b.code).toBe(2);
    expect(b.stderr).toContain(
      'schema.yaml:7:15: error[test_file]: unknown field `efect` in `expect` in case `x`\n 7 |     expect: { efect: deny }\n   |               ^^^^^\n  hint: did you mean `effect`?',
    );
  });

  test('policies with an unknown function or a YAML error: exit 2 with the policy error', () => {
    for (const [file, text, where] of [
      ['bad.yaml', UNKNOWN_FUNCTION, 'bad.yaml:7:37: error[unknown_function]'],
      ['broken.yaml', YAML_ERROR, 'broken.yaml:7:17: error[yaml_syntax]'],
    ] as const) {
      const dir = tempDir({ [file]: text, 'suite.yaml': SUITE.replace('policy.yaml', file) });
      const r = run(['test', 'suite.yaml'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(where);
      expect(r.stdout).toContain('cannot load the policies');
      expect(r.stdout).toMatch(/\n0 passed, 2 failed\n$/);
    }
  });

  test('-p gives policies to suites that name none', () => {
    const dir = tempDir({ 'policy.yaml': POLICY, 'suite.yaml': SUITE.replace('policies: [policy.yaml]\n', '') });
    const none = run(['test', 'suite.yaml'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no policies for suite `tiers`');
    const r = run(['test', 'suite.yaml', '-p', 'policy.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n2 passed, 0 failed\n$/);
  });
});
