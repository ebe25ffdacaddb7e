// Composition (docs/lifecycle.md#composition): libraries imported into policies, extensions
// merged into their base, each error at its position, and loads that recompile only what a
// changed library or extension feeds.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { PolicyEngine, PolicyError } from '../../src/entries/index.js';
import type { Issue } from '../../src/lang/errors.js';

const lib = (name: string, spec: string, namespace?: string) => `apiVersion: llmpolicy/v1
kind: Library
metadata: { name: ${name}${namespace ? `, namespace: ${namespace}` : ''} }
spec:
${spec.replace(/^/gm, '  ')}
`;
const pol = (name: string, spec: string, namespace?: string) => lib(name, spec, namespace).replace('kind: Library', 'kind: Policy');

const SHARED = lib(
  'shared',
  `let:
  cheap_models: "['gpt-4o-mini', 'claude-3-5-haiku']"
conditions:
  is_free: user.tier == 'free'
  expensive: "!(request.model in cheap_models)"`,
);
const MODELS = pol(
  'models',
  `imports: [shared]
rules:
  - id: free-tier-models
    when: is_free && expensive
    effect: deny
    message: "{{ request.model }} is not on the free tier"`,
);

/** The issues of the PolicyError `f` throws, as `file:line:column code message`. */
function issuesOf(f: () => unknown): Issue[] {
  try {
    f();
  } catch (e) {
    if (e instanceof PolicyError) return e.issues;
    throw e;
  }
  throw new Error('expected a PolicyError');
}
const where = (i: Issue) => `${i.file}:${i.line}:${i.column} ${i.code}`;

/** 1-based line and column of the first `needle` in `text`. */
function pos(text: string, needle: string): string {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`not found: ${needle}`);
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

const engine = () => new PolicyEngine({ codegen: 'never' });

