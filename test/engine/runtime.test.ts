// The `llm-policy-engine/runtime` entry: the deciding engine without what builds policies. It
// loads prebuilt modules (`llm-policy build`, compileToModule) and decides exactly as the main
// entry's engine does, decisions, errors, obligations, shadow outcomes and explain traces
// included; what needs the builders is refused with what to do instead.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { builtinLibrary, MemoryStateStore, PolicyEngine as MainEngine, type Decision } from '../../src/entries/index.js';
import { PolicyEngine, PolicyError, Registry, type DecisionObserver } from '../../src/entries/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'llmpe-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let modules = 0;

/** The module `llm-policy build` writes for these policy texts, imported as a user imports it. */
async function build(texts: string[]): Promise<{ main: MainEngine; mod: unknown }> {
  const main = new MainEngine({ clock: () => 1_700_000_000_000 });
  main.setPolicies(texts.map((text, i) => ({ text, filename: `p${i}.yaml` })));
  const file = join(dir, `policies-${modules++}.gen.mjs`);
  writeFileSync(file, main.compileToModule());
  return { main, mod: await import(pathToFileURL(file).href) };
}

/** A decision without what differs between engines by construction (the revision's counter). */
function comparable(d: Decision): unknown {
  return { ...d, revision: d.revision.replace(/-\d+$/, '') };
}

function thrown(f: () => unknown): PolicyError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error('expected a PolicyError');
}

const GATE = readFileSync(new URL('../../bench/policies/gate.yaml', import.meta.url), 'utf8');

// Several policies: every effect, each onError, a target, lets, message templates, obligations,
// rules that fail on a missing field, first-match and priority combining, a shadow policy and a
// tenant's namespace. `size` and `startsWith` are the only functions called.
const POLICIES = [
  `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: limits }
spec:
  onError: deny
  let:
    cap: "{'free': 1000, 'pro': 8000}"
  rules:
    - id: too-many
      when: user.tier in cap && request.max_tokens > cap[user.tier]
      effect: deny
      message: "max_tokens {{ request.max_tokens }} is above {{ cap[user.tier] }} for {{ user.tier }}"
      obligations:
        - notify: { team: billing }
    - id: long
      when: size(request.messages) > 3
      effect: warn
      message: "{{ size(request.messages) }} messages"
      obligations:
        - log: { level: warn }
    - id: ok
      when: request.model.startsWith('gpt-')
      effect: allow
      obligations:
        - retain: { days: 30 }
`,
  `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: flaky, version: 2.0.0 }
spec:
  onError: warn
  target: has(request.model)
  rules:
    - id: missing-field
      when: request.reasoning.effort == 'high'
      effect: deny
    - id: admin
      when: "'admin' in user.roles"
      effect: allow
      message: admin
`,
  `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: skipper }
spec:
  onError: skip
  combining: first-match
  rules:
    - id: divide
      when: budget.spent / budget.zero > 1
      effect: deny
    - id: spent
      when: budget.spent > 100.0
      effect: deny
      message: "spent {{ budget.spent }}"
    - id: rest
      effect: allow
      obligations:
        - tag: { budget: ok }
`,
  `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: ordered }
spec:
  combining: priority
  rules:
    - { id: low, when: "user.tier == 'free'", effect: deny, priority: 1, message: free }
    - { id: high, when: "'vip' in user.roles", effect: allow, priority: 5 }
`,
  `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: candidate }
spec:
  mode: shadow
  rules:
    - { id: stricter, when: request.max_tokens > 500, effect: deny, message: stricter cap }
`,
  `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: acme-only, namespace: acme }
spec:
  rules:
    - { id: no-o1, when: "request.model == 'o1'", effect: deny, message: acme does not use o1 }
`,
];

