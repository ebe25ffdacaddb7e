// The Vercel AI SDK with policyMiddleware, against the local fake server (via @ai-sdk/openai):
//   npm run build && node examples/middleware/ai-sdk.mjs
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { PolicyDeniedError } from '../../dist/guard.js';
import { policyMiddleware } from '../../dist/ai-sdk.js';
import { LEAKY, makeEngine, show, startFakeLLM } from './setup.mjs';

const server = await startFakeLLM();
const engine = makeEngine();
const provider = createOpenAI({ baseURL: server.openaiBaseURL, apiKey: 'sk-test' });
const middleware = policyMiddleware(engine, {
  context: () => ({ user: { id: 'dave', tier: 'pro' } }),
  resolveModel: (id) => provider.chat(id), // lets `route` obligations swap the model
});
const model = (id) => wrapLanguageModel({ model: provider.chat(id), middleware });

// 1. generateText: redacted prompt; a free-tier user (per call, providerOptions.policy) is routed.
const r = await generateText({
  model: model('gpt-4o'),
  prompt: 'Email eve@example.com the summary',
  providerOptions: { policy: { user: { id: 'erin', tier: 'free' } } },
});
show('1. answer', r.text);
show('   the provider received', [server.requests.at(-1).body.model, server.requests.at(-1).body.messages[0].content]);

// 2. streamText: a leaked credential stops the stream (the error is thrown from the iteration).
server.reply({ text: LEAKY, chunkSize: 6 });
let text = '';
try {
  for await (const t of streamText({ model: model('gpt-4o'), prompt: 'How do I set my key?' }).textStream) text += t;
} catch (e) {
  const denial = PolicyDeniedError.of(e);
  if (!denial) throw e;
  show('2. stream stopped', `${denial.reasons[0]} (delivered: ${JSON.stringify(text)})`);
}

// 3. Denied before the request.
await generateText({ model: model('gpt-4-32k'), prompt: 'Hi', maxRetries: 0 }).catch((e) =>
  show('3. denied', PolicyDeniedError.of(e)?.message ?? String(e)),
);

await engine.close();
await server.close();
