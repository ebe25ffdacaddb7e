// The runnable examples in examples/middleware and the demo (examples/demo.mjs, `npm run demo`),
// run as a user would (`node <file>`) against the built package. Skipped until `npm run build`
// has made dist/ (CI builds before testing).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const root = resolve(__dirname, '../..');
const built = ['openai', 'anthropic', 'ai-sdk', 'index'].every((n) => existsSync(resolve(root, `dist/${n}.js`)));
const run = promisify(execFile);

async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, [resolve(root, 'examples', name)], { cwd: root, timeout: 60_000 });
  return stdout;
}

describe.skipIf(!built)('examples/demo.mjs', () => {
  test('prints the decision of each case of examples/gateway.test.yaml, from library templates', async () => {
    const out = await example('demo.mjs');
    expect(out).toContain('loaded tier-model-allowlist (4 rules), model-lifecycle (5 rules), max-tokens-cap (4 rules)');
    expect(out).toMatch(/^DENY {2}free user asks for gpt-5\n {6}reason: gpt-5 is not available on the free tier/m);
    expect(out).toMatch(/^ALLOW pro user within every limit\nALLOW/m);
    expect(out).toContain('obligation: {"redact":{"entities":["email","phone"],"style":"label"}}');
    expect(out).toContain('obligation: {"route":{"model":"gpt-4.1"}}\n      obligation: {"set":{"max_tokens":16384}}');
    expect(out).toMatch(/^WARN {2}a deprecated model warns$/m);
    expect(out).toMatch(/^DENY {2}malformed input \(no request at all\) fails closed$/m);
    expect(out).toContain('[unknown_variable] unknown variable `request` -> deny\n      ... and 14 more');
  });
});

describe.skipIf(!built)('examples/middleware', () => {
  test('openai.mjs', async () => {
    const out = await example('middleware/openai.mjs');
    expect(out).toContain('Draft a reply to [EMAIL]');
    expect(out).toContain('["gpt-4o-mini",512]');
    expect(out).toContain('request: Model gpt-4-32k is retired here (requests so far: 2)');
    expect(out).toMatch(/stream stopped .*The answer contained a credential/);
    expect(out).not.toContain('sk-proj-');
    expect(out).toContain('denied: Daily budget of $0.05 spent');
  });

  test('anthropic.mjs', async () => {
    const out = await example('middleware/anthropic.mjs');
    expect(out).toContain('Call me on [PHONE]');
    expect(out).toContain('Streaming works as before.');
    expect(out).toMatch(/stream stopped .*credential/);
    expect(out).toContain('(new requests: 0)');
  });

  test('ai-sdk.mjs', async () => {
    const out = await example('middleware/ai-sdk.mjs');
    expect(out).toContain('["gpt-4o-mini","Email [EMAIL] the summary"]');
    expect(out).toMatch(/stream stopped .*credential/);
    expect(out).toContain('Model gpt-4-32k is retired here');
  });

  test('http-server.mjs and hono.mjs', async () => {
    for (const name of ['http-server.mjs', 'hono.mjs']) {
      const out = await example(`middleware/${name}`);
      expect(out).toMatch(/allowed \(email redacted\) +200/);
      expect(out).toMatch(/free tier \(routed\) +200 .*gpt-4o-mini/);
      expect(out).toMatch(/retired model +403 .*policy_denied/);
      expect(out).toMatch(/stream with a leaked key +200 .*event: error/s);
      expect(out).not.toContain('sk-proj-');
    }
  });
});
