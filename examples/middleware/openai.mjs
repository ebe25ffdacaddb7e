// The OpenAI client under policy, against the local fake server:
//   npm run build && node examples/middleware/openai.mjs
import OpenAI from 'openai';
import { PolicyDeniedError } from '../../dist/guard.js';
import { policyContext, withPolicy } from '../../dist/openai.js';
import { LEAKY, makeEngine, show, startFakeLLM } from './setup.mjs';

const server = await startFakeLLM();
const engine = makeEngine();
const openai = withPolicy(new OpenAI({ baseURL: server.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0 }), engine, {
  context: () => ({ user: { id: 'alice', tier: 'pro' } }),
  onWarn: (d) => console.warn('policy warning:', d.reasons.join('; ')),
});

// 1. Allowed, with the email redacted before it leaves the process.
const r1 = await openai.chat.completions.create({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'Draft a reply to bob@example.com' }],
});
show('1. answer', r1.choices[0].message.content);
show('   the provider received', server.requests.at(-1).body.messages[0].content);

// 2. A free-tier user (per call) is routed to the small model, and max_tokens is capped.
await openai.chat.completions.create(
  { model: 'gpt-4o', max_tokens: 4000, messages: [{ role: 'user', content: 'Hi' }] },
  policyContext({ user: { id: 'bob', tier: 'free' } }),
);
show('2. model / max_tokens', [server.requests.at(-1).body.model, server.requests.at(-1).body.max_tokens]);

// 3. Denied before any request is made.
try {
  await openai.chat.completions.create({ model: 'gpt-4-32k', messages: [{ role: 'user', content: 'Hi' }] });
} catch (e) {
  if (!(e instanceof PolicyDeniedError)) throw e;
  show('3. denied', `${e.phase}: ${e.reasons.join('; ')} (requests so far: ${server.requests.length})`);
}

// 4. A stream whose answer leaks a key is stopped before the key is delivered.
server.reply({ text: LEAKY, chunkSize: 6 });
let streamed = '';
try {
  const stream = await openai.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'How do I set my key?' }],
    stream: true,
  });
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
} catch (e) {
  if (!(e instanceof PolicyDeniedError)) throw e;
  show('4. stream stopped', `${e.message} (delivered: ${JSON.stringify(streamed)})`);
}

// 5. Usage is recorded from the provider's report: a big call spends the daily budget.
server.reply({ inputTokens: 10_000, outputTokens: 3_000 });
await openai.responses.create({ model: 'gpt-4o', input: 'Summarize the report' });
try {
  await openai.responses.create({ model: 'gpt-4o', input: 'And another one' });
} catch (e) {
  show('5. next call', e instanceof PolicyDeniedError ? `denied: ${e.reasons[0]}` : String(e));
}

await engine.close();
await server.close();
