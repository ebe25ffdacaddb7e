// The policy lifecycle at run time (docs/lifecycle.md): shadow policies, canary rollout and
// tenants. Each test runs with generated code and with closures (under `npm run
// test:nocodegen` both are closures), so the combining loop is held to the same results.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { MemoryAuditSink } from '../../src/entries/audit.js';
import { PolicyEngine, PolicyError, type Decision, type DecisionAuditRecord, type PolicyEngineOptions } from '../../src/entries/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let modules = 0;

const policy = (name: string, spec: string, meta = '') => `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: ${name}${meta} }
spec:
${spec.replace(/^/gm, '  ')}
`;

const GATE = policy(
  'gate',
  `rules:
  - id: too-many-tokens
    when: request.max_tokens > 1000
    effect: deny
    message: "over 1000 tokens"
  - id: ok
    when: "true"
    effect: allow
    obligations:
      - log: info`,
  ', version: 1.0.0',
);

// a stricter gate, watched before it is enforced
const STRICT = policy(
  'strict-gate',
  `mode: shadow
rules:
  - id: over-500
    when: request.max_tokens > 500
    effect: deny
    message: "over 500 tokens"
  - id: gpt4-warn
    when: request.model == 'gpt-4'
    effect: warn`,
  ', version: 0.1.0',
);

const modes = [{ codegen: 'auto' as const }, { codegen: 'never' as const }];

