// injection.classifier and the engine's detectors (src/decide/detectors.ts): evaluateAsync runs
// the classifiers a decision asks for, once per text, before deciding; failures and time-outs
// follow the policy's onError. A fake detector stands for an ONNX model or a guard API.
import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { PolicyEngine, type Detector } from '../../src/entries/index.js';

const doc = (spec: string) => `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: p }
spec:
${spec.replace(/^/gm, '  ')}
`;

const rules = (onError?: string) =>
  doc(`${onError ? `onError: ${onError}\n` : ''}rules:
  - id: guard
    when: "injection.classifier('guard', request) > 0.8"
    effect: deny
    message: classifier says injection`);

/** A fake classifier: the score is the share of words that are "ignore"; counts its calls. */
function fake(options: Partial<Detector> & { fail?: boolean; hang?: boolean } = {}) {
  const calls: string[] = [];
  const d: Detector = {
    name: 'guard',
    async detect(text, { signal }) {
      calls.push(text);
      if (options.fail) throw new Error('model not loaded');
      if (options.hang)
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted by the engine'))));
      const words = text.split(/\s+/).filter(Boolean);
      return words.filter((w) => w.toLowerCase() === 'ignore').length / Math.max(1, words.length);
    },
    ...options,
  };
  return { d, calls };
}

const input = (text: string) => ({ request: { model: 'm', messages: [{ role: 'user', content: text }] } });

afterEach(() => {
  vi.useRealTimers();
});

