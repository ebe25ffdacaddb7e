// Loads written to stall the host: many documents in one text, many loads one after another,
// one huge text, alias bombs. Work is bounded by the characters the loader scans (src/util/
// meter.ts), counted, not timed: a load must scan its text a bounded number of times.
import { describe, expect, test } from 'vitest';
import { PolicyEngine, PolicyError } from '../../src/entries/index.js';
import { meter } from '../../src/util/meter.js';

const doc = (i: number) =>
  `apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p${i} }\nspec:\n  rules:\n    - id: r\n      when: request.model == 'm${i}'\n      effect: deny\n`;

function scanned(f: () => void): number {
  const before = meter.scanned;
  f();
  return meter.scanned - before;
}

function refusal(f: () => void): PolicyError {
  try {
    f();
  } catch (e) {
    if (e instanceof PolicyError) return e;
    throw e;
  }
  throw new Error('expected a PolicyError');
}

describe('load work is linear in the text', () => {
  test('n one-rule documents in one text: twice the documents, at most ~twice the work', () => {
    const work = (n: number) => {
      const text = Array.from({ length: n }, (_, i) => doc(i)).join('---\n');
      return { chars: text.length, work: scanned(() => new PolicyEngine().addPolicy(text)) };
    };
    const a = work(1_000);
    const b = work(2_000);
    expect(b.work / a.work).toBeLessThan(2.2);
    // and a small constant number of passes over the text
    expect(b.work / b.chars).toBeLessThan(6);
  });

  test('policies added one at a time: each add scans only its own text', () => {
    const e = new PolicyEngine();
    const per: number[] = [];
    for (let i = 0; i < 600; i++) per.push(scanned(() => e.addPolicy(doc(i))));
    const early = per.slice(0, 50).reduce((x, y) => x + y, 0);
    const late = per.slice(550).reduce((x, y) => x + y, 0);
    expect(late / early).toBeLessThan(1.2);
    expect(e.policies()).toHaveLength(600);
  });

  test('setPolicies with one changed file recompiles that file only', () => {
    const files = Array.from({ length: 200 }, (_, i) => ({ text: doc(i), filename: `p${i}.yaml` }));
    const e = new PolicyEngine();
    const all = scanned(() => e.setPolicies(files));
    const changed = files.map((f, i) => (i === 7 ? { ...f, text: f.text.replace("'m7'", "'m7b'") } : f));
    const one = scanned(() => e.setPolicies(changed));
    // parsing every file again is linear; compiling only the changed one is the saving
    expect(one).toBeLessThan(all);
    expect(e.evaluate({ request: { model: 'm7b' } }).effect).toBe('deny');
    expect(e.evaluate({ request: { model: 'm7' } }).effect).toBe('allow');
  });

  test('a load over limits.maxPolicyBytes is refused where the budget ran out, and nothing changes', () => {
    const e = new PolicyEngine({ limits: { maxPolicyBytes: 50_000 } });
    e.addPolicy(doc(0));
    const big = Array.from({ length: 1_000 }, (_, i) => doc(i + 1)).join('---\n');
    const work = scanned(() => {
      const err = refusal(() => e.addPolicy(big, { filename: 'big.yaml' }));
      expect(err.issues[0]).toMatchObject({ code: 'limit_exceeded', file: 'big.yaml', offset: 50_000 });
      expect(err.issues[0]!.line).toBeGreaterThan(1);
    });
    expect(work).toBeLessThanOrEqual(big.length); // one pass to find the line, no parse
    expect(e.policies().map((p) => p.name)).toEqual(['p0']);
    const set = refusal(() =>
      e.setPolicies([
        { text: doc(1), filename: 'a.yaml' },
        { text: big, filename: 'b.yaml' },
      ]),
    );
    expect(set.issues[0]).toMatchObject({ code: 'limit_exceeded', file: 'b.yaml' });
  });
});

describe('YAML aliases', () => {
  const withAliases = (n: number) =>
    `apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: a, labels: { x: &x v } }\nspec:\n  rules:\n    - id: r\n      when: "true"\n      effect: allow\n      obligations:\n${Array.from({ length: n }, () => '        - notify: *x\n').join('')}`;

  test('100 aliases load; the 101st is limit_exceeded, at the alias', () => {
    expect(new PolicyEngine().addPolicy(withAliases(100))).toHaveLength(1);
    const err = refusal(() => new PolicyEngine().addPolicy(withAliases(101), { filename: 'a.yaml' }));
    expect(err.issues[0]).toMatchObject({ code: 'limit_exceeded', file: 'a.yaml', line: 110 });
  });

  test('aliases of collections of aliases (billion laughs) are refused by what they would expand to', () => {
    let y = 'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata:\n  name: bomb\n  labels:\n    a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++)
      y += `    l${i}: &l${i} [*${i === 1 ? 'a' : `l${i - 1}`}, *${i === 1 ? 'a' : `l${i - 1}`}, *${i === 1 ? 'a' : `l${i - 1}`}, *${i === 1 ? 'a' : `l${i - 1}`}, *${i === 1 ? 'a' : `l${i - 1}`}, *${i === 1 ? 'a' : `l${i - 1}`}, *${i === 1 ? 'a' : `l${i - 1}`}, *${i === 1 ? 'a' : `l${i - 1}`}, *${i === 1 ? 'a' : `l${i - 1}`}, *${i === 1 ? 'a' : `l${i - 1}`}]\n`;
    y += 'spec:\n  rules:\n    - id: r\n      effect: allow\n';
    const err = refusal(() => new PolicyEngine().addPolicy(y));
    expect(err.issues.map((i) => i.code)).toContain('limit_exceeded');
    expect(err.message).toMatch(/expand/);
  });
});