describe.each(modes)('shadow mode (codegen: $codegen)', ({ codegen }) => {
  const engine = (options: Partial<PolicyEngineOptions> = {}, ...texts: string[]) => {
    const e = new PolicyEngine({ codegen, ...options });
    for (const [i, t] of texts.entries()) e.addPolicy(t, { filename: `p${i}.yaml` });
    return e;
  };

  test('a shadow policy never changes the decision, and reports what it would have done', () => {
    const withShadow = engine({}, GATE, STRICT);
    const without = engine({}, GATE);
    for (const max_tokens of [100, 700, 2000]) {
      for (const model of ['gpt-4', 'small']) {
        const input = { request: { max_tokens, model } };
        const d = withShadow.evaluate(input);
        const plain = without.evaluate(input);
        const { shadow, revision: _r, ...rest } = d;
        expect(rest).toEqual(stripRevision(plain));
        expect(shadow).toHaveLength(1);
      }
    }
    const d = withShadow.evaluate({ request: { max_tokens: 700, model: 'small' } });
    expect(d.effect).toBe('allow');
    expect(d.obligations).toEqual([{ log: 'info' }]);
    expect(d.shadow).toEqual([
      {
        policy: 'strict-gate',
        namespace: 'default',
        version: '0.1.0',
        effect: 'deny',
        matched: [
          { policy: 'strict-gate', namespace: 'default', version: '0.1.0', rule: 'over-500', effect: 'deny', message: 'over 500 tokens' },
        ],
        differs: true,
      },
    ]);
    // denied anyway: enforcing the shadow policy changes nothing
    const denied = withShadow.evaluate({ request: { max_tokens: 2000, model: 'small' } });
    expect(denied.effect).toBe('deny');
    expect(denied.reasons).toEqual(['over 1000 tokens']);
    expect(denied.shadow![0]).toMatchObject({ effect: 'deny', differs: false });
    // it matches nothing: allow, no difference
    expect(withShadow.evaluate({ request: { max_tokens: 10, model: 'small' } }).shadow![0]).toMatchObject({
      effect: 'allow',
      matched: [],
      differs: false,
    });
  });

  test('without shadow policies a decision has no `shadow`', () => {
    expect(engine({}, GATE).evaluate({ request: { max_tokens: 1 } })).not.toHaveProperty('shadow');
  });

  test('differs also when the shadow policy would have allowed what the engine default denied', () => {
    const allowList = policy('allow-list', 'mode: shadow\nrules:\n  - { id: known, when: "user.id == \'u1\'", effect: allow }');
    const e = engine({ default: 'deny' }, allowList);
    const d = e.evaluate({ user: { id: 'u1' } });
    expect(d.effect).toBe('deny');
    expect(d.shadow).toMatchObject([{ effect: 'allow', differs: true }]);
    expect(e.evaluate({ user: { id: 'u2' } }).shadow).toMatchObject([{ effect: 'allow', matched: [], differs: false }]);
  });

  test("a shadow policy's errors, step budget and reservations stay out of the decision", () => {
    const broken = policy(
      'broken',
      `mode: shadow
rules:
  - { id: fails, when: "request.missing.field > 1", effect: warn }
  - { id: loops, when: "lists.range(int(request.n)).all(i, i >= 0)", effect: deny }
  - { id: holds, when: "budget.reserve('team:a', 1.0, 10.0, 'day')", effect: allow }`,
    );
    const e = engine({ limits: { maxSteps: 1000 } }, GATE, broken);
    const d = e.evaluate({ request: { max_tokens: 10, n: 5000 } });
    expect(d.effect).toBe('allow');
    expect(d.errors).toEqual([]);
    expect(d.shadow![0]!.effect).toBe('deny');
    expect(d.shadow![0]!.differs).toBe(true);
    expect(d.shadow![0]!.errors!.map((x) => x.code)).toContain('limit_exceeded');
    expect(d.obligations).toEqual([{ log: 'info' }]);
    // within its budget, what it reserves is still not the decision's
    const small = e.evaluate({ request: { max_tokens: 10, n: 5 } });
    expect(small.obligations).toEqual([{ log: 'info' }]);
    expect(small.shadow![0]!.matched.map((m) => m.rule)).toContain('fails');
  });

  test('stats count, per shadow rule, how often it matched and how often it would have changed the decision', () => {
    const e = engine({}, GATE, STRICT);
    e.evaluate({ request: { max_tokens: 700, model: 'gpt-4' } }); // allow -> deny: changes
    e.evaluate({ request: { max_tokens: 2000, model: 'gpt-4' } }); // deny anyway
    e.evaluate({ request: { max_tokens: 10, model: 'gpt-4' } }); // allow -> warn: changes
    e.evaluate({ request: { max_tokens: 10, model: 'small' } }); // nothing
    expect(e.stats().shadow).toEqual([
      {
        policy: 'strict-gate',
        namespace: 'default',
        version: '0.1.0',
        decisions: 4,
        changed: 2,
        rules: [
          { rule: 'over-500', matched: 2, changed: 1 },
          { rule: 'gpt4-warn', matched: 3, changed: 1 },
        ],
      },
    ]);
    // another policy added: the shadow policy's text did not change, so its counts stay
    e.addPolicy(policy('other', 'rules: []'), { filename: 'other.yaml' });
    expect(e.stats().shadow[0]!.decisions).toBe(4);
    // a new text of it is a new version: its counts start again
    e.addPolicy(STRICT.replace('0.1.0', '0.2.0'), { filename: 'strict.yaml' });
    expect(e.stats().shadow[0]).toMatchObject({ version: '0.2.0', decisions: 0 });
  });

  test('cached decisions carry the same shadow outcomes, and are counted the same', () => {
    const cached = engine({ cache: { max: 100 } }, GATE, STRICT);
    const fresh = engine({}, GATE, STRICT);
    const inputs = [100, 700, 2000, 700, 100, 700].map((max_tokens, i) => ({
      request: { max_tokens, model: i % 2 ? 'gpt-4' : 'x', id: i },
    }));
    for (const x of inputs) expect(stripRevision(cached.evaluate(x))).toEqual(stripRevision(fresh.evaluate(x)));
    expect(cached.stats().cache.hits).toBeGreaterThan(0);
    expect(cached.stats().shadow).toEqual(fresh.stats().shadow);
  });

  test('explain traces the shadow policy, marked', () => {
    const t = engine({}, GATE, STRICT).evaluate({ request: { max_tokens: 700 } }, { explain: true }).trace!;
    expect(t.policies.map((p) => [p.policy, p.shadow ?? false])).toEqual([
      ['default/gate', false],
      ['default/strict-gate', true],
    ]);
  });

  test('the audit record carries the shadow outcome', async () => {
    const sink = new MemoryAuditSink();
    const e = engine({ audit: sink }, GATE, STRICT);
    e.evaluate({ request: { max_tokens: 700, model: 'small' } });
    await e.close();
    const r = sink.records[0] as DecisionAuditRecord;
    expect(r.effect).toBe('allow');
    expect(r.matched).toEqual([{ policy: 'gate', namespace: 'default', version: '1.0.0', rule: 'ok', effect: 'allow' }]);
    expect(r.shadow).toEqual([
      { policy: 'strict-gate', namespace: 'default', version: '0.1.0', effect: 'deny', matched: ['over-500'], differs: true },
    ]);
  });

  test('a prebuilt module keeps the shadow mode', async () => {
    const e = await prebuilt(engine({}, GATE, STRICT));
    const d = e.evaluate({ request: { max_tokens: 700 } });
    expect(d.effect).toBe('allow');
    expect(d.shadow).toMatchObject([{ policy: 'strict-gate', version: '0.1.0', effect: 'deny', differs: true }]);
    expect(e.policies().find((p) => p.name === 'strict-gate')).toMatchObject({ mode: 'shadow' });
  });
});

