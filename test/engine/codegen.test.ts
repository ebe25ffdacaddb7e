// Generated code against the closures, at the level of whole decisions: for random policies
// (every combining algorithm, onError mode, targets, lets, messages, obligations, rules that
// fail) and random inputs, an engine running generated code, one running closures and one
// running a prebuilt module (`compileToModule` / `loadCompiled`) make the same decisions,
// errors, messages and explain traces included. Names, strings and messages are drawn from
// characters that break naive escaping; none of them may reach the program as code.
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { codegenAllowed } from '../../src/compile/codegen/load.js';
import { printLiteral } from '../../src/lang/print-value.js';
import { PolicyEngine, PolicyError, type Decision } from '../../src/entries/index.js';
import { hostileString } from '../compile/hostile.js';

const dir = mkdtempSync(join(tmpdir(), 'llmpe-prebuilt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let modules = 0;
let rejected = 0;

/** A prebuilt module of the engine's policy set, written to a file and imported as users do. */
async function prebuilt(from: PolicyEngine): Promise<PolicyEngine> {
  const file = join(dir, `policies-${modules++}.gen.mjs`);
  writeFileSync(file, from.compileToModule());
  const e = new PolicyEngine({ clock: () => 1_700_000_000_000 });
  e.loadCompiled(await import(pathToFileURL(file).href));
  return e;
}

/** A decision without what differs between engines by construction (the revision's counter). */
function comparable(d: Decision): unknown {
  return { ...d, revision: d.revision.replace(/-\d+$/, '') };
}

// strings a CEL literal can hold (no lone surrogates) but otherwise hostile
const celText = hostileString.filter((s) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s));
const lit = celText.map((s) => printLiteral(s));
const num = fc.integer({ min: -3, max: 3 }).map((n) => `${n}.0`);

const condition = fc.oneof(
  fc.tuple(lit).map(([s]) => `user.tier == ${s}`),
  fc.tuple(lit, lit).map(([a, b]) => `request.model in [${a}, ${b}, 'm1']`),
  num.map((n) => `x > ${n}`),
  num.map((n) => `x + y * 2.0 > ${n}`),
  fc.constant('has(user.tier)'),
  lit.map((s) => `user.roles.exists(r, r == ${s} || r == 'admin')`),
  fc.constant("user.roles.all(r, r != 'banned')"),
  fc.tuple(lit, lit).map(([a, b]) => `{${a}: 1.0, ${b}: 2.0, 'b': 3.0}[user.tier] > 1.0`),
  fc.constant('table[user.tier].limit > x'),
  fc.constant('user.tier in table && request.model in models[user.tier]'),
  fc.constant('doubled > 2.0'),
  fc.constant('broken > 1.0'),
  fc.constant('dyn(x) && true'),
  fc.constant('request.missing == 1'),
  fc.constant('size(user.roles) >= 2 ? x > 0.0 : y < 0.0'),
  fc.constant("user.tier.startsWith('a') || user.tier.matches('^[b-d]+$')"),
  fc.constant('x / y > 1.0'),
  fc.constant('[1, 2, 3].map(i, i * 2).filter(i, i > 2).size() == 2'),
  // optionals and two-variable comprehensions
  lit.map((s) => `request.?metadata.?team.orValue(${s}) == user.tier`),
  fc.constant("user.?tier.hasValue() && [?user.?tier, ?request.?metadata.?team, 'z'].size() > 2"),
  fc.constant("{?'t': user.?tier, 'm': request.model}.all(k, v, v != 'zz')"),
  fc.constant("user.?tier.optMap(t, t + '!').or(request.?metadata.?team).value() != 'a!'"),
  fc.constant('request.?missing.orValue(x) > 1.0'),
  fc.constant("user.roles.exists(i, r, i > 0 && r == 'admin')"),
  fc.constant("user.roles.transformMap(i, r, r).existsOne(k, v, v == 'dev')"),
  fc.constant("user.roles.transformList(i, r, r != 'banned', i).size() == 1"),
  fc.constant("user.roles.existsOne(r, r == 'dev')"),
);

const message = fc.array(
  fc.oneof(
    celText.filter((s) => !s.includes('{') && !s.includes('}')),
    fc.constantFrom('{{ user.tier }}', '{{ x }}', '{{ request.missing }}', '{{ doubled }}', '{{ user.roles }}'),
  ),
  { maxLength: 4 },
);

const rule = fc.record({
  when: fc.option(condition, { nil: undefined, freq: 6 }),
  effect: fc.constantFrom('allow', 'deny', 'warn'),
  priority: fc.integer({ min: 0, max: 2 }),
  message: fc.option(message, { nil: undefined }),
  obligations: fc.option(
    fc.array(
      fc.oneof(
        hostileString.map((s) => ({ notify: s })),
        fc.dictionary(hostileString, fc.oneof(hostileString, fc.integer()), { maxKeys: 2 }).map((m) => ({ set: m })),
        fc.oneof(hostileString, fc.integer()).map((v) => ({ audit_tag: v })),
      ),
      { maxLength: 2 },
    ),
    { nil: undefined },
  ),
});

const policy = fc.record({
  combining: fc.constantFrom('deny-overrides', 'first-match', 'priority'),
  default: fc.constantFrom('allow', 'deny'),
  onError: fc.constantFrom('deny', 'skip', 'warn'),
  target: fc.option(condition, { nil: undefined, freq: 3 }),
  rules: fc.array(rule, { minLength: 0, maxLength: 8 }),
});

type PolicyShape = typeof policy extends fc.Arbitrary<infer T> ? T : never;

function document(name: string, p: PolicyShape): string {
  const spec: Record<string, unknown> = {
    combining: p.combining,
    default: p.default,
    onError: p.onError,
    let: {
      table: "{'a': {'limit': 1.0}, 'b': {'limit': 5.0}, 'c': {'other': 1}}",
      models: "{'a': ['m1', 'm2'], 'b': ['m3']}",
      doubled: 'x * 2.0',
      broken: 'request.missing + 1.0',
    },
    rules: p.rules.map((r, i) => ({
      id: `r${i}`,
      ...(r.when !== undefined ? { when: r.when } : {}),
      effect: r.effect,
      priority: r.priority,
      ...(r.message !== undefined ? { message: r.message.join('') } : {}),
      ...(r.obligations !== undefined ? { obligations: r.obligations } : {}),
    })),
  };
  if (p.target !== undefined) spec.target = p.target;
  return JSON.stringify({ apiVersion: 'llmpolicy/v1', kind: 'Policy', metadata: { name }, spec });
}

const input = fc.record(
  {
    user: fc.record(
      {
        tier: fc.oneof(fc.constantFrom('a', 'b', 'c', 'bd', 'zz'), hostileString, fc.constant(3)),
        roles: fc.array(fc.oneof(fc.constantFrom('admin', 'banned', 'dev'), hostileString), { maxLength: 3 }),
      },
      { requiredKeys: ['roles'] },
    ),
    request: fc.record(
      {
        model: fc.constantFrom('m1', 'm2', 'm3', 'm4'),
        metadata: fc.record({ team: fc.oneof(fc.constantFrom('a', 'search'), hostileString) }, { requiredKeys: [] }),
      },
      { requiredKeys: ['model'] },
    ),
    x: fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constant('text')),
    y: fc.oneof(fc.double({ min: -5, max: 5 }), fc.constant(0)),
  },
  { requiredKeys: ['request', 'user'] },
);

