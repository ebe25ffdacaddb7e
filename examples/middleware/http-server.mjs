// An LLM gateway on Node's `http` module with Express-style middleware: `(req, res, next)`
// functions and an `(err, req, res, next)` error handler, so they drop into Express as they are.
//
//   npm run build && node examples/middleware/http-server.mjs
//
// The gateway forwards POST /v1/chat to OpenAI (here: the local fake server) through a client
// wrapped once with withPolicy; each request's user travels with the call via policyContext.
// Streaming answers go out as SSE; a policy that stops the stream becomes an `error` event.
import { createServer } from 'node:http';
import OpenAI from 'openai';
import { PolicyDeniedError } from '../../dist/guard.js';
import { policyContext, withPolicy } from '../../dist/openai.js';
import { LEAKY, makeEngine, startFakeLLM } from './setup.mjs';

const llm = await startFakeLLM();
const engine = makeEngine();
const openai = withPolicy(new OpenAI({ baseURL: llm.openaiBaseURL, apiKey: 'sk-test', maxRetries: 0 }), engine);

// ------------------------------------------------------------------ middleware

/** Reads the JSON body into req.body. */
function jsonBody(req, _res, next) {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    try {
      req.body = raw === '' ? {} : JSON.parse(raw);
      next();
    } catch {
      next(Object.assign(new Error('invalid JSON'), { status: 400 }));
    }
  });
}

/** Who is calling: a real gateway would verify a token here. */
function authenticate(req, _res, next) {
  const id = req.headers['x-user-id'];
  if (typeof id !== 'string') return next(Object.assign(new Error('missing x-user-id'), { status: 401 }));
  req.user = { id, tier: req.headers['x-user-tier'] === 'free' ? 'free' : 'pro' };
  next();
}

/** The route: the wrapped client does the policy work; the user rides along with the call. */
async function chat(req, res, next) {
  try {
    const params = { model: req.body.model ?? 'gpt-4o', messages: req.body.messages ?? [] };
    if (!req.body.stream) {
      const completion = await openai.chat.completions.create(params, policyContext({ user: req.user }));
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ model: completion.model, text: completion.choices[0].message.content }));
    }
    const stream = await openai.chat.completions.create({ ...params, stream: true }, policyContext({ user: req.user }));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    try {
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) res.write(`data: ${JSON.stringify({ text })}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    } catch (e) {
      // headers are out: report in the stream
      res.end(
        `event: error\ndata: ${JSON.stringify({ error: e instanceof PolicyDeniedError ? 'policy_denied' : 'upstream_error', message: e.message })}\n\n`,
      );
    }
  } catch (e) {
    next(e);
  }
}

/** Errors to HTTP: a policy deny is 403 (request) or 502 (the provider's answer was withheld). */
function policyErrors(err, _req, res, next) {
  if (err instanceof PolicyDeniedError) {
    res.writeHead(err.phase === 'request' ? 403 : 502, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ error: 'policy_denied', phase: err.phase, reasons: err.reasons, callId: err.callId }));
  }
  next(err);
}

function lastResort(err, _req, res) {
  res.writeHead(err.status ?? 500, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: err.message }));
}

/** Runs Express-style middleware in order (what Express's router does). */
function chain(...fns) {
  return (req, res) => {
    let i = 0;
    const next = (err) => {
      const fn = fns[i++];
      if (!fn) return;
      const isErrorHandler = fn.length === 4;
      if (err ? !isErrorHandler : isErrorHandler) return next(err);
      try {
        err ? fn(err, req, res, next) : fn(req, res, next);
      } catch (e) {
        next(e);
      }
    };
    next();
  };
}

// ------------------------------------------------------------------ run it

const app = chain(
  jsonBody,
  authenticate,
  (req, res, next) =>
    req.method === 'POST' && req.url === '/v1/chat' ? chat(req, res, next) : next(Object.assign(new Error('not found'), { status: 404 })),
  policyErrors,
  lastResort,
);
const server = createServer(app);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

async function call(label, body, headers = { 'x-user-id': 'alice' }) {
  const r = await fetch(`${base}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  console.log(`${label.padEnd(28)} ${r.status} ${(await r.text()).trim().replace(/\n\n/g, ' | ')}`);
}

await call('allowed (email redacted)', { messages: [{ role: 'user', content: 'Write to bob@example.com' }] });
console.log(`${''.padEnd(28)} provider saw: ${llm.requests.at(-1).body.messages[0].content}`);
await call(
  'free tier (routed)',
  { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] },
  { 'x-user-id': 'bob', 'x-user-tier': 'free' },
);
await call('retired model', { model: 'gpt-4-32k', messages: [{ role: 'user', content: 'Hi' }] });
llm.reply({ text: LEAKY, chunkSize: 8 });
await call('stream with a leaked key', { stream: true, messages: [{ role: 'user', content: 'How do I set my key?' }] });
llm.reply({ text: 'Short and clean.', chunkSize: 4 });
await call('clean stream', { stream: true, messages: [{ role: 'user', content: 'Hi' }] });

server.close();
await engine.close();
await llm.close();