const V2 = GATE.replace('version: 1.0.0', 'version: 2.0.0').replace('request.max_tokens > 1000', 'request.max_tokens > 500');

describe.each(modes)('canary rollout (codegen: $codegen)', ({ codegen }) => {
  const engine = (options: Partial<PolicyEngineOptions> = {}) => {
    const e = new PolicyEngine({ codegen, ...options });
    e.addPolicy(GATE, { filename: 'gate.yaml' });
    return e;
  };
  const input = (id: unknown) => ({ user: { id }, request: { max_tokens: 700 } });
  const side = (d: Decision) => d.matched[0]!.version;

  test.each([5, 25, 50, 90])('over 10,000 keys, %i percent go to the candidate (within 1.5 points), always the same ones', (percent) => {
    const e = engine();
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent, by: 'user.id' } });
    const first = new Map<string, string>();
    for (let i = 0; i < 10_000; i++) first.set(`user-${i}`, side(e.evaluate(input(`user-${i}`))));
    const share = ([...first.values()].filter((v) => v === '2.0.0').length / 10_000) * 100;
    expect(Math.abs(share - percent)).toBeLessThanOrEqual(1.5);
    // sticky: the same key, asked again (after an unrelated change too), lands on the same side
    e.addPolicy(policy('unrelated', 'rules: []'), { filename: 'u.yaml' });
    for (const [key, v] of first) expect(side(e.evaluate(input(key)))).toBe(v);
  });

  test('raising the percent only moves keys to the candidate', () => {
    const e = engine();
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 10, by: 'user.id' } });
    const at10 = Array.from({ length: 2000 }, (_, i) => side(e.evaluate(input(i))));
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 30, by: 'user.id' } });
    const at30 = Array.from({ length: 2000 }, (_, i) => side(e.evaluate(input(i))));
    at10.forEach((v, i) => {
      if (v === '2.0.0') expect(at30[i]).toBe('2.0.0');
    });
    expect(at30.filter((v) => v === '2.0.0').length).toBeGreaterThan(at10.filter((v) => v === '2.0.0').length);
  });

  test('the candidate decides on its side; `matched[].version` says which version decided', () => {
    const e = engine();
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 50, by: 'user.id' } });
    const ids = Array.from({ length: 50 }, (_, i) => `u${i}`);
    const onCandidate = ids.filter((id) => side(e.evaluate(input(id))) === '2.0.0');
    const onStable = ids.filter((id) => side(e.evaluate(input(id))) === '1.0.0');
    expect(onCandidate.length).toBeGreaterThan(0);
    expect(onStable.length).toBeGreaterThan(0);
    // 700 tokens: v2 denies, v1 allows
    for (const id of onCandidate) expect(e.evaluate(input(id))).toMatchObject({ effect: 'deny', reasons: ['over 1000 tokens'] });
    for (const id of onStable) expect(e.evaluate(input(id)).effect).toBe('allow');
    expect(e.policies()).toEqual([
      {
        name: 'gate',
        namespace: 'default',
        version: '1.0.0',
        rules: 2,
        file: 'gate.yaml',
        canary: { version: '2.0.0', percent: 50, by: 'user.id', file: 'gate-v2.yaml' },
      },
    ]);
  });

  test('an input without the key goes to the running version', () => {
    const e = engine();
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 100, by: 'user.id' } });
    expect(side(e.evaluate(input('anyone')))).toBe('2.0.0');
    for (const x of [
      { request: { max_tokens: 700 } },
      { user: {}, request: {} },
      { user: { id: null } },
      undefined,
      'text',
      { user: 'u1' },
    ])
      expect(side(e.evaluate(x))).toBe('1.0.0');
  });

  test('promote makes the candidate the running version; rollback drops it', () => {
    const e = engine();
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 0, by: 'user.id' } });
    expect(side(e.evaluate(input('a')))).toBe('1.0.0');
    expect(e.promote('gate')).toEqual({ name: 'gate', namespace: 'default', version: '2.0.0', rules: 2, file: 'gate-v2.yaml' });
    for (let i = 0; i < 100; i++) expect(side(e.evaluate(input(i)))).toBe('2.0.0');
    expect(() => e.promote('gate')).toThrow(/has no candidate to promote/);

    const r = engine();
    r.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 100, by: 'user.id' } });
    const before = r.revision;
    expect(side(r.evaluate(input('a')))).toBe('2.0.0');
    expect(r.rollback('gate')).toBe(true);
    expect(r.revision).not.toBe(before);
    expect(side(r.evaluate(input('a')))).toBe('1.0.0');
    expect(r.rollback('gate')).toBe(false);
    expect(r.policies()[0]).not.toHaveProperty('canary');
  });

  test('a bad candidate never replaces anything', () => {
    const e = engine();
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 10, by: 'user.id' } });
    const revision = e.revision;
    const policies = e.policies();
    const sides = Array.from({ length: 200 }, (_, i) => side(e.evaluate(input(i))));
    const refused = (text: string, canary: unknown, code: string, message: RegExp) => {
      try {
        e.addPolicy(text, { filename: 'bad.yaml', canary: canary as { percent: number; by: string } });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(PolicyError);
        expect((err as PolicyError).issues[0]).toMatchObject({ code, message: expect.stringMatching(message) });
      }
      expect(e.revision).toBe(revision);
      expect(e.policies()).toEqual(policies);
    };
    refused(V2.replace('effect: deny', 'effect: dny'), { percent: 50, by: 'user.id' }, 'schema', /effect/);
    refused(V2.replace('request.max_tokens > 500', 'request.max_tokens > '), { percent: 50, by: 'user.id' }, 'syntax', /./);
    refused(V2.replace('request.max_tokens > 500', 'nosuch(1)'), { percent: 50, by: 'user.id' }, 'unknown_function', /nosuch/);
    refused(V2.replace('name: gate', 'name: gaet'), { percent: 50, by: 'user.id' }, 'invalid_option', /no policy `gaet`/);
    refused(V2, { percent: 101, by: 'user.id' }, 'invalid_option', /`canary.percent` must be a number from 0 to 100/);
    refused(V2, { percent: -1, by: 'user.id' }, 'invalid_option', /percent/);
    refused(V2, { percent: Number.NaN, by: 'user.id' }, 'invalid_option', /percent/);
    refused(V2, { percent: '5', by: 'user.id' }, 'invalid_option', /percent/);
    refused(V2, { percent: 5, by: 'user..id' }, 'invalid_option', /`canary.by` must be a dotted input path/);
    refused(V2, { percent: 5, by: 'users[0].id' }, 'invalid_option', /dotted/);
    refused(V2, { percent: 5, by: '' }, 'invalid_option', /dotted/);
    refused(V2, { percent: 5, by: 'user.id', salt: 1 }, 'invalid_option', /unknown canary option `salt`/);
    refused(GATE, { percent: 5, by: 'user.id' }, 'invalid_option', /version of the running policy/);
    refused(`${V2}---\n${policy('other', 'rules: []')}`, { percent: 5, by: 'user.id' }, 'invalid_option', /exactly one policy/);
    refused(V2.replace('rules:', 'mode: shadow\n  rules:'), { percent: 5, by: 'user.id' }, 'invalid_option', /shadow/);
    expect(Array.from({ length: 200 }, (_, i) => side(e.evaluate(input(i))))).toEqual(sides);
  });

  test('a candidate lives as long as its running version', () => {
    const e = engine();
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 100, by: 'user.id' } });
    // the running version replaced: the rollout goes on against it
    e.setPolicies([{ text: GATE.replace('1.0.0', '1.0.1'), filename: 'gate.yaml' }]);
    expect(side(e.evaluate(input('a')))).toBe('2.0.0');
    expect(e.policies()[0]).toMatchObject({ version: '1.0.1', canary: { version: '2.0.0' } });
    // removed: so is its candidate
    e.removePolicy('gate');
    e.addPolicy(GATE, { filename: 'gate.yaml' });
    expect(side(e.evaluate(input('a')))).toBe('1.0.0');
  });

  test('the decision cache keys on the side', () => {
    const e = engine({ cache: { max: 1000 } });
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 50, by: 'user.id' } });
    const fresh = engine();
    fresh.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 50, by: 'user.id' } });
    // the policies never read user.id: without the side in the key, every id would share one entry
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < 40; i++) {
        const d = e.evaluate(input(`k${i}`));
        expect(side(d)).toBe(side(fresh.evaluate(input(`k${i}`))));
        expect(d.effect).toBe(side(d) === '2.0.0' ? 'deny' : 'allow');
      }
    // two sides, one entry each
    expect(e.stats().cache).toMatchObject({ size: 2, hits: 118 });
  });

  test('policies without a version are told apart by a hash of their text', () => {
    const e = new PolicyEngine({ codegen });
    const v1 = policy('p', 'rules:\n  - { id: r, when: "x > 1", effect: deny }');
    e.addPolicy(v1, { filename: 'p.yaml' });
    e.addPolicy(v1.replace('x > 1', 'x > 0'), { filename: 'p2.yaml', canary: { percent: 100, by: 'k' } });
    const a = e.evaluate({ x: 2 }).matched[0]!.version;
    const b = e.evaluate({ x: 2, k: 'u' }).matched[0]!.version;
    expect(a).toMatch(/^#[0-9a-f]{8}$/);
    expect(b).toMatch(/^#[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(() => e.addPolicy(v1, { filename: 'p3.yaml', canary: { percent: 5, by: 'k' } })).toThrow(/same text as the running policy/);
  });

  test('a set rolling out cannot be written as a prebuilt module', () => {
    const e = engine();
    e.addPolicy(V2, { filename: 'gate-v2.yaml', canary: { percent: 5, by: 'user.id' } });
    expect(() => e.compileToModule()).toThrow(/`default\/gate` has a candidate rolling out: promote or roll back first/);
  });
});