describe('generated code decides as the closures do', () => {
  test('for random policies and inputs: code, closures and a prebuilt module, explain traces included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(policy, { minLength: 1, maxLength: 3 }),
        fc.array(input, { minLength: 1, maxLength: 6 }),
        async (ps, inputs) => {
          const files = ps.map((p, i) => ({ text: document(`p${i}`, p), filename: `p${i}.json` }));
          const clock = () => 1_700_000_000_000;
          const closures = new PolicyEngine({ codegen: 'never', clock });
          try {
            closures.setPolicies(files);
          } catch (e) {
            if (e instanceof PolicyError) {
              rejected++;
              return; // a generated regex or template that does not load
            }
            throw e;
          }
          const engines = [await prebuilt(closures)];
          if (codegenAllowed()) {
            const code = new PolicyEngine({ codegen: 'always', clock });
            code.setPolicies(files);
            expect(code.stats().compiledTo).toBe('code');
            engines.push(code);
          }
          for (const x of inputs) {
            const want = comparable(closures.evaluate(x));
            const wantTrace = closures.evaluate(x, { explain: true }).trace!;
            for (const e of engines) {
              expect(comparable(e.evaluate(x))).toEqual(want);
              const trace = e.evaluate(x, { explain: true }).trace!;
              expect(trace.policies).toEqual(wantTrace.policies);
            }
          }
          expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 150) },
    );
    // the generators make policies that load, or the property tests nothing
    expect(rejected).toBeLessThan(Number(process.env.FC_RUNS ?? 150) / 10);
    // every run writes and imports a module: a loaded machine takes minutes
  }, 300_000);

  test('on the benchmark workloads (W1 gate, W2 scale, W3 text), as the reference decides', async () => {
    const { WORKLOADS, canonical } = (await import(new URL('../../../shared/bench/workloads.mjs', import.meta.url).href)) as {
      WORKLOADS: Record<
        string,
        { generate(n: number, seed?: number, params?: object): Record<string, unknown>[]; reference(x: unknown, params?: object): unknown }
      >;
      canonical(d: unknown): string;
    };
    const { scalePolicy } = (await import(new URL('../../bench/policies/scale.mjs', import.meta.url).href)) as {
      scalePolicy(n: number): string;
    };
    const cases = [
      { name: 'gate', text: readFileSync(new URL('../../bench/policies/gate.yaml', import.meta.url), 'utf8'), params: {} },
      { name: 'scale', text: scalePolicy(1000), params: { rules: 1000 } },
      { name: 'text', text: readFileSync(new URL('../../bench/policies/text.yaml', import.meta.url), 'utf8'), params: {} },
    ];
    for (const c of cases) {
      const closures = new PolicyEngine({ codegen: 'never' });
      closures.addPolicy(c.text);
      const engines = [await prebuilt(closures)];
      if (codegenAllowed()) {
        const code = new PolicyEngine({ codegen: 'always' });
        code.addPolicy(c.text);
        engines.push(code);
      }
      const w = WORKLOADS[c.name]!;
      for (const x of w.generate(c.name === 'text' ? 64 : 256, undefined, c.params)) {
        const d = closures.evaluate(x);
        expect(canonical({ outcome: d.effect, rules: d.matched.filter((m) => m.effect === d.effect).map((m) => m.rule) })).toBe(
          canonical(w.reference(x, c.params)),
        );
        for (const e of engines) expect(comparable(e.evaluate(x))).toEqual(comparable(d));
      }
    }
  });
});