describe('libraries', () => {
  test('imported lets and conditions are used by name, as if declared in the policy', () => {
    for (const codegen of ['never', 'auto'] as const) {
      const e = new PolicyEngine({ codegen });
      e.addPolicy(SHARED, { filename: 'shared.yaml' });
      e.addPolicy(MODELS, { filename: 'models.yaml' });
      expect(e.policies().map((p) => p.name)).toEqual(['models']);
      const d = e.evaluate({ user: { tier: 'free' }, request: { model: 'gpt-4o' } });
      expect(d.effect).toBe('deny');
      expect(d.reasons).toEqual(['gpt-4o is not on the free tier']);
      expect(e.evaluate({ user: { tier: 'free' }, request: { model: 'gpt-4o-mini' } }).effect).toBe('allow');
      expect(e.evaluate({ user: { tier: 'pro' }, request: { model: 'gpt-4o' } }).effect).toBe('allow');
    }
  });

  test('one text may hold the library and the policy, in any order; libraries import libraries', () => {
    const base = lib('base', 'let:\n  limit: 100');
    const mid = lib('mid', 'imports: [base]\nconditions:\n  over: request.max_tokens > limit');
    const p = pol('p', 'imports: [mid]\nrules:\n  - { id: big, when: over && limit == 100, effect: deny }');
    const e = engine();
    e.setPolicies([{ text: `${p}---\n${mid}---\n${base}`, filename: 'all.yaml' }]);
    expect(e.evaluate({ request: { max_tokens: 101 } }).effect).toBe('deny');
    expect(e.evaluate({ request: { max_tokens: 100 } }).effect).toBe('allow');
  });

  test('a library in the shared `default` namespace serves every namespace; its own namespace first', () => {
    const e = engine();
    e.addPolicy(lib('limits', 'let:\n  max: 10'));
    e.addPolicy(lib('limits', 'let:\n  max: 5', 'team-a'));
    e.addPolicy(pol('a', 'imports: [limits]\nrules:\n  - { id: r, when: request.n > max, effect: deny }', 'team-a'));
    e.addPolicy(pol('b', 'imports: [limits]\nrules:\n  - { id: r, when: request.n > max, effect: warn }', 'team-b'));
    const d = e.evaluate({ request: { n: 7 } });
    expect(d.matched.map((m) => `${m.namespace}/${m.policy}:${m.effect}`)).toEqual(['team-a/a:deny']);
    expect(e.evaluate({ request: { n: 11 } }).matched.map((m) => m.effect)).toEqual(['deny', 'warn']);
  });

  test('a library alone is checked when it loads', () => {
    const text = lib('bad', "conditions:\n  c: size('abc')\n  d: nosuch.fn(1)");
    const issues = issuesOf(() => engine().addPolicy(text, { filename: 'bad.yaml' }));
    expect(issues.map(where)).toEqual([
      `bad.yaml:${pos(text, 'c: size')} type_mismatch`,
      `bad.yaml:${pos(text, 'fn(1)')} unknown_function`,
    ]);
    expect(issues[0]!.message).toBe('condition `c` must be a bool, got int');
  });

  test("an error in an imported let points into the library's file, once however many import it", () => {
    const bad = lib('bad', 'let:\n  x: request.n +');
    const issues = issuesOf(() =>
      engine().setPolicies([
        { text: bad, filename: 'lib.yaml' },
        { text: pol('p1', 'imports: [bad]\nrules: [{ id: r, when: x > 1, effect: deny }]'), filename: 'p1.yaml' },
        { text: pol('p2', 'imports: [bad]\nrules: [{ id: r, when: x > 1, effect: deny }]'), filename: 'p2.yaml' },
      ]),
    );
    expect(issues.map((i) => `${i.file} ${i.code}`)).toEqual(['lib.yaml syntax']);
  });

  test('a condition is a bool to the checker', () => {
    const e = engine();
    e.addPolicy(lib('c', 'conditions:\n  ok: request.n > 1'), { filename: 'c.yaml' });
    const text = pol('p', 'imports: [c]\nrules: [{ id: r, when: ok + 1 > 2, effect: deny }]');
    expect(issuesOf(() => e.addPolicy(text, { filename: 'p.yaml' })).map((i) => i.code)).toEqual(['type_mismatch']);
  });

  test('a library may hold only imports, let and conditions', () => {
    const text = lib('l', 'target: true\nrules: []');
    const issues = issuesOf(() => engine().addPolicy(text, { filename: 'l.yaml' }));
    expect(issues.map((i) => `${where(i)} ${i.message}`)).toEqual([
      `l.yaml:${pos(text, 'target')} schema a \`Library\` cannot have \`target\``,
      `l.yaml:${pos(text, 'rules')} schema a \`Library\` cannot have \`rules\``,
    ]);
  });
});