const INPUTS: Record<string, unknown>[] = [];
for (const tier of ['free', 'pro', 'enterprise'])
  for (const model of ['gpt-4o', 'o1', undefined])
    for (const max of [200, 2000, 9000])
      for (const roles of [[], ['admin'], ['vip', 'admin']])
        INPUTS.push({
          user: { tier, roles },
          request: {
            ...(model !== undefined ? { model } : {}),
            max_tokens: max,
            messages: Array.from({ length: 2 * roles.length }, () => ({ role: 'user', content: 'hi' })),
            // a missing field (onError: warn) at 2000
            ...(max !== 2000 ? { reasoning: { effort: max === 9000 ? 'high' : 'low' } } : {}),
          },
          // a missing field (onError: skip) for pro
          budget: { spent: max / 20, ...(tier !== 'pro' ? { zero: 1000 } : {}) },
        });
INPUTS.push({}, { user: 'not an object' }, { request: { max_tokens: 1 } });

const SOME_FUNCTIONS = builtinLibrary.filter((f) => f.name === 'size' || f.name === 'startsWith');

describe('decides as the main engine does', () => {
  test('on the W1 gate workload', async () => {
    const { WORKLOADS } = (await import(new URL('../../../shared/bench/workloads.mjs', import.meta.url).href)) as {
      WORKLOADS: Record<string, { generate(n: number): Record<string, unknown>[] }>;
    };
    const { main, mod } = await build([GATE]);
    const runtime = new PolicyEngine();
    expect(runtime.loadCompiled(mod)).toEqual(main.policies().map((p) => ({ ...p, file: 'p0.yaml' })));
    const prebuiltMain = new MainEngine();
    prebuiltMain.loadCompiled(mod);
    expect(runtime.revision).toBe(prebuiltMain.revision);
    for (const x of WORKLOADS.gate!.generate(256)) {
      const want = comparable(main.evaluate(x));
      expect(comparable(runtime.evaluate(x))).toEqual(want);
      expect(runtime.evaluate(x)).toEqual(prebuiltMain.evaluate(x));
    }
    expect(runtime.stats()).toMatchObject({ decisions: 512, compiledTo: 'code', cache: { enabled: false } });
  });

  test('with several policies, effects, errors, obligations, shadow and tenants, explain traces included', async () => {
    const { main, mod } = await build(POLICIES);
    const runtime = new PolicyEngine({ functions: SOME_FUNCTIONS, clock: () => 1_700_000_000_000 });
    runtime.loadCompiled(mod);
    expect(runtime.policies()).toEqual(main.policies());
    const effects = new Set<string>();
    let errors = 0;
    let obligations = 0;
    for (const x of INPUTS) {
      for (const options of [undefined, { tenant: 'acme' }, { tenant: 'other' }]) {
        const want = main.evaluate(x, options);
        effects.add(want.effect);
        errors += want.errors.length;
        obligations += want.obligations.length;
        expect(comparable(runtime.evaluate(x, options))).toEqual(comparable(want));
        const wantTrace = main.evaluate(x, { ...options, explain: true }).trace!;
        expect(runtime.evaluate(x, { ...options, explain: true }).trace!.policies).toEqual(wantTrace.policies);
      }
    }
    // the workload exercises what it claims to
    expect([...effects].sort()).toEqual(['allow', 'deny', 'warn']);
    expect(errors).toBeGreaterThan(0);
    expect(obligations).toBeGreaterThan(0);
    expect(runtime.stats().shadow).toEqual(main.stats().shadow);
    expect(runtime.stats().shadow[0]!.changed).toBeGreaterThan(0);
    expect(await runtime.evaluateAsync(INPUTS[0])).toEqual(runtime.evaluate(INPUTS[0]));
  });

  test('a registry given whole serves as the functions do; limits, state and the observer are the engine options', async () => {
    const { mod } = await build(POLICIES);
    const seen: string[] = [];
    const observer: DecisionObserver = {
      decision: (_p, _input, d) => void seen.push(d.effect),
      usage: () => undefined,
      flush: async () => undefined,
      close: async () => void seen.push('closed'),
    };
    const state = new MemoryStateStore();
    const runtime = new PolicyEngine({ registry: new Registry(SOME_FUNCTIONS), limits: { maxSteps: 3 }, observer, state });
    runtime.loadCompiled(mod);
    const d = runtime.evaluate(INPUTS[0]);
    expect(d.effect).toBe('deny');
    expect(d.errors.at(-1)).toMatchObject({ code: 'limit_exceeded' });
    await runtime.record({ keys: ['user:u1'], requests: 1 });
    await runtime.close();
    expect(seen).toEqual(['deny', 'closed']);
  });
});

