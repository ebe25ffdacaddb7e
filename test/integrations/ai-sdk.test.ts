// policyMiddleware with the real `ai` package of each supported major (5, 6 and 7: the
// LanguageModelV2, V3 and V4 middleware specifications), wrapLanguageModel, generateText and
// streamText, and the matching `@ai-sdk/openai` pointed at the fake server on 127.0.0.1.
// ai 5 and 7 are installed under npm aliases (ai-v5, ai-v7, @ai-sdk/openai-v2, -v4).
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { PolicyDeniedError, policyMiddleware, type AISDKPolicyOptions } from '../../src/integrations/ai-sdk/index.js';
import { startFakeLLM, type FakeLLM } from '../fixtures/llm-server/server.mjs';
import { eventually, leakyText, makeEngine, SECRET } from './helpers.js';

import type { LanguageModelMiddleware as Middleware6 } from 'ai';
import type { LanguageModelMiddleware as Middleware5 } from 'ai-v5';
import type { LanguageModelMiddleware as Middleware7 } from 'ai-v7';

type AI = typeof import('ai');
type OpenAIProvider = typeof import('@ai-sdk/openai');

/** Each major of the AI SDK with the @ai-sdk/openai made for it, and the model specification it uses. */
const VERSIONS = [
  { name: 'ai 5', spec: 'v2', load: async () => [await import('ai-v5'), await import('@ai-sdk/openai-v2')] },
  { name: 'ai 6', spec: 'v3', load: async () => [await import('ai'), await import('@ai-sdk/openai')] },
  { name: 'ai 7', spec: 'v4', load: async () => [await import('ai-v7'), await import('@ai-sdk/openai-v4')] },
] as const;