describe('import errors, positioned', () => {
  test('a missing library, with a suggestion for a misspelt name', () => {
    const e = engine();
    e.addPolicy(SHARED, { filename: 'shared.yaml' });
    const text = pol('p', 'imports: [shraed]\nrules: []');
    const [i, ...rest] = issuesOf(() => e.addPolicy(text, { filename: 'p.yaml' }));
    expect(rest).toEqual([]);
    expect(where(i!)).toBe(`p.yaml:${pos(text, 'shraed')} unknown_import`);
    expect(i!.message).toBe('unknown library `shraed`');
    expect(i!.hint).toBe('did you mean `shared`?');
    expect(i!.length).toBe('shraed'.length);
    expect(e.policies()).toEqual([]);
  });

  test('importing a policy', () => {
    const e = engine();
    e.addPolicy(pol('other', 'rules: []'));
    const text = pol('p', 'imports: [other]\nrules: []');
    expect(issuesOf(() => e.addPolicy(text)).map((i) => i.message)).toEqual(['`other` is a policy, not a library']);
  });

  test('a cycle of imports, at the entry that closes it', () => {
    const a = lib('a', 'imports: [b]\nlet:\n  x: 1');
    const b = lib('b', 'imports: [c]\nlet:\n  y: 2');
    const c = lib('c', 'imports: [a]\nlet:\n  z: 3');
    const issues = issuesOf(() =>
      engine().setPolicies([
        { text: a, filename: 'a.yaml' },
        { text: b, filename: 'b.yaml' },
        { text: c, filename: 'c.yaml' },
      ]),
    );
    expect(issues.map((i) => `${where(i)} ${i.message}`)).toEqual([
      `c.yaml:${pos(c, '[a]').replace(/:(\d+)$/, (_, n) => `:${Number(n) + 1}`)} import_cycle libraries import each other in a cycle: \`a\` -> \`b\` -> \`c\` -> \`a\``,
    ]);
  });

  test('a library importing itself', () => {
    const text = lib('a', 'imports: [a]\nlet:\n  x: 1');
    expect(issuesOf(() => engine().addPolicy(text)).map((i) => i.code)).toEqual(['import_cycle']);
  });

  test('an imported name that a local let also defines: at the local key', () => {
    const e = engine();
    e.addPolicy(SHARED, { filename: 'shared.yaml' });
    const text = pol('p', 'imports: [shared]\nlet:\n  is_free: "true"\nrules: []');
    const issues = issuesOf(() => e.addPolicy(text, { filename: 'p.yaml' }));
    expect(issues.map((i) => `${where(i)} ${i.message}`)).toEqual([
      `p.yaml:${pos(text, 'is_free')} name_clash \`is_free\` is already defined by library \`shared\``,
    ]);
  });

  test('two imports with the same name: at the second import', () => {
    const e = engine();
    e.addPolicy(lib('one', 'let:\n  limit: 1'));
    e.addPolicy(lib('two', 'let:\n  limit: 2'));
    const text = pol('p', 'imports: [one, two]\nrules: []');
    const issues = issuesOf(() => e.addPolicy(text, { filename: 'p.yaml' }));
    expect(issues.map((i) => `${where(i)} ${i.message}`)).toEqual([
      `p.yaml:${pos(text, 'two')} name_clash library \`two\` brings \`limit\`, which library \`one\` already defines`,
    ]);
  });

  test('the same library reached twice is no clash', () => {
    const e = engine();
    e.addPolicy(lib('base', 'let:\n  limit: 1'));
    e.addPolicy(lib('x', 'imports: [base]\nlet:\n  a: limit + 1'));
    e.addPolicy(lib('y', 'imports: [base]\nlet:\n  b: limit + 2'));
    e.addPolicy(pol('p', 'imports: [x, y, base]\nrules: [{ id: r, when: a + b + limit == 6, effect: deny }]'));
    expect(e.evaluate({}).effect).toBe('deny');
  });

  test('a library imported twice by one document', () => {
    const e = engine();
    e.addPolicy(SHARED);
    const text = pol('p', 'imports: [shared, shared]\nrules: []');
    const issues = issuesOf(() => e.addPolicy(text, { filename: 'p.yaml' }));
    expect(issues.map(where)).toEqual([`p.yaml:5:${text.split('\n')[4]!.lastIndexOf('shared') + 1} name_clash`]);
  });
});

