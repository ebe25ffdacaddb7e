// The rule index only narrows which rules are tried: decisions with it equal decisions
// without it (explain mode tries every rule, so it serves as the unindexed reference).
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { PolicyEngine } from '../../src/entries/index.js';

const rule = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }))
    .map(([t, m]) => `user.team == 't${t}' && request.model == 'm${m}'`),
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })).map(([a, b]) => `user.team in ['t${a}', 't${b}']`),
  fc.integer({ min: 0, max: 5 }).map((t) => `'t${t}' == user.team && x > 2.0`),
  fc.integer({ min: 0, max: 5 }).map((k) => `x > ${k}.0`),
  fc.constant('user.team.startsWith("t1")'),
  // two guards on one path: the index may not take the bucket as proof
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })).map(([a, b]) => `user.team == 't${a}' && user.team == 't${b}'`),
  fc.integer({ min: 0, max: 5 }).map((t) => `user.team == 't${t}'`),
  // optional selections read the same paths but are not guards
  fc.integer({ min: 0, max: 3 }).map((m) => `request.?model == optional.of('m${m}')`),
  fc.integer({ min: 0, max: 5 }).map((t) => `user.?team.orValue('') == 't${t}' && request.?model.hasValue()`),
);

const policy = fc.record({
  combining: fc.constantFrom('deny-overrides', 'first-match', 'priority'),
  rules: fc.array(fc.tuple(rule, fc.constantFrom('allow', 'deny', 'warn'), fc.integer({ min: 0, max: 2 })), {
    minLength: 8,
    maxLength: 40,
  }),
});

const input = fc.record(
  {
    user: fc.oneof(
      fc.record({
        team: fc.oneof(
          fc.integer({ min: 0, max: 6 }).map((t) => `t${t}`),
          fc.constant(3),
          fc.constant(null),
        ),
      }),
      fc.constant({}),
    ),
    request: fc.record({ model: fc.integer({ min: 0, max: 4 }).map((m) => `m${m}`) }),
    x: fc.integer({ min: 0, max: 6 }),
  },
  { requiredKeys: ['request', 'x'] },
);

test('indexed decisions equal unindexed ones', () => {
  fc.assert(
    fc.property(policy, fc.array(input, { minLength: 1, maxLength: 10 }), (p, inputs) => {
      const e = new PolicyEngine();
      e.addPolicy(
        `apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  combining: ${p.combining}\n  rules:\n` +
          p.rules
            .map(
              ([when, effect, prio], i) =>
                `    - id: r${i}\n      when: ${JSON.stringify(when)}\n      effect: ${effect}\n      priority: ${prio}\n`,
            )
            .join(''),
      );
      for (const inp of inputs) {
        const fast = e.evaluate(inp);
        const { trace, ...slow } = e.evaluate(inp, { explain: true });
        expect(fast).toEqual(slow);
        void trace;
      }
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 300) },
  );
});

test('an indexed policy reports that the index was used', () => {
  const e = new PolicyEngine();
  const rules = Array.from({ length: 50 }, (_, i) => `    - { id: r${i}, when: "user.team == 't${i}'", effect: deny }\n`).join('');
  e.addPolicy(`apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  rules:\n${rules}`);
  expect(e.evaluate({ user: { team: 't7' } }).matched.map((m) => m.rule)).toEqual(['r7']);
  expect(e.evaluate({ user: { team: 'zz' } }).effect).toBe('allow');
  // a missing path falls back to trying every rule, so the error shows as it would unindexed
  expect(e.evaluate({}).errors).toHaveLength(50);
});
