#!/usr/bin/env node
// The floor under `llm-policy serve` in bench/serve.mjs: the least a node:http server can do per
// request, measured in the same run, so that what the server itself adds is visible.
//   bare:   reads the body and answers a fixed decision (`res.end(json)`): Node's HTTP stack alone
//   decide: reads the body, JSON.parse, engine.evaluate, JSON.stringify, answers: no limits,
//           deadline, metrics or error bodies
//
//   node bench/serve-floor.mjs bare|decide <policy dir>   # prints `listening on http://127.0.0.1:<port>`

import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { PolicyEngine } from '../dist/node.js';

const [mode, dir] = process.argv.slice(2);
const engine = new PolicyEngine();
engine.setPolicies(
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ text: readFileSync(join(dir, f), 'utf8'), filename: f })),
);
const fixed = JSON.stringify(engine.evaluate({}));

const server = createServer(
  mode === 'bare'
    ? (req, res) => {
        req.resume();
        req.on('end', () => res.end(fixed));
      }
    : (req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.stringify(engine.evaluate(JSON.parse(Buffer.concat(chunks).toString('utf8')).input));
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
      },
);
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