describe('incremental loads', () => {
  test('changing a library recompiles the policies that import it, and only those', () => {
    const e = engine();
    e.addPolicy(lib('limits', 'let:\n  max: 10'));
    e.addPolicy(pol('uses', 'imports: [limits]\nrules: [{ id: r, when: request.n > max, effect: deny }]'));
    e.addPolicy(pol('alone', 'rules: [{ id: r, when: request.n > 1000, effect: deny }]'));
    const before = e.revision;
    expect(e.evaluate({ request: { n: 7 } }).effect).toBe('allow');
    const compiled = (name: string) => (e as unknown as { current: { byKey: Map<string, unknown> } }).current.byKey.get(`default/${name}`);
    const alone = compiled('alone');
    const uses = compiled('uses');
    e.addPolicy(lib('limits', 'let:\n  max: 5'));
    expect(e.revision).not.toBe(before);
    expect(e.evaluate({ request: { n: 7 } }).effect).toBe('deny');
    expect(compiled('alone')).toBe(alone);
    expect(compiled('uses')).not.toBe(uses);
  });

  test('a library change that breaks an importer replaces nothing', () => {
    // with an input schema, a name the library no longer defines is an unknown variable
    const e = new PolicyEngine({
      inputSchema: { type: 'object', properties: { request: { type: 'object' } }, additionalProperties: false },
    });
    e.addPolicy(lib('limits', 'let:\n  max: 10'));
    e.addPolicy(pol('uses', 'imports: [limits]\nrules: [{ id: r, when: request.n > max, effect: deny }]'), { filename: 'uses.yaml' });
    const rev = e.revision;
    const issues = issuesOf(() => e.addPolicy(lib('limits', 'let:\n  maximum: 10'), { filename: 'limits.yaml' }));
    expect(issues.map((i) => `${i.file} ${i.code}`)).toEqual(['uses.yaml unknown_variable']);
    expect(e.revision).toBe(rev);
    expect(e.evaluate({ request: { n: 11 } }).effect).toBe('deny');
  });

  test('removing a library that something imports is an error and keeps it', () => {
    const e = engine();
    e.addPolicy(SHARED);
    e.addPolicy(MODELS, { filename: 'models.yaml' });
    const issues = issuesOf(() => e.removePolicy('shared'));
    expect(issues.map((i) => `${where(i)} ${i.message}`)).toEqual([
      `models.yaml:${pos(MODELS, 'shared')} unknown_import unknown library \`shared\``,
    ]);
    expect(e.evaluate({ user: { tier: 'free' }, request: { model: 'gpt-4o' } }).effect).toBe('deny');
    expect(e.removePolicy('models')).toBe(true);
    expect(e.removePolicy('shared')).toBe(true);
  });

  test('setPolicies keeps what did not change and recompiles importers of a changed library', () => {
    const e = engine();
    const files = [
      { text: lib('limits', 'let:\n  max: 10'), filename: 'limits.yaml' },
      { text: pol('uses', 'imports: [limits]\nrules: [{ id: r, when: request.n > max, effect: deny }]'), filename: 'uses.yaml' },
    ];
    e.setPolicies(files);
    expect(e.evaluate({ request: { n: 7 } }).effect).toBe('allow');
    e.setPolicies([{ text: lib('limits', 'let:\n  max: 5'), filename: 'limits.yaml' }, files[1]!]);
    expect(e.evaluate({ request: { n: 7 } }).effect).toBe('deny');
  });
});

const BASE = pol(
  'baseline',
  `combining: priority
rules:
  - { id: no-gpt5, when: "request.model == 'gpt-5'", effect: deny, priority: 10 }
  - { id: ok, effect: allow }`,
);

