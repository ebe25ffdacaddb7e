// The same gateway on Hono: a middleware puts the caller's user on the context, the route calls
// the wrapped OpenAI client, and `app.onError` turns PolicyDeniedError into 403/502. Requests go
// through `app.request()` here; serve `app.fetch` with @hono/node-server, Bun, Deno or Workers.
//
//   npm run build && node examples/middleware/hono.mjs
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import OpenAI from 'openai';
import { PolicyDeniedError } from '../../dist/guard.js';
import { policyContext, withPolicy } from '../../dist/openai.js';
import { LEAKY, makeEngine, startFakeLLM } from './setup.mjs';

const llm = await startFakeLLM();
const engine = makeEngine();
const openai = withPolicy(new OpenAI({ baseURL: llm.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0 }), engine);

const app = new Hono();

app.use('/v1/*', async (c, next) => {
  const id = c.req.header('x-user-id');
  if (!id) return c.json({ error: 'missing x-user-id' }, 401);
  c.set('user', { id, tier: c.req.header('x-user-tier') === 'free' ? 'free' : 'pro' });
  await next();
});

app.post('/v1/chat', async (c) => {
  const body = await c.req.json();
  const params = { model: body.model ?? 'gpt-4o', messages: body.messages ?? [] };
  const policy = policyContext({ user: c.get('user') });
  if (!body.stream) {
    const completion = await openai.chat.completions.create(params, policy);
    return c.json({ model: completion.model, text: completion.choices[0].message.content });
  }
  const stream = await openai.chat.completions.create({ ...params, stream: true }, policy);
  return streamSSE(c, async (sse) => {
    try {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) await sse.writeSSE({ data: JSON.stringify({ text }) });
      }
      await sse.writeSSE({ data: '[DONE]' });
    } catch (e) {
      await sse.writeSSE({
        event: 'error',
        data: JSON.stringify({ error: e instanceof PolicyDeniedError ? 'policy_denied' : 'upstream_error', message: e.message }),
      });
    }
  });
});

app.onError((err, c) => {
  if (err instanceof PolicyDeniedError)
    return c.json(
      { error: 'policy_denied', phase: err.phase, reasons: err.reasons, callId: err.callId },
      err.phase === 'request' ? 403 : 502,
    );
  return c.json({ error: err.message }, 500);
});

async function call(label, body, headers = { 'x-user-id': 'alice' }) {
  const r = await app.request('/v1/chat', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  console.log(`${label.padEnd(28)} ${r.status} ${(await r.text()).trim().replace(/\n\n/g, ' | ')}`);
}

await call('allowed (email redacted)', { messages: [{ role: 'user', content: 'Write to bob@example.com' }] });
await call(
  'free tier (routed)',
  { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] },
  { 'x-user-id': 'bob', 'x-user-tier': 'free' },
);
await call('retired model', { model: 'gpt-4-32k', messages: [{ role: 'user', content: 'Hi' }] });
llm.reply({ text: LEAKY, chunkSize: 8 });
await call('stream with a leaked key', { stream: true, messages: [{ role: 'user', content: 'How do I set my key?' }] });

await engine.close();
await llm.close();
