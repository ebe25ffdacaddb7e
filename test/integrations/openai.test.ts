// withPolicy over the real `openai` client, talking to the fake server on 127.0.0.1.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { MemoryAuditSink } from '../../src/entries/audit.js';
import { PolicyDeniedError as MainPolicyDeniedError } from '../../src/entries/guard.js';
import { PolicyDeniedError, policyContext, withPolicy, type OpenAIPolicyOptions } from '../../src/integrations/openai/index.js';
import { startFakeLLM, type FakeLLM } from '../fixtures/llm-server/server.mjs';
import { eventually, leakyText, makeEngine, SECRET } from './helpers.js';

let server: FakeLLM;
beforeAll(async () => {
  server = await startFakeLLM();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const user = { id: 'u1', tier: 'pro' };

function client(options: OpenAIPolicyOptions = {}, engine = makeEngine()) {
  const raw = new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test-key', maxRetries: 0 });
  return { openai: withPolicy(raw, engine, { context: () => ({ user }), ...options }), engine, raw };
}

async function rejection(p: PromiseLike<unknown>): Promise<PolicyDeniedError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof PolicyDeniedError) return e;
    throw e;
  }
  throw new Error('expected a PolicyDeniedError');
}

describe('chat.completions.create', () => {
  test('a denied request never reaches the server', async () => {
    const { openai } = client();
    const err = await rejection(openai.chat.completions.create({ model: 'gpt-blocked', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err).toBeInstanceOf(MainPolicyDeniedError);
    expect(err.phase).toBe('request');
    expect(err.decision.effect).toBe('deny');
    expect(err.reasons).toEqual(['model gpt-blocked is blocked']);
    expect(err.message).toContain('model gpt-blocked is blocked');
    expect(err.callId).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.requests).toHaveLength(0);
  });

  test('the wrapped client keeps its type and its other members', async () => {
    const { openai, raw } = client();
    expect(openai).toBeInstanceOf(OpenAI);
    expect(openai.baseURL).toBe(raw.baseURL);
    const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe('Hello from gpt-4o.');
    expect(r._request_id).toMatch(/^req_/);
  });

  test('a redacted request arrives without the PII; the caller’s params are untouched', async () => {
    const { openai } = client();
    const params = {
      model: 'gpt-4o',
      messages: [
        { role: 'system' as const, content: 'Be brief.' },
        {
          role: 'user' as const,
          content: [{ type: 'text' as const, text: 'Mail jane.doe@example.com or call 415-555-0132 about the invoice' }],
        },
      ],
    };
    await openai.chat.completions.create(params);
    const sent = server.requests[0]!.body;
    expect(JSON.stringify(sent)).not.toContain('jane.doe@example.com');
    expect(JSON.stringify(sent)).not.toContain('415-555-0132');
    expect(sent.messages[1].content[0].text).toBe('Mail [EMAIL] or call [PHONE] about the invoice');
    expect(JSON.stringify(params.messages[1])).toContain('jane.doe@example.com');
  });

  test('a routed request arrives with the new model', async () => {
    const { openai } = client({ context: () => ({ user: { id: 'u2', tier: 'free' } }) });
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(server.requests[0]!.body.model).toBe('gpt-4o-mini');
  });

  test('set caps max_tokens under the name the caller used', async () => {
    const { openai } = client();
    await openai.chat.completions.create({ model: 'gpt-4o', max_tokens: 4000, messages: [{ role: 'user', content: 'hi' }] });
    await openai.chat.completions.create({ model: 'gpt-4o', max_completion_tokens: 4000, messages: [{ role: 'user', content: 'hi' }] });
    await openai.chat.completions.create({ model: 'gpt-4o', max_completion_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(server.requests.map((r) => [r.body.max_tokens, r.body.max_completion_tokens])).toEqual([
      [256, undefined],
      [undefined, 256],
      [undefined, 100],
    ]);
  });

  test('warn calls onWarn and goes on; unknown obligations go to onObligation', async () => {
    const onWarn = vi.fn();
    const onObligation = vi.fn();
    const { openai } = client({ onWarn, onObligation, context: () => ({ user, context: { notify: true } }) });
    await openai.chat.completions.create({ model: 'gpt-4o', temperature: 1.8, messages: [{ role: 'user', content: 'hi' }] });
    expect(server.requests).toHaveLength(1);
    expect(onWarn).toHaveBeenCalledTimes(1);
    expect(onWarn.mock.calls[0]![0].reasons).toEqual(['temperature above 1.5']);
    expect(onWarn.mock.calls[0]![1]).toMatchObject({ phase: 'request', operation: 'chat.completions.create', provider: 'openai' });
    expect(onObligation).toHaveBeenCalledWith({ notify: { channel: 'security' } }, expect.objectContaining({ phase: 'request' }));
  });

  test('strictObligations fails a call whose obligation nobody carries out', async () => {
    const { openai } = client({ strictObligations: true, context: () => ({ user, context: { notify: true } }) });
    await expect(openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow(
      /obligation `notify`/,
    );
    expect(server.requests).toHaveLength(0);
  });

  test('per-call context from policyContext wins over the client’s and is not sent', async () => {
    const { openai } = client();
    await openai.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      policyContext({ user: { id: 'u3', tier: 'free' } }, { headers: { 'x-trace': 't1' } }),
    );
    expect(server.requests[0]!.body.model).toBe('gpt-4o-mini');
    expect(server.requests[0]!.headers['x-trace']).toBe('t1');
    expect(JSON.stringify(server.requests[0]!.body)).not.toContain('u3');
  });

  test('the response is redacted where a policy says so', async () => {
    server.reply({ text: 'Write to support@example.com for help.' });
    const { openai } = client();
    const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe('Write to [EMAIL] for help.');
  });

  test('a denied response is withheld, and its usage is still recorded', async () => {
    server.reply({ text: `the key is ${SECRET}`, inputTokens: 100_000, outputTokens: 10_000 });
    const { openai, engine } = client();
    const err = await rejection(openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
    expect(err.phase).toBe('response');
    expect(err.reasons).toEqual(['the response leaks a secret']);
    expect(err.message).not.toContain(SECRET);
    expect(engine.evaluate({ request: { model: 'gpt-4o' }, user, context: { phase: 'request' } }).reasons).toEqual(['daily budget spent']);
  });

  test('usage lands in the budget: the next call over budget is denied before the network', async () => {
    server.reply({ inputTokens: 100_000, outputTokens: 10_000 }); // gpt-4o: $0.25 + $0.10
    const { openai } = client();
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const err = await rejection(openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'again' }] }));
    expect(err.reasons).toEqual(['daily budget spent']);
    expect(server.requests).toHaveLength(1);
  });

  test('usageKeys and cost options decide what is recorded', async () => {
    const engine = makeEngine();
    const record = vi.spyOn(engine, 'record');
    const { openai } = client(
      {
        usageKeys: (input) => [`team:${(input.user as { id: string }).id}-team`],
        cost: (_model, u) => (u.input_tokens + u.output_tokens) / 1e6,
      },
      engine,
    );
    server.reply({ inputTokens: 1000, outputTokens: 500 });
    await openai.chat.completions.create({ model: 'some-unknown-model', messages: [{ role: 'user', content: 'hi' }] });
    expect(record).toHaveBeenCalledWith({ keys: ['team:u1-team'], requests: 1, tokens: 1500, costUsd: 0.0015 });
  });

  test('the pre and post decisions of one call share a call id in the audit trail', async () => {
    const audit = new MemoryAuditSink();
    const engine = makeEngine({ audit });
    const { openai } = client({}, engine);
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'again' }] });
    await engine.flushAudit();
    const decisions = audit.records.filter((r) => r.kind === 'decision') as { input?: { context: { callId: string; phase: string } } }[];
    expect(decisions.map((d) => d.input!.context.phase)).toEqual(['request', 'response', 'request', 'response']);
    const ids = decisions.map((d) => d.input!.context.callId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).toBe(ids[3]);
    expect(ids[0]).not.toBe(ids[2]);
  });

  test('withResponse() still works, with the response phase applied', async () => {
    server.reply({ text: 'Mail ann@example.com' });
    const { openai } = client();
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.choices[0]!.message.content).toBe('Mail [EMAIL]');
  });

  test('strict mode decides with evaluateAsync', async () => {
    const engine = makeEngine();
    const spy = vi.spyOn(engine, 'evaluateAsync');
    const { openai } = client({ strict: true }, engine);
    await expect(
      openai.chat.completions.create({ model: 'gpt-blocked', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(PolicyDeniedError);
    const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(r.data.choices[0]!.message.content).toBe('Hello from gpt-4o.');
    expect(spy).toHaveBeenCalledTimes(3);
    expect(server.requests).toHaveLength(1);
  });

  test('the SDK helpers (parse, stream) go through the same checks', async () => {
    const { openai } = client();
    await expect(
      openai.chat.completions.parse({ model: 'gpt-blocked', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(PolicyDeniedError);
    // the stream helper wraps errors in an OpenAIError whose `cause` is ours
    const wrapped = await openai.chat.completions
      .stream({ model: 'gpt-blocked', messages: [{ role: 'user', content: 'hi' }] })
      .finalChatCompletion()
      .catch((e: unknown) => e);
    expect(wrapped).toBeInstanceOf(OpenAI.OpenAIError);
    expect(PolicyDeniedError.of(wrapped)?.phase).toBe('request');
    expect(PolicyDeniedError.of(new Error('other'))).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    const parsed = await openai.chat.completions.parse({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Mail jane@example.com' }] });
    expect(parsed.choices[0]!.message.content).toBe('Hello from gpt-4o.');
    expect(server.requests[0]!.body.messages[0].content).toBe('Mail [EMAIL]');
  });

  test('per-call context survives the SDK helpers that copy request options', async () => {
    const { openai } = client();
    await openai.chat.completions
      .stream({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, policyContext({ user: { id: 'u4', tier: 'free' } }))
      .finalChatCompletion();
    expect(server.requests[0]!.body.model).toBe('gpt-4o-mini');
  });

  test('withOptions() returns a wrapped client too', async () => {
    const { openai } = client();
    const other = openai.withOptions({ timeout: 5000 });
    await expect(
      other.chat.completions.create({ model: 'gpt-blocked', messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(PolicyDeniedError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('chat.completions.create with stream: true', () => {
  async function collect(
    stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
  ): Promise<{ text: string; chunks: OpenAI.Chat.Completions.ChatCompletionChunk[]; error?: unknown }> {
    let text = '';
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    try {
      for await (const c of stream) {
        chunks.push(c);
        text += c.choices[0]?.delta?.content ?? '';
      }
    } catch (error) {
      return { text, chunks, error };
    }
    return { text, chunks };
  }

  test('a clean stream arrives whole; usage is recorded from the final chunk, which the caller does not see', async () => {
    server.reply({ text: 'The quick brown fox jumps over the lazy dog.', inputTokens: 100_000, outputTokens: 10_000, chunkSize: 4 });
    const { openai } = client();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const { text, chunks, error } = await collect(stream);
    expect(error).toBeUndefined();
    expect(text).toBe('The quick brown fox jumps over the lazy dog.');
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect(server.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    const err = await rejection(
      openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'again' }], stream: true }),
    );
    expect(err.reasons).toEqual(['daily budget spent']);
  });

  test('a caller who asked for usage gets the usage chunk', async () => {
    const { openai } = client();
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks } = await collect(stream);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: expect.any(Number) });
  });

  test('a streamed response containing a secret is cut off before the secret reaches the caller', async () => {
    server.reply({ text: leakyText(), chunkSize: 5, chunkDelayMs: 2 });
    const { openai } = client();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const { text, error } = await collect(stream);
    expect(error).toBeInstanceOf(PolicyDeniedError);
    const err = error as PolicyDeniedError;
    expect(err.phase).toBe('response');
    expect(err.reasons).toEqual(['the response leaks a secret']);
    expect(err.delivered).toBe(text.length);
    expect(text).not.toContain(SECRET.slice(0, 12));
    expect(text.length).toBeLessThan(leakyText().indexOf(SECRET));
    await eventually(() => server.requests[0]!.aborted);
  });

  test('streamed text is redacted, even where an entity is split across chunks', async () => {
    server.reply({ text: `Contact us at support.team@example.com any time. ${'Filler words here. '.repeat(12)}`, chunkSize: 3 });
    const { openai } = client();
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const { text, error } = await collect(stream);
    expect(error).toBeUndefined();
    expect(text).toBe(`Contact us at [EMAIL] any time. ${'Filler words here. '.repeat(12)}`);
  });

  test('holdBack: false passes chunks through; a deny still stops the stream', async () => {
    server.reply({ text: leakyText(), chunkSize: 5 });
    const { openai } = client({ stream: { holdBack: false, checkEvery: 1 } });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const { text, error } = await collect(stream);
    expect(error).toBeInstanceOf(PolicyDeniedError);
    expect(text.length).toBeGreaterThan(leakyText().indexOf(SECRET)); // some of it got out: that is the trade-off
    expect(text.length).toBeLessThan(leakyText().length);
  });

  test('a caller who stops reading early still has the call recorded', async () => {
    server.reply({ text: 'word '.repeat(200), chunkSize: 5, inputTokens: 100_000, outputTokens: 10_000 });
    const engine = makeEngine();
    const record = vi.spyOn(engine, 'record');
    const { openai } = client({}, engine);
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const c of stream) if (c.choices[0]?.delta?.content) break;
    expect(record).toHaveBeenCalledTimes(1);
    expect(record.mock.calls[0]![0]).toMatchObject({ keys: ['user:u1'], requests: 1 });
  });
});

describe('responses.create', () => {
  test('a denied request never reaches the server', async () => {
    const { openai } = client();
    const err = await rejection(openai.responses.create({ model: 'gpt-blocked', input: 'hi' }));
    expect(err.operation).toBe('responses.create');
    expect(server.requests).toHaveLength(0);
  });

  test('instructions and input are redacted; the route and the token cap apply', async () => {
    const { openai } = client({ context: () => ({ user: { id: 'u5', tier: 'free' } }) });
    const r = await openai.responses.create({
      model: 'gpt-4o',
      instructions: 'Reply to jane.doe@example.com',
      max_output_tokens: 2000,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'My phone is 415-555-0132' }] }],
    });
    const body = server.requests[0]!.body;
    expect(body.model).toBe('gpt-4o-mini');
    expect(body.max_output_tokens).toBe(256);
    expect(body.instructions).toBe('Reply to [EMAIL]');
    expect(body.input[0].content[0].text).toBe('My phone is [PHONE]');
    expect(r.output_text).toBe('Hello from gpt-4o-mini.');
  });

  test('the response text is redacted, output_text included', async () => {
    server.reply({ text: 'Ask ann@example.com' });
    const { openai } = client();
    const r = await openai.responses.create({ model: 'gpt-4o', input: 'hi' });
    expect(r.output_text).toBe('Ask [EMAIL]');
    expect((r.output[0] as { content: { text: string }[] }).content[0]!.text).toBe('Ask [EMAIL]');
  });

  test('a stream with a secret is cut off; a clean one records usage from response.completed', async () => {
    server.reply({ text: leakyText(), chunkSize: 6 });
    const { openai } = client();
    const events: string[] = [];
    let text = '';
    const err = await rejection(
      (async () => {
        const stream = await openai.responses.create({ model: 'gpt-4o', input: 'hi', stream: true });
        for await (const e of stream) {
          events.push(e.type);
          if (e.type === 'response.output_text.delta') text += e.delta;
        }
      })(),
    );
    expect(err.phase).toBe('response');
    expect(text).not.toContain(SECRET.slice(0, 12));
    expect(events).not.toContain('response.completed');

    server.reply({ text: 'Mail ann@example.com soon', inputTokens: 100_000, outputTokens: 10_000 });
    const stream = await openai.responses.create({ model: 'gpt-4o', input: 'hi', stream: true });
    let done = '';
    let completed = '';
    text = '';
    for await (const e of stream) {
      if (e.type === 'response.output_text.delta') text += e.delta;
      if (e.type === 'response.output_text.done') done = e.text;
      if (e.type === 'response.completed') completed = (e.response.output[0] as { content: { text: string }[] }).content[0]!.text;
    }
    expect([text, done, completed]).toEqual(['Mail [EMAIL] soon', 'Mail [EMAIL] soon', 'Mail [EMAIL] soon']);
    await expect(openai.responses.create({ model: 'gpt-4o', input: 'again' })).rejects.toThrow('daily budget spent');
  });
});