describe('extends', () => {
  test("an extension's rules decide as rules of its base", () => {
    const e = engine();
    e.addPolicy(BASE, { filename: 'base.yaml' });
    e.addPolicy(pol('team', 'extends: baseline\nrules:\n  - { id: no-o1, when: "request.model == \'o1\'", effect: deny }'));
    expect(e.policies().map((p) => `${p.name}:${p.rules}`)).toEqual(['baseline:3']);
    const d = e.evaluate({ request: { model: 'o1' } });
    expect(d.effect).toBe('deny');
    expect(d.matched.map((m) => `${m.policy}/${m.rule}:${m.effect}`)).toContain('baseline/no-o1:deny');
    expect(e.evaluate({ request: { model: 'gpt-5' } }).effect).toBe('deny');
    expect(e.evaluate({ request: { model: 'gpt-4o' } }).effect).toBe('allow');
    // the base changes: the extension's rules come along
    e.addPolicy(BASE.replace("'gpt-5'", "'gpt-6'"));
    expect(e.evaluate({ request: { model: 'o1' } }).effect).toBe('deny');
    expect(e.evaluate({ request: { model: 'gpt-5' } }).effect).toBe('allow');
    // the extension goes: so do its rules
    e.removePolicy('team');
    expect(e.evaluate({ request: { model: 'o1' } }).effect).toBe('allow');
  });

  test('an extension may use the lets of its base and import libraries of its own', () => {
    const e = engine();
    e.addPolicy(SHARED);
    e.addPolicy(pol('base', 'let:\n  small: request.max_tokens < 100\nrules: []'));
    e.addPolicy(pol('ext', 'extends: base\nimports: [shared]\nrules: [{ id: r, when: is_free && !small, effect: deny }]'));
    expect(e.evaluate({ user: { tier: 'free' }, request: { max_tokens: 500 } }).effect).toBe('deny');
    expect(e.evaluate({ user: { tier: 'free' }, request: { max_tokens: 50 } }).effect).toBe('allow');
  });

  test('errors, each at its place', () => {
    const e = engine();
    e.addPolicy(BASE, { filename: 'base.yaml' });
    e.addPolicy(lib('shared', 'let:\n  x: 1'));
    const cases: [string, string, string][] = [
      ['extends: baselin\nrules: []', 'baselin', 'unknown_import unknown base policy `baselin`'],
      ['extends: shared\nrules: []', 'shared', 'invalid_extends `shared` is a library, not a policy'],
      ['extends: ext\nrules: []', 'ext\n', 'invalid_extends a policy cannot extend itself'],
      [
        'extends: baseline\ncombining: first-match\nrules: []',
        'combining',
        'invalid_extends an extension cannot set `combining`: it decides with the `combining` of its base `baseline`',
      ],
      [
        'extends: baseline\nrules: [{ id: no-gpt5, effect: allow }]',
        'no-gpt5',
        'name_clash rule `no-gpt5` is already a rule of base policy `baseline`',
      ],
      [
        'extends: baseline\nrules: [{ id: vip, effect: allow, priority: 11 }]',
        'vip',
        'weakens_base rule `vip` (`allow`, priority 11) outranks a deny of base policy `baseline` (priority 10)',
      ],
    ];
    for (const [spec, needle, expected] of cases) {
      const text = pol('ext', spec);
      const issues = issuesOf(() => e.addPolicy(text, { filename: 'ext.yaml' }));
      expect(issues.map((i) => `${where(i)} ${i.message}`)).toEqual([`ext.yaml:${pos(text, needle)} ${expected}`]);
    }
    expect(issuesOf(() => e.addPolicy(pol('ext', 'extends: baselin\nrules: []')))[0]!.hint).toBe('did you mean `baseline`?');
    // a deny of any priority, and anything at most the lowest deny priority, are fine
    e.addPolicy(pol('ext', 'extends: baseline\nrules: [{ id: a, effect: deny, priority: 99 }, { id: b, effect: warn, priority: 10 }]'));
    expect(e.evaluate({ request: { model: 'gpt-5' } }).effect).toBe('deny');
  });

  test('a base with default deny takes only deny rules; extensions do not chain', () => {
    const e = engine();
    e.addPolicy(pol('strict', 'default: deny\nrules: [{ id: ok, when: "request.model == \'a\'", effect: allow }]'));
    const text = pol('ext', 'extends: strict\nrules: [{ id: also-b, when: "request.model == \'b\'", effect: allow }]');
    const [i] = issuesOf(() => e.addPolicy(text, { filename: 'ext.yaml' }));
    expect(`${where(i!)} ${i!.message}`).toBe(
      `ext.yaml:${pos(text, 'also-b')} weakens_base rule \`also-b\` (\`allow\`) could decide where base policy \`strict\` denies by default`,
    );
    e.addPolicy(pol('ext', 'extends: strict\nrules: [{ id: never-c, when: "request.model == \'c\'", effect: deny }]'));
    const chained = pol('ext2', 'extends: ext\nrules: []');
    expect(issuesOf(() => e.addPolicy(chained)).map((x) => `${x.code} ${x.message}`)).toEqual([
      'invalid_extends `ext` extends `strict` itself: extensions do not chain',
    ]);
  });

  test('with onError: deny every base rule can deny, so it bounds the priority', () => {
    const e = engine();
    e.addPolicy(pol('b', 'combining: priority\nrules: [{ id: low, when: request.n > 1, effect: allow, priority: -5 }]'));
    expect(issuesOf(() => e.addPolicy(pol('x', 'extends: b\nrules: [{ id: r, effect: allow }]'))).map((i) => i.code)).toEqual([
      'weakens_base',
    ]);
    e.addPolicy(pol('b', 'combining: priority\nonError: skip\nrules: [{ id: low, when: request.n > 1, effect: allow, priority: -5 }]'));
    e.addPolicy(pol('x', 'extends: b\nrules: [{ id: r, effect: allow }]'));
  });

  test('an extension and its base clash on a let', () => {
    const e = engine();
    e.addPolicy(pol('b', 'let:\n  blocked: "true"\nrules: [{ id: r, when: blocked, effect: deny }]'));
    const text = pol('x', 'extends: b\nlet:\n  blocked: "false"\nrules: []');
    expect(issuesOf(() => e.addPolicy(text, { filename: 'x.yaml' })).map((i) => `${where(i)} ${i.message}`)).toEqual([
      `x.yaml:${pos(text, 'blocked')} name_clash \`blocked\` is already defined by policy \`b\``,
    ]);
  });

  test('removing a base that is extended is an error', () => {
    const e = engine();
    e.addPolicy(BASE);
    e.addPolicy(pol('team', 'extends: baseline\nrules: []'), { filename: 't.yaml' });
    expect(issuesOf(() => e.removePolicy('baseline')).map((i) => `${i.file} ${i.code}`)).toEqual(['t.yaml unknown_import']);
  });

  // The property the load check proves: whatever an accepted extension adds, every input the
  // base denies, the base with the extension denies.
  test('property: an accepted extension never turns a deny of its base into an allow or a warn', () => {
    const effect = fc.constantFrom('allow', 'deny', 'warn');
    const rule = fc.record({ effect, priority: fc.integer({ min: -2, max: 2 }), on: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(
        fc.constantFrom('deny-overrides', 'first-match', 'priority'),
        fc.constantFrom('allow', 'deny'),
        fc.constantFrom('deny', 'skip', 'warn'),
        fc.array(rule, { minLength: 1, maxLength: 4 }),
        fc.array(rule, { minLength: 1, maxLength: 4 }),
        (combining, dflt, onError, baseRules, extRules) => {
          // `on` picks the condition: never, always, when request.n is even, or an error
          const when = ['false', 'true', 'request.n % 2 == 0', 'request.nope > 1'];
          const rules = (rs: typeof baseRules, p: string) =>
            rs.map((r, i) => `  - { id: ${p}${i}, when: "${when[r.on]}", effect: ${r.effect}, priority: ${r.priority} }`).join('\n');
          const base = pol('b', `combining: ${combining}\ndefault: ${dflt}\nonError: ${onError}\nrules:\n${rules(baseRules, 'b')}`);
          const alone = engine();
          alone.addPolicy(base);
          const both = engine();
          both.addPolicy(base);
          try {
            both.addPolicy(pol('x', `extends: b\nrules:\n${rules(extRules, 'x')}`));
          } catch (e) {
            if (e instanceof PolicyError && e.issues.every((i) => i.code === 'weakens_base')) return;
            throw e;
          }
          for (const n of [1, 2]) {
            if (alone.evaluate({ request: { n } }).effect === 'deny') expect(both.evaluate({ request: { n } }).effect).toBe('deny');
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('composition with canaries', () => {
  const lib = (limit: number) =>
    `apiVersion: llmpolicy/v1\nkind: Library\nmetadata: { name: limits }\nspec:\n  let:\n    max_tokens: '${limit}'\n`;
  const pol = (version: string, rule: string) =>
    `apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: gate, version: ${version} }\nspec:\n  imports: [limits]\n  rules:\n    - { id: big, when: "${rule}", effect: deny }\n`;

  test('a candidate may import a library, and recompiles when the library changes', () => {
    const e = new PolicyEngine();
    e.setPolicies([{ text: lib(100) }, { text: pol('1.0.0', 'request.tokens > max_tokens') }]);
    e.addPolicy(pol('2.0.0', 'request.tokens >= max_tokens'), { canary: { percent: 100, by: 'user.id' } });
    const at = (tokens: number) => e.evaluate({ user: { id: 'u' }, request: { tokens } });
    expect(at(100).effect).toBe('deny'); // the candidate's `>=` decides
    expect(at(100).matched[0]!.version).toBe('2.0.0');
    e.addPolicy(lib(200));
    expect(at(100).effect).toBe('allow');
    expect(at(200).effect).toBe('deny');
    e.rollback('gate');
    expect(at(200).effect).toBe('allow');
  });

  test('a library or an extension cannot be a candidate', () => {
    const e = new PolicyEngine();
    e.setPolicies([{ text: lib(100) }, { text: pol('1.0.0', 'request.tokens > max_tokens') }]);
    expect(() => e.addPolicy(lib(5), { canary: { percent: 10, by: 'user.id' } })).toThrow(/library or an extension/);
    expect(e.evaluate({ user: { id: 'u' }, request: { tokens: 50 } }).effect).toBe('allow');
  });
});