describe('the codegen option', () => {
  const gate = readFileSync(new URL('../../bench/policies/gate.yaml', import.meta.url), 'utf8');

  test("'auto' generates code where the runtime allows it and uses closures where it does not", () => {
    const e = new PolicyEngine();
    e.addPolicy(gate);
    expect(e.stats().compiledTo).toBe(codegenAllowed() ? 'code' : 'closures');
    const never = new PolicyEngine({ codegen: 'never' });
    never.addPolicy(gate);
    expect(never.stats().compiledTo).toBe('closures');
  });

  test.runIf(!codegenAllowed())("'always' is refused at construction where code generation is", () => {
    expect(() => new PolicyEngine({ codegen: 'always' })).toThrow(/`codegen: 'always'` needs code generation from strings/);
  });

  test('an unknown mode is an option error', () => {
    const err = (() => {
      try {
        new PolicyEngine({ codegen: 'sometimes' as never });
      } catch (e) {
        return e as PolicyError;
      }
    })();
    expect(err).toBeInstanceOf(PolicyError);
    expect(err!.issues[0]).toMatchObject({ code: 'invalid_option', message: 'unknown `codegen` mode `sometimes`' });
  });
});

describe('prebuilt modules', () => {
  const gate = readFileSync(new URL('../../bench/policies/gate.yaml', import.meta.url), 'utf8');
  const source = () => {
    const e = new PolicyEngine();
    e.addPolicy(gate, { filename: 'gate.yaml' });
    return e;
  };

  test('hold no eval or new Function, and load in an engine that cannot compile code', async () => {
    const text = source().compileToModule();
    expect(text).not.toMatch(/\beval\s*\(|new\s+Function|Function\s*\(/);
    const e = await prebuilt(source());
    expect(e.stats().compiledTo).toBe('code');
    expect(e.policies()).toEqual([{ name: 'gate', namespace: 'default', version: undefined, rules: 6, file: 'gate.yaml' }]);
    // the revision is the same as from the sources, so audit records of either match
    expect(e.revision.replace(/-\d+$/, '')).toBe(source().revision.replace(/-\d+$/, ''));
  });

  test('a module built by another engine version is refused with what to do', async () => {
    const text = source()
      .compileToModule()
      .replace(/engine: "[^"]*"/, 'engine: "0.0.1"');
    const file = join(dir, 'old.gen.mjs');
    writeFileSync(file, text);
    const mod = await import(pathToFileURL(file).href);
    expect(() => new PolicyEngine().loadCompiled(mod)).toThrow(PolicyError);
    try {
      new PolicyEngine().loadCompiled(mod);
    } catch (e) {
      expect((e as PolicyError).issues[0]).toMatchObject({
        code: 'invalid_prebuilt',
        message: expect.stringContaining('built by llm-policy-engine `0.0.1`'),
        hint: expect.stringContaining('llm-policy build'),
      });
    }
  });

  test('a module calling a function the engine lacks is refused', async () => {
    const e = new PolicyEngine();
    e.addPolicy(readFileSync(new URL('../../bench/policies/text.yaml', import.meta.url), 'utf8'));
    const file = join(dir, 'text.gen.mjs');
    writeFileSync(file, e.compileToModule());
    const mod = await import(pathToFileURL(file).href);
    const { Registry } = await import('../../src/entries/core.js');
    expect(() => new PolicyEngine({ registry: new Registry() }).loadCompiled(mod)).toThrow(
      /call `matches`, which this engine's function library lacks/,
    );
  });

  test('hold optionals and two-variable comprehensions, and decide as the sources do', async () => {
    const text = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: teams }
spec:
  combining: first-match
  default: allow
  let:
    team: "request.?metadata.?team.orValue('none')"
    tags: "[?request.?metadata.?tag, 'base']"
  rules:
    - id: search
      when: "team == 'search' && tags.exists(i, t, i == 0 && t == 'beta')"
      effect: deny
      message: "{{ request.?metadata.?team }} {{ {?'team': request.?metadata.?team}.transformList(k, v, k + '=' + v) }}"
    - id: tagged
      when: "request.metadata.transformMap(k, v, size(v)).existsOne(k, n, n > 3)"
      effect: warn
`;
    const e = new PolicyEngine({ clock: () => 1_700_000_000_000 });
    e.addPolicy(text, { filename: 'teams.yaml' });
    const module = e.compileToModule();
    expect(module).toContain('optSelect(');
    expect(module).toContain('entries2(');
    const p = await prebuilt(e);
    expect(p.stats().compiledTo).toBe('code');
    if (codegenAllowed()) {
      // at run time too: no form of the language leaves a policy to the closures
      const code = new PolicyEngine({ codegen: 'always' });
      code.addPolicy(text);
      expect(code.stats().compiledTo).toBe('code');
    }
    for (const input of [
      { request: { metadata: { team: 'search', tag: 'beta' } } },
      { request: { metadata: { team: 'search' } } },
      { request: { metadata: { team: 'other', tag: 'long-tag' } } },
      { request: { metadata: 'not a map' } },
      { request: {} },
    ]) {
      expect(comparable(p.evaluate(input))).toEqual(comparable(e.evaluate(input)));
      expect(p.evaluate(input, { explain: true }).trace!.policies).toEqual(e.evaluate(input, { explain: true }).trace!.policies);
    }
    expect(p.evaluate({ request: { metadata: { team: 'search', tag: 'beta' } } })).toMatchObject({
      effect: 'deny',
      reasons: ['optional.of(\'search\') ["team=search"]'],
    });
  });

  test('a constant that is a host object (a custom function folded to it) is refused with what to do', () => {
    class Handle {}
    const e = new PolicyEngine({
      functions: [
        {
          name: 'handle',
          category: 'test',
          description: 'a host object',
          purity: 'pure',
          overloads: [{ id: 'handle_string', params: ['string'], result: 'dyn', impl: () => new Handle() }],
        },
      ],
    });
    e.addPolicy(`apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: h }
spec:
  rules:
    - { id: a, when: "handle('x') == x", effect: deny }
`);
    // from its source the policy runs (as closures: the constant has no source form)
    expect(e.evaluate({ x: 1 }).effect).toBe('allow');
    let err: PolicyError | undefined;
    try {
      e.compileToModule();
    } catch (x) {
      err = x as PolicyError;
    }
    expect(err).toBeInstanceOf(PolicyError);
    expect(err!.issues[0]).toMatchObject({
      code: 'invalid_prebuilt',
      message: expect.stringContaining('`Handle`'),
      hint: expect.stringContaining('from its source'),
    });
  });

  test('anything else is not taken for a module', () => {
    for (const bad of [undefined, {}, { default: {} }, 'policies.gen.mjs'])
      expect(() => new PolicyEngine().loadCompiled(bad)).toThrow(/not a prebuilt policy module/);
  });

  test('a prebuilt set is replaced whole: addPolicy says how', async () => {
    const e = await prebuilt(source());
    expect(() => e.addPolicy(gate)).toThrow(/loaded prebuilt \(loadCompiled\)/);
    e.setPolicies([{ text: gate }]);
    expect(e.policies()).toHaveLength(1);
  });
});

test('a prebuilt module without the list of live let cells (an older build) empties every cell', async () => {
  const from = new PolicyEngine();
  from.addPolicy(`apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: p }
spec:
  let:
    caps: "{'free': 10, 'pro': 20}"
    cap: caps[user.tier]
  rules:
    - { id: r, when: request.n > cap, effect: deny, message: "over {{ cap }}" }
`);
  const text = from.compileToModule();
  const older = text.replace(/\\"live\\":\[[\d,]*\],/g, '');
  expect(older).not.toBe(text);
  const file = join(dir, `policies-${modules++}.gen.mjs`);
  writeFileSync(file, older);
  const e = new PolicyEngine();
  e.loadCompiled(await import(pathToFileURL(file).href));
  for (const x of [
    { user: { tier: 'free' }, request: { n: 15 } },
    { user: { tier: 'pro' }, request: { n: 15 } },
    { user: { tier: 'free' }, request: { n: 15 } },
  ])
    expect(comparable(e.evaluate(x))).toEqual(comparable(from.evaluate(x)));
});
