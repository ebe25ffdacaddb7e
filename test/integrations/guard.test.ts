// The generic guard(fn, engine, options) and the streaming window scanner, without any SDK.
import { describe, expect, test, vi } from 'vitest';
import { guard, PolicyDeniedError, type PolicyInput } from '../../src/entries/guard.js';
import { GuardedCall, StreamGuard, type StreamAdapter } from '../../src/integrations/guard/index.js';
import { leakyText, makeEngine, SECRET } from './helpers.js';

interface Reply {
  text: string;
  tokensIn: number;
  tokensOut: number;
}

const user = { id: 'u1', tier: 'pro' };

function llm(reply: (prompt: string, model: string) => Reply) {
  const calls: { prompt: string; model: string }[] = [];
  const fn = async (prompt: string, model: string): Promise<Reply> => {
    calls.push({ prompt, model });
    return reply(prompt, model);
  };
  return { fn, calls };
}

const toInput = (prompt: string, model: string) => ({ request: { model, messages: [{ role: 'user', content: prompt }] }, user });
const fromOutput = (r: Reply) => ({ text: r.text, usage: { input_tokens: r.tokensIn, output_tokens: r.tokensOut } });

describe('guard', () => {
  test('a denied call never runs the function', async () => {
    const { fn, calls } = llm(() => ({ text: 'ok', tokensIn: 1, tokensOut: 1 }));
    const ask = guard(fn, makeEngine(), { toInput, fromOutput });
    await expect(ask('hi', 'gpt-blocked')).rejects.toBeInstanceOf(PolicyDeniedError);
    expect(calls).toHaveLength(0);
  });

  test('obligations apply through the callbacks the host gives', async () => {
    const { fn, calls } = llm(() => ({ text: 'Reply to ann@example.com', tokensIn: 1, tokensOut: 1 }));
    const ask = guard(fn, makeEngine(), {
      toInput: (prompt, model) => ({ ...toInput(prompt, model), user: { id: 'u2', tier: 'free' } }),
      fromOutput,
      redact: ([prompt, model], f): [string, string] => [f(prompt), model],
      route: ([prompt], model): [string, string] => [prompt, model],
      redactOutput: (r, f) => ({ ...r, text: f(r.text) }),
    });
    const r = await ask('my mail is jane@example.com', 'gpt-4o');
    expect(calls).toEqual([{ prompt: 'my mail is [EMAIL]', model: 'gpt-4o-mini' }]);
    expect(r.text).toBe('Reply to [EMAIL]');
  });

  test('a string result is redacted without a callback; otherwise the obligation goes to onObligation', async () => {
    const engine = makeEngine();
    const s = guard(async (_p: string) => 'mail ann@example.com', engine, {
      toInput: (p) => toInput(p, 'gpt-4o'),
      fromOutput: (t) => ({ text: t }),
    });
    expect(await s('hi')).toBe('mail [EMAIL]');
    const onObligation = vi.fn();
    const o = guard(async (_p: string) => ({ body: 'mail ann@example.com' }), engine, {
      toInput: (p) => toInput(p, 'gpt-4o'),
      fromOutput: (t) => ({ text: t.body }),
      onObligation,
    });
    expect(await o('hi')).toEqual({ body: 'mail ann@example.com' });
    expect(onObligation).toHaveBeenCalledWith(
      { redact: { entities: ['email'], style: 'label' } },
      expect.objectContaining({ phase: 'response' }),
    );
  });

  test('a denied response is withheld; usage is recorded and counts against the budget', async () => {
    const engine = makeEngine();
    const { fn } = llm(() => ({ text: `key ${SECRET}`, tokensIn: 100_000, tokensOut: 10_000 }));
    const ask = guard(fn, engine, { toInput, fromOutput, name: 'ask', provider: 'acme' });
    const err = await ask('hi', 'gpt-4o').catch((e: unknown) => e as PolicyDeniedError);
    expect(err).toBeInstanceOf(PolicyDeniedError);
    expect(err).toMatchObject({ phase: 'response', operation: 'ask' });
    await expect(ask('hi', 'gpt-4o')).rejects.toThrow('daily budget spent');
  });

  test('without fromOutput the call is recorded with an estimate', async () => {
    const engine = makeEngine();
    const record = vi.spyOn(engine, 'record');
    const ask = guard(async (p: string) => p.toUpperCase(), engine, { toInput: (p) => toInput(p, 'gpt-4o') });
    expect(await ask('hello there')).toBe('HELLO THERE');
    expect(record).toHaveBeenCalledWith(expect.objectContaining({ keys: ['user:u1'], requests: 1, tokens: expect.any(Number) }));
    expect(record.mock.calls[0]![0].tokens).toBeGreaterThan(0);
  });

  test('phases, usageKeys and context callbacks', async () => {
    const engine = makeEngine();
    engine.addPolicy(`
apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: phased }
spec:
  rules:
    - id: pre-only
      when: context.phase == 'pre' && context.tenant == 'blocked'
      effect: deny
      message: tenant blocked
`);
    const record = vi.spyOn(engine, 'record');
    const seen: PolicyInput[] = [];
    const ask = guard(async (p: string) => p, engine, {
      toInput: (p) => toInput(p, 'gpt-4o'),
      fromOutput: (t) => ({ text: t }),
      phases: { request: 'pre', response: 'post' },
      context: () => ({ context: { tenant: 'acme' } }),
      usageKeys: (input) => {
        seen.push(input);
        return [`tenant:${String(input.context.tenant)}`];
      },
    });
    await ask('hi');
    expect(seen[0]!.context).toMatchObject({ phase: 'post', tenant: 'acme', partial: false });
    expect(record.mock.calls[0]![0].keys).toEqual(['tenant:acme']);
    const blocked = guard(async (p: string) => p, engine, {
      toInput: (p) => toInput(p, 'gpt-4o'),
      phases: { request: 'pre' },
      context: () => ({ context: { tenant: 'blocked' } }),
    });
    await expect(blocked('hi')).rejects.toThrow('tenant blocked');
  });

  test('an AsyncIterable result is checked as it streams', async () => {
    const text = leakyText();
    async function* chunks() {
      for (let i = 0; i < text.length; i += 3) yield { t: text.slice(i, i + 3) };
    }
    const adapter = (): StreamAdapter<unknown> => {
      const a: StreamAdapter<{ t: string }> = {
        textOf: (c) => c.t,
        withText: (_c, t) => ({ t }),
        observe: () => undefined,
        response: (t) => ({
          text: t,
          tool_calls: [],
          finish_reason: 'other',
          usage: { input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, reasoning_tokens: 0 },
        }),
      };
      return a as StreamAdapter<unknown>;
    };
    const ask = guard(async (_p: string) => chunks(), makeEngine(), { toInput: (p) => toInput(p, 'gpt-4o'), chunks: adapter });
    let got = '';
    const out = (await ask('hi')) as AsyncIterable<{ t: string }>;
    await expect(
      (async () => {
        for await (const c of out) got += c.t;
      })(),
    ).rejects.toBeInstanceOf(PolicyDeniedError);
    expect(got).not.toContain(SECRET.slice(0, 10));
  });
});

