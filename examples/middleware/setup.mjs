// Shared by the middleware examples: the fake LLM server (test/fixtures/llm-server) on
// 127.0.0.1 and an engine with policy.yaml loaded. Run any example after `npm run build`.
import { readFileSync } from 'node:fs';
import { PolicyEngine } from '../../dist/index.js';
import { startFakeLLM } from '../../test/fixtures/llm-server/server.mjs';

export { startFakeLLM };

export function makeEngine() {
  const engine = new PolicyEngine();
  engine.addPolicy(readFileSync(new URL('./policy.yaml', import.meta.url), 'utf8'), { filename: 'examples/middleware/policy.yaml' });
  return engine;
}

/** A reply from the fake model with a credential in the middle (for the stream cut-off demos). */
export const LEAKY = `Sure. Install the command line tool, sign in once, and open a new terminal so the settings load. Then set the variable: OPENAI_API_KEY=sk-proj-4fT9qLm2Xz8RbW1vYc7KdN3pHs6JgE0aUo5iQt and run the script. ${'Some more explanation follows. '.repeat(10)}`;

export function show(label, value) {
  console.log(`${label.padEnd(34)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}
