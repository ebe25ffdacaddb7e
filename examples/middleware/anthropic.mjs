// The Anthropic client under policy, against the local fake server:
//   npm run build && node examples/middleware/anthropic.mjs
import Anthropic from '@anthropic-ai/sdk';
import { PolicyDeniedError } from '../../dist/guard.js';
import { withPolicy } from '../../dist/anthropic.js';
import { LEAKY, makeEngine, show, startFakeLLM } from './setup.mjs';

const server = await startFakeLLM();
const engine = makeEngine();
const anthropic = withPolicy(new Anthropic({ baseURL: server.anthropicBaseURL, apiKey: 'sk-ant-test', maxRetries: 0 }), engine, {
  context: () => ({ user: { id: 'carol', tier: 'pro' } }),
});

// 1. messages.create: the phone number is redacted before sending.
const m = await anthropic.messages.create({
  model: 'claude-sonnet-4-6',
  max_tokens: 300,
  messages: [{ role: 'user', content: 'Call me on 415-555-0132' }],
});
show('1. answer', m.content[0].text);
show('   the provider received', server.requests.at(-1).body.messages[0].content);

// 2. messages.stream: text events arrive as usual; usage from message_delta is recorded.
server.reply({ text: 'Streaming works as before.', chunkSize: 4, inputTokens: 2_000, outputTokens: 500 });
const stream = anthropic.messages.stream({
  model: 'claude-sonnet-4-6',
  max_tokens: 300,
  messages: [{ role: 'user', content: 'Stream please' }],
});
let text = '';
stream.on('text', (t) => (text += t));
const final = await stream.finalMessage();
show('2. streamed / usage', `${text} / ${JSON.stringify(final.usage)}`);

// 3. A stream that leaks a credential fails with PolicyDeniedError.
server.reply({ text: LEAKY, chunkSize: 6 });
try {
  await anthropic.messages
    .stream({ model: 'claude-sonnet-4-6', max_tokens: 300, messages: [{ role: 'user', content: 'How do I set my key?' }] })
    .finalMessage();
} catch (e) {
  const denial = PolicyDeniedError.of(e);
  if (!denial) throw e;
  show('3. stream stopped', denial.message);
}

// 4. A retired model is denied without a request.
const before = server.requests.length;
await anthropic.messages
  .create({ model: 'claude-2.1', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] })
  .catch((e) => show('4. denied', `${e.message} (new requests: ${server.requests.length - before})`));

await engine.close();
await server.close();