const tenantPolicy = (tenant: string, rules: number) =>
  policy(
    `limits`,
    `rules:\n${Array.from(
      { length: rules },
      (_, k) =>
        `  - { id: r${k}, when: "request.model == 'm${k}' && request.max_tokens > ${k * 100}", effect: deny, message: "${tenant} r${k}" }`,
    ).join('\n')}`,
    `, namespace: ${tenant}`,
  );

const SHARED = policy('shared', 'rules:\n  - { id: no-bad, when: "request.model == \'bad\'", effect: deny }');

describe.each(modes)('tenants (codegen: $codegen)', ({ codegen }) => {
  test('a tenant is decided by the shared namespace and its own only', () => {
    const e = new PolicyEngine({ codegen });
    e.setPolicies([
      { text: SHARED, filename: 'shared.yaml' },
      { text: tenantPolicy('acme', 3), filename: 'acme.yaml' },
      { text: tenantPolicy('globex', 3).replace(/deny/g, 'warn'), filename: 'globex.yaml' },
    ]);
    const x = { request: { model: 'm1', max_tokens: 500 } };
    expect(e.evaluate(x, { tenant: 'acme' })).toMatchObject({ effect: 'deny', reasons: ['acme r1'], tenant: 'acme' });
    expect(e.evaluate(x, { tenant: 'globex' })).toMatchObject({ effect: 'warn', reasons: ['globex r1'] });
    expect(e.evaluate(x, { tenant: 'initech' })).toMatchObject({ effect: 'allow', matched: [], tenant: 'initech' });
    expect(e.evaluate(x, { tenant: 'default' }).effect).toBe('allow');
    const bad = { request: { model: 'bad', max_tokens: 1 } };
    for (const tenant of ['acme', 'globex', 'initech']) expect(e.evaluate(bad, { tenant }).reasons).toEqual(['shared/no-bad']);
    // without a tenant every namespace decides, as before tenants
    expect(
      e
        .evaluate(x)
        .matched.map((m) => m.namespace)
        .sort(),
    ).toEqual(['acme', 'globex']);
    expect(e.evaluate(x)).not.toHaveProperty('tenant');
    // a tenant that is not a string: a deny that says why
    expect(e.evaluate(x, { tenant: 42 as unknown as string })).toMatchObject({
      effect: 'deny',
      errors: [{ code: 'invalid_argument', message: '`tenant` must be a string, got `42`' }],
    });
  });

  test('1,000 tenants of 10 rules each: every tenant is decided by its own rules only', () => {
    const e = new PolicyEngine({ codegen });
    const files = [{ text: SHARED, filename: 'shared.yaml' }];
    for (let t = 0; t < 1000; t++) files.push({ text: tenantPolicy(`t${t}`, 10), filename: `t${t}.yaml` });
    e.setPolicies(files);
    expect(e.policies()).toHaveLength(1001);
    // an input every tenant's rule r3 denies
    const x = { request: { model: 'm3', max_tokens: 1000 } };
    for (let t = 0; t < 1000; t++) {
      const d = e.evaluate(x, { tenant: `t${t}` });
      expect(d.matched.map((m) => `${m.namespace}/${m.rule}`)).toEqual([`t${t}/r3`]);
    }
    expect(e.evaluate(x).matched).toHaveLength(1000);
  });

  test('the decision cache keeps tenants apart', () => {
    const e = new PolicyEngine({ codegen, cache: { max: 100 } });
    e.setPolicies([
      { text: tenantPolicy('a', 2), filename: 'a.yaml' },
      { text: tenantPolicy('b', 2).replace(/deny/g, 'warn'), filename: 'b.yaml' },
    ]);
    const x = { request: { model: 'm1', max_tokens: 500 } };
    for (let i = 0; i < 3; i++) {
      expect(e.evaluate(x, { tenant: 'a' }).effect).toBe('deny');
      expect(e.evaluate(x, { tenant: 'b' }).effect).toBe('warn');
      expect(e.evaluate(x, { tenant: 'c' }).effect).toBe('allow');
    }
    expect(e.stats().cache.hits).toBe(6);
  });

  test('shadow policies and canaries are per tenant too', () => {
    const e = new PolicyEngine({ codegen });
    e.setPolicies([
      { text: tenantPolicy('a', 2), filename: 'a.yaml' },
      { text: STRICT.replace('version: 0.1.0', 'version: 0.1.0, namespace: b'), filename: 'b-shadow.yaml' },
    ]);
    const x = { request: { model: 'm1', max_tokens: 700 } };
    expect(e.evaluate(x, { tenant: 'a' })).not.toHaveProperty('shadow');
    expect(e.evaluate(x, { tenant: 'b' }).shadow).toMatchObject([{ namespace: 'b', effect: 'deny', differs: true }]);
    e.addPolicy(tenantPolicy('a', 2).replace('namespace: a', 'namespace: a, version: 2.0.0').replace(/deny/g, 'warn'), {
      filename: 'a2.yaml',
      canary: { percent: 100, by: 'user.id' },
    });
    expect(e.evaluate({ ...x, user: { id: 'u' } }, { tenant: 'a' })).toMatchObject({ effect: 'warn', matched: [{ version: '2.0.0' }] });
    expect(() => e.promote('limits')).toThrow(/namespace `default`/);
    expect(e.promote('limits', 'a').version).toBe('2.0.0');
  });

  test('evaluateAsync and the audit record take the tenant', async () => {
    const sink = new MemoryAuditSink();
    const e = new PolicyEngine({ codegen, audit: sink });
    e.setPolicies([
      { text: SHARED, filename: 'shared.yaml' },
      { text: tenantPolicy('a', 2), filename: 'a.yaml' },
    ]);
    const x = { request: { model: 'm1', max_tokens: 500 }, context: { tenant: 'from-input' } };
    expect(await e.evaluateAsync(x, { tenant: 'a' })).toMatchObject({ effect: 'deny', tenant: 'a' });
    e.evaluate(x);
    await e.close();
    const [r1, r2] = sink.records as DecisionAuditRecord[];
    expect(r1).toMatchObject({ tenant: 'a', policies: ['default/shared', 'a/limits'] });
    expect(r2!.tenant).toBe('from-input');
  });

  test('a prebuilt module keeps the namespaces apart', async () => {
    const from = new PolicyEngine({ codegen });
    from.setPolicies([
      { text: SHARED, filename: 'shared.yaml' },
      { text: tenantPolicy('a', 2), filename: 'a.yaml' },
      { text: tenantPolicy('b', 2).replace(/deny/g, 'warn'), filename: 'b.yaml' },
    ]);
    const e = await prebuilt(from);
    const x = { request: { model: 'm1', max_tokens: 500 } };
    expect(e.evaluate(x, { tenant: 'a' }).effect).toBe('deny');
    expect(e.evaluate(x, { tenant: 'b' }).effect).toBe('warn');
    expect(e.evaluate(x, { tenant: 'c' }).effect).toBe('allow');
  });
});

async function prebuilt(from: PolicyEngine): Promise<PolicyEngine> {
  const file = join(dir, `policies-${modules++}.gen.mjs`);
  writeFileSync(file, from.compileToModule());
  const e = new PolicyEngine();
  e.loadCompiled(await import(pathToFileURL(file).href));
  return e;
}

/** A decision without its revision id (which differs between engines by construction). */
function stripRevision(d: Decision): Omit<Decision, 'revision'> {
  const { revision: _r, ...rest } = d;
  return rest;
}