let server: FakeLLM;
beforeAll(async () => {
  server = await startFakeLLM();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const user = { id: 'u1', tier: 'pro' };

async function denial(p: PromiseLike<unknown>): Promise<PolicyDeniedError> {
  try {
    await p;
  } catch (e) {
    const d = PolicyDeniedError.of(e);
    if (d) return d;
    throw e;
  }
  throw new Error('expected a PolicyDeniedError');
}

test('the middleware type-checks as the LanguageModelMiddleware of ai 5, 6 and 7 (V2, V3, V4 specifications)', () => {
  const mw = policyMiddleware(makeEngine());
  // compile-time: `npm run typecheck` fails if one of these assignments does not hold
  const as5: Middleware5 = mw;
  const as6: Middleware6 = mw;
  const as7: Middleware7 = mw;
  expect([as5, as6, as7].every((m) => typeof m.transformParams === 'function' && typeof m.wrapStream === 'function')).toBe(true);
});

describe.each(VERSIONS)('$name', ({ spec, load }) => {
  let generateText: AI['generateText'];
  let streamText: AI['streamText'];
  let wrapLanguageModel: AI['wrapLanguageModel'];
  let createOpenAI: OpenAIProvider['createOpenAI'];
  beforeAll(async () => {
    const [ai, openai] = (await load()) as unknown as [AI, OpenAIProvider];
    ({ generateText, streamText, wrapLanguageModel } = ai);
    ({ createOpenAI } = openai);
  });

  function setup(options: AISDKPolicyOptions = {}, engine = makeEngine(), api: 'chat' | 'responses' = 'chat') {
    const provider = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'test-key' });
    const base = (id: string) => (api === 'chat' ? provider.chat(id) : provider.responses(id));
    const middleware = policyMiddleware(engine, { context: () => ({ user }), resolveModel: (id) => base(id), ...options });
    return { model: (id = 'gpt-4o') => wrapLanguageModel({ model: base(id), middleware }), engine, base };
  }

  test(`the provider's models implement LanguageModel ${spec}, and the wrapped model keeps working`, async () => {
    const { model, base } = setup();
    expect(base('gpt-4o').specificationVersion).toBe(spec);
    expect((await generateText({ model: model(), prompt: 'hi', maxRetries: 0 })).text).toBe('Hello from gpt-4o.');
  });

  describe('generateText', () => {
    test('a denied request never reaches the server', async () => {
      const { model } = setup();
      const err = await denial(generateText({ model: model('gpt-blocked'), prompt: 'hi', maxRetries: 0 }));
      expect(err.phase).toBe('request');
      expect(err.operation).toBe('generate');
      expect(server.requests).toHaveLength(0);
    });

    test('a redacted request arrives without the PII', async () => {
      const { model } = setup();
      const r = await generateText({
        model: model(),
        system: 'Customer: jane.doe@example.com',
        prompt: 'Call 415-555-0132 back',
        maxRetries: 0,
      });
      const body = server.requests[0]!.body;
      expect(JSON.stringify(body)).not.toContain('jane.doe@example.com');
      expect(body.messages).toEqual([
        { role: 'system', content: 'Customer: [EMAIL]' },
        { role: 'user', content: 'Call [PHONE] back' },
      ]);
      expect(r.text).toBe('Hello from gpt-4o.');
    });

    test('route swaps the model through resolveModel; set caps maxOutputTokens', async () => {
      const { model } = setup({ context: () => ({ user: { id: 'u2', tier: 'free' } }) });
      await generateText({ model: model(), prompt: 'hi', maxOutputTokens: 4000, maxRetries: 0 });
      expect(server.requests[0]!.body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 256 });
    });

    test('route without resolveModel goes to onObligation', async () => {
      const onObligation = vi.fn();
      const { model } = setup({ context: () => ({ user: { id: 'u2', tier: 'free' } }), resolveModel: undefined, onObligation });
      await generateText({ model: model(), prompt: 'hi', maxRetries: 0 });
      expect(server.requests[0]!.body.model).toBe('gpt-4o');
      expect(onObligation).toHaveBeenCalledWith({ route: { model: 'gpt-4o-mini' } }, expect.objectContaining({ phase: 'request' }));
    });

    test('per-call user from providerOptions.policy', async () => {
      const { model } = setup();
      await generateText({
        model: model(),
        prompt: 'hi',
        maxRetries: 0,
        providerOptions: { policy: { user: { id: 'u9', tier: 'free' } } },
      });
      expect(server.requests[0]!.body.model).toBe('gpt-4o-mini');
    });

    test('the response is redacted; a denied response is withheld', async () => {
      const { model } = setup();
      server.reply({ text: 'Write to ann@example.com' });
      expect((await generateText({ model: model(), prompt: 'hi', maxRetries: 0 })).text).toBe('Write to [EMAIL]');
      server.reply({ text: `key: ${SECRET}` });
      const err = await denial(generateText({ model: model(), prompt: 'hi', maxRetries: 0 }));
      expect(err.phase).toBe('response');
    });

    test('usage lands in the budget: the next call over budget is denied', async () => {
      server.reply({ inputTokens: 100_000, outputTokens: 10_000 });
      const engine = makeEngine();
      const record = vi.spyOn(engine, 'record');
      const { model } = setup({}, engine);
      await generateText({ model: model(), prompt: 'hi', maxRetries: 0 });
      expect(record.mock.calls[0]![0]).toMatchObject({ keys: ['user:u1'], tokens: 110_000, costUsd: 0.35 });
      const err = await denial(generateText({ model: model(), prompt: 'again', maxRetries: 0 }));
      expect(err.reasons).toEqual(['daily budget spent']);
      expect(server.requests).toHaveLength(1);
    });

    test('the Responses API model works the same way', async () => {
      const { model } = setup({}, makeEngine(), 'responses');
      server.reply({ text: 'Mail ann@example.com' });
      const r = await generateText({ model: model(), prompt: 'Mail jane@example.com', maxRetries: 0 });
      expect(server.requests[0]!.path).toBe('/v1/responses');
      expect(JSON.stringify(server.requests[0]!.body)).not.toContain('jane@example.com');
      expect(r.text).toBe('Mail [EMAIL]');
    });
  });

  describe('streamText', () => {
    test('a clean stream arrives whole, redacted, with usage recorded from the finish part', async () => {
      server.reply({
        text: `Contact desk.help@example.com please. ${'Some filler. '.repeat(15)}`,
        chunkSize: 3,
        inputTokens: 100_000,
        outputTokens: 10_000,
      });
      const engine = makeEngine();
      const record = vi.spyOn(engine, 'record');
      const { model } = setup({}, engine);
      const result = streamText({ model: model(), prompt: 'hi', maxRetries: 0 });
      let text = '';
      for await (const t of result.textStream) text += t;
      expect(text).toBe(`Contact [EMAIL] please. ${'Some filler. '.repeat(15)}`);
      expect(record.mock.calls[0]![0]).toMatchObject({ tokens: 110_000, costUsd: 0.35 });
    });

    test('a streamed response containing a secret is cut off', async () => {
      server.reply({ text: leakyText(), chunkSize: 5, chunkDelayMs: 2 });
      const { model } = setup();
      const errors: unknown[] = [];
      const result = streamText({ model: model(), prompt: 'hi', maxRetries: 0, onError: ({ error }) => void errors.push(error) });
      let text = '';
      const parts: string[] = [];
      try {
        for await (const p of result.fullStream) {
          parts.push(p.type);
          if (p.type === 'text-delta') text += p.text;
          if (p.type === 'error') errors.push(p.error);
        }
      } catch (e) {
        errors.push(e); // the AI SDK rethrows the model stream's error from fullStream
      }
      expect(text).not.toContain(SECRET.slice(0, 12));
      expect(text.length).toBeLessThan(leakyText().indexOf(SECRET));
      const err = errors.map((e) => PolicyDeniedError.of(e)).find(Boolean);
      expect(err?.phase).toBe('response');
      expect(err?.reasons).toEqual(['the response leaks a secret']);
      await eventually(() => server.requests[0]!.aborted);
    });

    test('a denied request fails the stream before any request', async () => {
      const { model } = setup();
      const errors: unknown[] = [];
      const result = streamText({
        model: model('gpt-blocked'),
        prompt: 'hi',
        maxRetries: 0,
        onError: ({ error }) => void errors.push(error),
      });
      try {
        for await (const p of result.fullStream) if (p.type === 'error') errors.push(p.error);
      } catch (e) {
        errors.push(e);
      }
      expect(PolicyDeniedError.of(errors[0])?.phase).toBe('request');
      expect(server.requests).toHaveLength(0);
    });
  });
});
