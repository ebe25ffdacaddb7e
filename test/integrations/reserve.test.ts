// Budget reservation through the middleware: a policy asks with budget.reserve, the wrapped
// client holds the estimate before the call, settles with the actual cost after it, and
// releases on error or abort, with no code of the caller's.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { compileExpression, MemoryStateStore, PolicyEngine } from '../../src/entries/index.js';
import { guard, PolicyDeniedError } from '../../src/entries/guard.js';
import { policyMiddleware } from '../../src/integrations/ai-sdk/index.js';
import { withPolicy, type OpenAIPolicyOptions } from '../../src/integrations/openai/index.js';
import { startFakeLLM, type FakeLLM } from '../fixtures/llm-server/server.mjs';
import { NOW } from './helpers.js';

let server: FakeLLM;
beforeAll(async () => {
  server = await startFakeLLM();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const POLICY = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: budget }
spec:
  rules:
    - id: daily-budget
      when: >-
        context.phase == 'request' &&
        !budget.reserve('user:' + user.id, llm.estimateCost(request), user.limit, 'day')
      effect: deny
      message: daily budget would be exceeded
`;

const DAY_START = Date.UTC(2026, 0, 15);
const params = { model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user' as const, content: 'Say hello' }] };
/** What the policy reserves for `params`: input tokens counted, max_tokens of output. */
const estimate = compileExpression('llm.estimateCost(r)').evaluate({ r: params }) as number;
const cost = (input: number, output: number) => compileExpression(`llm.cost('gpt-4o-mini', ${input}, ${output})`).evaluate({}) as number;

/** A memory store whose holds take a round trip, like a remote store's: decisions made meanwhile do not see them. */
function slowHolds(): MemoryStateStore {
  const s = new MemoryStateStore();
  const sync = s.reserve.bind(s);
  return Object.assign(s, {
    reserve: async (...args: Parameters<MemoryStateStore['reserve']>) => {
      await new Promise((r) => setTimeout(r, 1));
      return sync(...args);
    },
  });
}

function setup(user: { id: string; limit: number }, options: OpenAIPolicyOptions = {}, state = new MemoryStateStore()) {
  const engine = new PolicyEngine({ clock: () => NOW, state });
  engine.addPolicy(POLICY);
  const spies = {
    reserve: vi.spyOn(engine, 'reserve'),
    settle: vi.spyOn(engine, 'settle'),
    release: vi.spyOn(engine, 'release'),
    record: vi.spyOn(engine, 'record'),
  };
  const raw = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test-key', maxRetries: 0 });
  const openai = withPolicy(raw, engine, { context: () => ({ user }), ...options });
  const key = `user:${user.id}`;
  const spent = () => state.sum(key, 'costUsd', DAY_START, NOW);
  const held = () => state.reserved(key, 'costUsd', NOW);
  return { openai, engine, state, spies, spent, held };
}

describe('reserve before, settle after', () => {
  test('the estimate is held during the call and replaced by the actual cost', async () => {
    const { openai, spies, spent, held } = setup({ id: 'u1', limit: 1 });
    let heldDuring = -1;
    server.reply(() => {
      heldDuring = held();
      return { inputTokens: 40, outputTokens: 12 };
    });
    await openai.chat.completions.create(params);
    expect(spies.reserve).toHaveBeenCalledTimes(1);
    expect(spies.reserve.mock.calls[0]![0]).toEqual([{ key: 'user:u1', amount: estimate, limit: 1, period: 'day', metric: 'costUsd' }]);
    expect(heldDuring).toBeCloseTo(estimate, 12);
    expect(spies.settle).toHaveBeenCalledTimes(1);
    expect(spies.settle.mock.calls[0]![1]).toEqual({ keys: ['user:u1'], requests: 1, tokens: 52, costUsd: cost(40, 12) });
    expect(spies.record).not.toHaveBeenCalled();
    expect(held()).toBe(0);
    expect(spent()).toBeCloseTo(cost(40, 12), 12);
  });

  test('a provider error releases the hold and spends nothing', async () => {
    const { openai, spies, spent, held } = setup({ id: 'u2', limit: 1 });
    server.reply({ status: 500 });
    await expect(openai.chat.completions.create(params)).rejects.toThrow();
    await vi.waitFor(() => expect(spies.release).toHaveBeenCalledTimes(1));
    expect(spies.settle).not.toHaveBeenCalled();
    expect(held()).toBe(0);
    expect(spent()).toBe(0);
  });

  test('an aborted call releases the hold', async () => {
    const { openai, spies, held } = setup({ id: 'u3', limit: 1 });
    let answer!: () => void;
    server.reply(() => new Promise((r) => (answer = () => r({}))));
    const controller = new AbortController();
    const p = openai.chat.completions.create(params, { signal: controller.signal });
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    expect(held()).toBeCloseTo(estimate, 12);
    controller.abort();
    await expect(p).rejects.toThrow(/abort/i);
    await vi.waitFor(() => expect(spies.release).toHaveBeenCalledTimes(1));
    expect(held()).toBe(0);
    answer();
  });

  test('a stream the caller leaves early is settled with what it used so far', async () => {
    const { openai, spies, held, spent } = setup({ id: 'u4', limit: 1 });
    server.reply({ text: 'word '.repeat(200), chunkSize: 5 });
    const s = await openai.chat.completions.create({ ...params, stream: true });
    let n = 0;
    for await (const _ of s) if (++n === 3) break;
    await vi.waitFor(() => expect(spies.settle).toHaveBeenCalledTimes(1));
    expect(held()).toBe(0);
    expect(spent()).toBeGreaterThan(0);
    expect(spent()).toBeLessThan(estimate);
  });

  test('concurrent calls that all pass the decision get holds only while the budget lasts', async () => {
    // room for 5 estimates: 20 calls decide at once (all see an empty budget), then race to hold it
    const { openai, held, spent } = setup({ id: 'u5', limit: estimate * 5.5 }, {}, slowHolds());
    server.reply({ inputTokens: 40, outputTokens: 12 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => openai.chat.completions.create(params)));
    const denied = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(server.requests).toHaveLength(5);
    expect(denied).toHaveLength(15);
    for (const e of denied) {
      expect(e).toBeInstanceOf(PolicyDeniedError);
      expect(e.reasons[0]).toMatch(/^budget reservation refused: `user:u5` has no room/);
    }
    expect(held()).toBe(0);
    expect(spent()).toBeCloseTo(5 * cost(40, 12), 12);
  });

  test('a cost function that returns NaN is reported, and the held estimate is spent instead', async () => {
    const onUsageError = vi.fn();
    const { openai, spent } = setup({ id: 'u6', limit: 1 }, { cost: () => Number.NaN, onUsageError });
    await openai.chat.completions.create(params);
    expect(onUsageError).toHaveBeenCalledWith(
      expect.objectContaining({ message: expect.stringMatching(/is `NaN`, not a number of USD/) }),
      expect.anything(),
    );
    expect(spent()).toBeCloseTo(estimate, 12);
  });
});

describe('guard()', () => {
  test('a function that throws releases; one that returns settles', async () => {
    const state = new MemoryStateStore();
    const engine = new PolicyEngine({ clock: () => NOW, state });
    engine.addPolicy(POLICY);
    const user = { id: 'g1', limit: 1 };
    let fail = true;
    const ask = guard(
      async (prompt: string) => {
        expect(state.reserved('user:g1', 'costUsd', NOW)).toBeGreaterThan(0);
        if (fail) throw new Error('provider down');
        return { text: `echo ${prompt}`, in: 10, out: 5 };
      },
      engine,
      {
        toInput: (prompt) => ({ request: { ...params, messages: [{ role: 'user', content: prompt }] }, user }),
        fromOutput: (r) => ({ text: r.text, usage: { input_tokens: r.in, output_tokens: r.out } }),
      },
    );
    await expect(ask('hi')).rejects.toThrow('provider down');
    expect(state.reserved('user:g1', 'costUsd', NOW)).toBe(0);
    expect(state.sum('user:g1', 'costUsd', DAY_START, NOW)).toBe(0);
    fail = false;
    await ask('hi');
    expect(state.reserved('user:g1', 'costUsd', NOW)).toBe(0);
    expect(state.sum('user:g1', 'costUsd', DAY_START, NOW)).toBeCloseTo(cost(10, 5), 12);
  });

  test('an engine without reserve hands the obligation to onObligation', async () => {
    const engine = new PolicyEngine({ clock: () => NOW });
    engine.addPolicy(POLICY);
    const onObligation = vi.fn();
    const plain = { evaluate: engine.evaluate.bind(engine), record: engine.record.bind(engine) };
    const ask = guard(async () => 'ok', plain, {
      toInput: () => ({ request: params, user: { id: 'g2', limit: 1 } }),
      onObligation,
    });
    await ask();
    expect(onObligation).toHaveBeenCalledWith(
      { reserve: expect.objectContaining({ key: 'user:g2', amount: estimate }) },
      expect.anything(),
    );
  });
});

describe('AI SDK middleware', () => {
  test('generateText holds, then settles; a failing provider releases', async () => {
    const { engine, spies, spent, held } = setup({ id: 'ai1', limit: 1 });
    const provider = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test-key' });
    const middleware = policyMiddleware(engine, { context: () => ({ user: { id: 'ai1', limit: 1 } }) });
    const model = wrapLanguageModel({ model: provider.chat('gpt-4o-mini'), middleware });
    let heldDuring = -1;
    server.reply(() => {
      heldDuring = held();
      return { inputTokens: 30, outputTokens: 7 };
    });
    await generateText({ model, prompt: 'Say hello', maxOutputTokens: 100, maxRetries: 0 });
    expect(spies.reserve).toHaveBeenCalledTimes(1);
    expect(heldDuring).toBeGreaterThan(0);
    expect(held()).toBe(0);
    expect(spent()).toBeCloseTo(cost(30, 7), 12);
    server.reply({ status: 500 });
    await expect(generateText({ model, prompt: 'Say hello', maxOutputTokens: 100, maxRetries: 0 })).rejects.toThrow();
    expect(spies.release).toHaveBeenCalledTimes(1);
    expect(held()).toBe(0);
    expect(spent()).toBeCloseTo(cost(30, 7), 12);
  });
});