describe('refuses what needs the main entry', () => {
  test('a module calling functions the engine lacks, naming each, before anything changes', async () => {
    const { mod } = await build(POLICIES);
    const runtime = new PolicyEngine();
    const before = runtime.revision;
    const err = thrown(() => runtime.loadCompiled(mod));
    expect(err.issues.map((i) => i.code)).toEqual(['invalid_prebuilt', 'invalid_prebuilt']);
    expect(err.issues.map((i) => i.message)).toEqual([
      "the prebuilt policies call `size`, which this engine's function library lacks",
      "the prebuilt policies call `startsWith`, which this engine's function library lacks",
    ]);
    expect(err.issues[0]!.hint).toMatch(/`functions` or `registry`/);
    expect(runtime.revision).toBe(before);
    expect(runtime.evaluate({}).effect).toBe('allow');
  });

  test.each(['addPolicy', 'setPolicies', 'compileToModule', 'removePolicy', 'promote'] as const)(
    '%s: `needs_main_entry`, with what to do instead',
    (method) => {
      const runtime = new PolicyEngine() as unknown as Record<string, (...a: unknown[]) => unknown>;
      const err = thrown(() => runtime[method]!(method === 'setPolicies' ? [{ text: GATE }] : method === 'addPolicy' ? GATE : 'gate'));
      expect(err.issues).toEqual([
        {
          code: 'needs_main_entry',
          message: `\`${method}\` needs what builds policies from their sources (the YAML parser, checker and compiler), which the \`llm-policy-engine/runtime\` engine leaves out`,
          hint: 'build the policies ahead of time with `llm-policy build` and load the module with `loadCompiled`, or import `PolicyEngine` from `llm-policy-engine` (the main entry)',
        },
      ]);
    },
  );

  test('loadFrom and loadBundle reject the same way', async () => {
    const runtime = new PolicyEngine();
    const source = { load: async () => [{ filename: 'gate.yaml', text: GATE }] };
    await expect(runtime.loadFrom(source)).rejects.toMatchObject({
      issues: [{ code: 'needs_main_entry', message: expect.stringMatching(/^`loadFrom` /) }],
    });
    await expect(runtime.loadBundle('{}', { hmacSecret: 'x' })).rejects.toMatchObject({
      issues: [{ code: 'needs_main_entry', message: expect.stringMatching(/^`loadBundle` /) }],
    });
  });

  test('options that only the main entry uses are option errors', () => {
    const err = thrown(() => new PolicyEngine({ cache: { max: 10 }, inputSchema: {}, codegen: 'never', audit: [] } as never));
    expect(err.issues.map((i) => [i.code, i.message])).toEqual([
      ['invalid_option', 'the `llm-policy-engine/runtime` engine takes no `cache` option'],
      ['invalid_option', 'the `llm-policy-engine/runtime` engine takes no `inputSchema` option'],
      ['invalid_option', 'the `llm-policy-engine/runtime` engine takes no `codegen` option'],
      ['invalid_option', 'the `llm-policy-engine/runtime` engine takes no `audit` option'],
    ]);
    expect(err.issues.every((i) => i.hint)).toBe(true);
    expect(() => new PolicyEngine({ limts: {} } as never)).toThrow(/unknown engine option `limts`/);
  });
});