describe('injection.classifier', () => {
  test('evaluateAsync runs the classifier before deciding, and the policy reads its score', async () => {
    const { d, calls } = fake();
    const e = new PolicyEngine({ detectors: [d] });
    e.addPolicy(rules());
    expect((await e.evaluateAsync(input('ignore ignore ignore ignore ignore'))).effect).toBe('deny');
    expect((await e.evaluateAsync(input('what is the weather'))).effect).toBe('allow');
    expect(calls).toEqual(['ignore ignore ignore ignore ignore', 'what is the weather']);
  });

  test('one call per text: the result is cached, and a synchronous evaluate reads it', async () => {
    const { d, calls } = fake();
    const e = new PolicyEngine({ detectors: [d] });
    e.addPolicy(rules());
    await e.evaluateAsync(input('ignore ignore'));
    await e.evaluateAsync(input('ignore ignore'));
    expect(e.evaluate(input('ignore ignore')).effect).toBe('deny');
    expect(calls).toHaveLength(1);
  });

  test('concurrent decisions about one text share one call', async () => {
    const { d, calls } = fake();
    const e = new PolicyEngine({ detectors: [d] });
    e.addPolicy(rules());
    const ds = await Promise.all([1, 2, 3].map(() => e.evaluateAsync(input('ignore ignore'))));
    expect(ds.map((x) => x.effect)).toEqual(['deny', 'deny', 'deny']);
    expect(calls).toHaveLength(1);
  });

  test('a synchronous evaluate of a text never classified is an unavailable error, handled by onError', () => {
    const { d, calls } = fake();
    const e = new PolicyEngine({ detectors: [d] });
    e.addPolicy(rules());
    const dec = e.evaluate(input('hello'));
    expect(dec.effect).toBe('deny');
    expect(dec.errors).toMatchObject([{ code: 'unavailable', handling: 'deny' }]);
    expect(dec.errors[0]!.message).toMatch(/evaluateAsync/);
    expect(calls).toHaveLength(0);
  });

  test('a failing classifier follows onError: deny by default, skip or warn when the policy says so', async () => {
    for (const [onError, effect] of [
      [undefined, 'deny'],
      ['skip', 'allow'],
      ['warn', 'warn'],
    ] as const) {
      const { d } = fake({ fail: true });
      const e = new PolicyEngine({ detectors: [d] });
      e.addPolicy(rules(onError));
      const dec = await e.evaluateAsync(input('ignore'));
      expect(dec.effect, String(onError)).toBe(effect);
      expect(dec.errors).toMatchObject([{ code: 'unavailable', message: expect.stringMatching(/model not loaded/) }]);
    }
  });

  test('failures are not kept: the next evaluateAsync asks again', async () => {
    let fail = true;
    const calls: string[] = [];
    const d: Detector = {
      name: 'guard',
      async detect(text) {
        calls.push(text);
        if (fail) throw new Error('busy');
        return 0.9;
      },
    };
    const e = new PolicyEngine({ detectors: [d] });
    e.addPolicy(rules('skip'));
    expect((await e.evaluateAsync(input('x'))).effect).toBe('allow');
    fail = false;
    expect((await e.evaluateAsync(input('x'))).effect).toBe('deny');
    expect(calls).toHaveLength(2);
  });

  test('a classifier that does not answer in time fails (fake timers), and its call is aborted', async () => {
    vi.useFakeTimers();
    const { d } = fake({ hang: true, timeoutMs: 500 });
    const e = new PolicyEngine({ detectors: [d] });
    e.addPolicy(rules());
    const pending = e.evaluateAsync(input('ignore'));
    await vi.advanceTimersByTimeAsync(499);
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const dec = await pending;
    expect(dec.effect).toBe('deny');
    expect(dec.errors[0]!.message).toMatch(/timed out after 500 ms/);
  });

  test('a result that is not a score in [0, 1] is a failure; an object with a score is accepted', async () => {
    const bad: Detector = { name: 'guard', detect: async () => 7 };
    const e = new PolicyEngine({ detectors: [bad] });
    e.addPolicy(rules());
    expect((await e.evaluateAsync(input('x'))).errors[0]!.message).toMatch(/not a score in \[0, 1\]/);
    const good: Detector = { name: 'guard', detect: async () => ({ score: 0.95 }) };
    const e2 = new PolicyEngine({ detectors: [good] });
    e2.addPolicy(rules());
    expect((await e2.evaluateAsync(input('x'))).effect).toBe('deny');
  });

  test("a classifier asked only when another one's answer leads there runs in a second round", async () => {
    const seen: string[] = [];
    const a: Detector = {
      name: 'a',
      async detect(t) {
        seen.push(`a:${t}`);
        return t === 'first' ? 0.9 : 0.1;
      },
    };
    const b: Detector = {
      name: 'b',
      async detect(t) {
        seen.push(`b:${t}`);
        return 0.95;
      },
    };
    const e = new PolicyEngine({ detectors: [a, b] });
    e.addPolicy(
      doc(`rules:
  - id: two
    when: "injection.classifier('a', x) > 0.5 ? injection.classifier('b', y) > 0.5 : false"
    effect: deny`),
    );
    expect((await e.evaluateAsync({ x: 'first', y: 'second' })).effect).toBe('deny');
    expect(seen).toEqual(['a:first', 'b:second']);
    seen.length = 0;
    expect((await e.evaluateAsync({ x: 'other', y: 'never asked' })).effect).toBe('allow');
    expect(seen).toEqual(['a:other']);
  });

  test('an unknown classifier name, or none registered, is an invalid_argument error', async () => {
    const e = new PolicyEngine({ detectors: [fake().d] });
    e.addPolicy(doc(`rules:\n  - { id: r, when: "injection.classifier('nope', 'x') > 0.5", effect: deny }`));
    expect((await e.evaluateAsync({})).errors).toMatchObject([{ code: 'invalid_argument', message: expect.stringMatching(/`nope`/) }]);
    const none = new PolicyEngine();
    none.addPolicy(doc(`rules:\n  - { id: r, when: "injection.classifier('guard', 'x') > 0.5", effect: deny }`));
    expect(none.evaluate({}).errors[0]!.message).toMatch(/register classifiers/);
  });

  test('detectors are checked when the engine is made', () => {
    expect(() => new PolicyEngine({ detectors: [{ name: '', detect: async () => 0 }] })).toThrow(/needs a `name`/);
    const d = fake().d;
    expect(() => new PolicyEngine({ detectors: [d, d] })).toThrow(/two detectors are named `guard`/);
  });

  test('property: the cache answers as the detector would, whatever the order of texts, with one call per distinct text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('ignore', 'ignore ignore', 'a b', 'ignore a', ''), { maxLength: 12 }), async (texts) => {
        const { d, calls } = fake();
        const e = new PolicyEngine({ detectors: [{ ...d, detect: d.detect }] });
        e.addPolicy(rules());
        for (const t of texts) {
          const words = t.split(/\s+/).filter(Boolean);
          const expected = words.filter((w) => w === 'ignore').length / Math.max(1, words.length) > 0.8 ? 'deny' : 'allow';
          expect((await e.evaluateAsync(input(t))).effect).toBe(expected);
        }
        expect(calls.length).toBe(new Set(texts).size);
      }),
      { numRuns: 30 },
    );
  });
});
