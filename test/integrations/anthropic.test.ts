// withPolicy over the real `@anthropic-ai/sdk` client, talking to the fake server on 127.0.0.1.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { PolicyDeniedError, policyContext, withPolicy, type AnthropicPolicyOptions } from '../../src/integrations/anthropic/index.js';
import { startFakeLLM, type FakeLLM } from '../fixtures/llm-server/server.mjs';
import { eventually, leakyText, makeEngine, SECRET } from './helpers.js';

let server: FakeLLM;
beforeAll(async () => {
  server = await startFakeLLM();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const user = { id: 'u1', tier: 'pro' };

function client(options: AnthropicPolicyOptions = {}, engine = makeEngine()) {
  const raw = new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: 'test-key', maxRetries: 0 });
  return { anthropic: withPolicy(raw, engine, { context: () => ({ user }), ...options }), engine };
}

const ask = (text: string, model = 'claude-sonnet-4-6') => ({
  model,
  max_tokens: 200,
  messages: [{ role: 'user' as const, content: text }],
});

async function rejection(p: PromiseLike<unknown>): Promise<PolicyDeniedError> {
  try {
    await p;
  } catch (e) {
    const d = PolicyDeniedError.of(e);
    if (d) return d;
    throw e;
  }
  throw new Error('expected a PolicyDeniedError');
}

describe('messages.create', () => {
  test('a denied request never reaches the server', async () => {
    const { anthropic } = client();
    const err = await rejection(anthropic.messages.create(ask('hi', 'claude-blocked')));
    expect(err.phase).toBe('request');
    expect(err.operation).toBe('messages.create');
    expect(err.reasons).toEqual(['model claude-blocked is blocked']);
    expect(server.requests).toHaveLength(0);
  });

  test('system and message text are redacted before sending', async () => {
    const { anthropic } = client();
    const r = await anthropic.messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 100,
      system: 'The customer is jane.doe@example.com',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Call me on 415-555-0132' }] }],
    });
    const body = server.requests[0]!.body;
    expect(body.system).toBe('The customer is [EMAIL]');
    expect(body.messages[0].content[0].text).toBe('Call me on [PHONE]');
    expect(r.content[0]).toMatchObject({ type: 'text', text: 'Hello from claude-sonnet-4-6.' });
  });

  test('route and set apply', async () => {
    const { anthropic } = client();
    await anthropic.messages.create({ ...ask('hi'), max_tokens: 4096 }, policyContext({ user: { id: 'u2', tier: 'free' } }));
    expect(server.requests[0]!.body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 256 });
  });

  test('the response text is redacted where a policy says so', async () => {
    server.reply({ text: 'Write to help@example.com' });
    const { anthropic } = client();
    const r = await anthropic.messages.create(ask('hi'));
    expect(r.content[0]).toMatchObject({ text: 'Write to [EMAIL]' });
  });

  test('usage lands in the budget: the next call over budget is denied', async () => {
    server.reply({ inputTokens: 50_000, outputTokens: 20_000 }); // claude-sonnet-4-6: $0.15 + $0.30
    const engine = makeEngine();
    const record = vi.spyOn(engine, 'record');
    const { anthropic } = client({}, engine);
    await anthropic.messages.create(ask('hi'));
    expect(record.mock.calls[0]![0]).toMatchObject({ keys: ['user:u1'], requests: 1, tokens: 70_000, costUsd: 0.45 });
    const err = await rejection(anthropic.messages.create(ask('again')));
    expect(err.reasons).toEqual(['daily budget spent']);
    expect(server.requests).toHaveLength(1);
  });

  test('messages.parse and clients from withOptions() are guarded', async () => {
    const { anthropic } = client();
    await expect(anthropic.messages.parse(ask('hi', 'claude-blocked'))).rejects.toBeInstanceOf(PolicyDeniedError);
    await expect(anthropic.withOptions({ timeout: 5000 }).messages.create(ask('hi', 'claude-blocked'))).rejects.toBeInstanceOf(
      PolicyDeniedError,
    );
    expect(server.requests).toHaveLength(0);
  });

  test('beta.messages is guarded too', async () => {
    const { anthropic } = client();
    await expect(anthropic.beta.messages.create(ask('hi', 'claude-blocked'))).rejects.toBeInstanceOf(PolicyDeniedError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('streaming', () => {
  test('messages.create({ stream: true }): a secret is cut off, the upstream request aborted', async () => {
    server.reply({ text: leakyText(), chunkSize: 5, chunkDelayMs: 2 });
    const { anthropic } = client();
    let text = '';
    const err = await rejection(
      (async () => {
        const stream = await anthropic.messages.create({ ...ask('hi'), stream: true });
        for await (const e of stream) if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
      })(),
    );
    expect(err.phase).toBe('response');
    expect(err.delivered).toBe(text.length);
    expect(text).not.toContain(SECRET.slice(0, 12));
    await eventually(() => server.requests[0]!.aborted);
  });

  test('messages.stream(): a denied request fails the stream without a request', async () => {
    const { anthropic } = client();
    const stream = anthropic.messages.stream(ask('hi', 'claude-blocked'));
    const err = await rejection(stream.finalMessage());
    expect(err.operation).toBe('messages.stream');
    expect(server.requests).toHaveLength(0);
  });

  test('messages.stream(): text events and the final message come redacted; usage from message_delta is recorded', async () => {
    server.reply({
      text: `Reach the team at team.lead@example.com today. ${'More words. '.repeat(15)}`,
      chunkSize: 4,
      inputTokens: 50_000,
      outputTokens: 20_000,
    });
    const engine = makeEngine();
    const record = vi.spyOn(engine, 'record');
    const { anthropic } = client({}, engine);
    const stream = anthropic.messages.stream(ask('hi'));
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const message = await stream.finalMessage();
    const expected = `Reach the team at [EMAIL] today. ${'More words. '.repeat(15)}`;
    expect(text).toBe(expected);
    expect(message.content[0]).toMatchObject({ type: 'text', text: expected });
    expect(record.mock.calls[0]![0]).toMatchObject({ tokens: 70_000, costUsd: 0.45 });
    expect(server.requests[0]!.body.stream).toBe(true);
  });

  test('messages.stream() takes per-call context', async () => {
    const { anthropic } = client();
    await anthropic.messages.stream(ask('hi'), policyContext({ user: { id: 'u7', tier: 'free' } })).finalMessage();
    expect(server.requests[0]!.body.model).toBe('gpt-4o-mini');
  });

  test('messages.stream(): a secret stops the stream', async () => {
    server.reply({ text: leakyText(), chunkSize: 7 });
    const { anthropic } = client();
    const stream = anthropic.messages.stream(ask('hi'));
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const err = await rejection(stream.finalMessage());
    expect(err.reasons).toEqual(['the response leaks a secret']);
    expect(text).not.toContain(SECRET.slice(0, 12));
  });
});
