#!/usr/bin/env node
// The smallest hono + @hono/node-server decision server over the same engine, for the framework
// comparison in bench/serve.mjs (`--hono`; docs/serve.md, "Why node:http"). It does less than
// `llm-policy serve` (no body limit, deadline, metrics or error bodies), so it bounds what the
// framework itself costs from below.
//
//   node bench/serve-hono.mjs <policy dir>     # prints `listening on http://127.0.0.1:<port>`

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { PolicyEngine } from '../dist/node.js';

const dir = process.argv[2];
const engine = new PolicyEngine();
engine.setPolicies(
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ text: readFileSync(join(dir, f), 'utf8'), filename: f })),
);

const app = new Hono();
app.post('/v1/decide', async (c) => {
  let body;
  try {
    body = await c.req.json();
  } catch (e) {
    return c.json({ error: { code: 'invalid_json', message: String(e) } }, 400);
  }
  if (typeof body?.input !== 'object' || body.input === null)
    return c.json({ error: { code: 'invalid_request', message: 'missing `input`' } }, 400);
  return c.body(JSON.stringify(engine.evaluate(body.input)), 200, { 'content-type': 'application/json' });
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