describe('StreamGuard', () => {
  const empty = { input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, reasoning_tokens: 0 };
  const adapter: StreamAdapter<string> = {
    textOf: (c) => c,
    withText: (_c, t) => t,
    observe: () => undefined,
    response: (t) => ({ text: t, tool_calls: [], finish_reason: 'other', usage: empty }),
  };

  function call() {
    return new GuardedCall<unknown>({
      engine: makeEngine(),
      options: {},
      adapter: { provider: 'test', toRequest: () => ({ model: 'gpt-4o', messages: [] }) },
      operation: 'test',
      params: {},
      stream: true,
      callContext: { user },
    });
  }

  async function run(text: string, size: number, options: ConstructorParameters<typeof StreamGuard>[2] = {}) {
    const g = new StreamGuard<string>(call(), adapter, options);
    let out = '';
    try {
      for (let i = 0; i < text.length; i += size) for (const c of g.push(text.slice(i, i + size))) out += c;
      for (const c of await g.finish()) out += c;
      return { out };
    } catch (error) {
      await g.abandon();
      return { out, error: error as PolicyDeniedError };
    }
  }

  test('a secret arriving one character at a time is found and never delivered', async () => {
    const { out, error } = await run(leakyText(), 1);
    expect(error).toBeInstanceOf(PolicyDeniedError);
    expect(out).not.toContain(SECRET.slice(0, 10));
    expect(error!.delivered).toBe(out.length);
  });

  test('a secret straddling a check boundary is found whole (the window overlaps)', async () => {
    for (const at of [120, 128, 130, 200, 250]) {
      const text = `${'x '.repeat(at / 2)}${SECRET} ${'tail words '.repeat(30)}`;
      const { out, error } = await run(text, 7, { checkEvery: 128 });
      expect(error, `secret at ${at}`).toBeInstanceOf(PolicyDeniedError);
      expect(out).not.toContain(SECRET.slice(0, 8));
    }
  });

  test('a secret late in a long stream is found with a small window', async () => {
    const text = `${'benign text. '.repeat(400)}${SECRET} the end`;
    const { error } = await run(text, 11, { checkEvery: 64, window: 256 });
    expect(error).toBeInstanceOf(PolicyDeniedError);
  });

  test('a chunk larger than the window is checked whole', async () => {
    const text = `${'benign text. '.repeat(25)}${SECRET} ${'more benign text. '.repeat(150)}`;
    const { out, error } = await run(text, 1000, { checkEvery: 64, window: 256 });
    expect(error).toBeInstanceOf(PolicyDeniedError);
    expect(out).toBe('');
  });

  test('short clean streams are delivered whole at the end', async () => {
    expect(await run('hello world', 2)).toEqual({ out: 'hello world' });
  });

  test('redaction across chunk boundaries keeps the rest of the text intact', async () => {
    const text = `a: one@example.com, b: two.people@example.org; ${'fill '.repeat(60)}c: three@example.net.`;
    for (const size of [1, 2, 5, 13]) {
      const { out, error } = await run(text, size, { checkEvery: 16, holdBack: 8 });
      expect(error).toBeUndefined();
      expect(out).toBe(`a: [EMAIL], b: [EMAIL]; ${'fill '.repeat(60)}c: [EMAIL].`);
    }
  });
});
