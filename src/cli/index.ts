#!/usr/bin/env node
// The `llm-policy` command: validate, test, eval, fmt, bench, audit and serve.
// Built to dist/cli.js (Node only; the package's `bin`, with a shebang).
/// <reference types="node" />

import { EXIT } from './io.js';
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`llm-policy: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = EXIT.error;
  },
);
