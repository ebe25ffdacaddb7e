// The runnable examples in examples/middleware, run as a user would (`node <file>`) against the
// built package. Skipped until `npm run build` has made dist/ (CI builds before testing).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const root = resolve(__dirname, '../..');
const built = ['openai', 'anthropic', 'ai-sdk', 'index'].every((n) => existsSync(resolve(root, `dist/${n}.js`)));
const run = promisify(execFile);

async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, [resolve(root, 'examples/middleware', name)], { cwd: root, timeout: 60_000 });
  return stdout;
}

describe.skipIf(!built)('examples/middleware', () => {
  test('openai.mjs', async () => {
    const out = await example('openai.mjs');
    expect(out).toContain('Draft a reply to [EMAIL]');
    expect(out).toContain('["gpt-4o-mini",512]');
    expect(out).toContain('request: Model gpt-4-32k is retired here (requests so far: 2)');
    expect(out).toMatch(/stream stopped .*The answer contained a credential/);
    expect(out).not.toContain('sk-proj-');
    expect(out).toContain('denied: Daily budget of $0.05 spent');
  });

  test('anthropic.mjs', async () => {
    const out = await example('anthropic.mjs');
    expect(out).toContain('Call me on [PHONE]');
    expect(out).toContain('Streaming works as before.');
    expect(out).toMatch(/stream stopped .*credential/);
    expect(out).toContain('(new requests: 0)');
  });

  test('ai-sdk.mjs', async () => {
    const out = await example('ai-sdk.mjs');
    expect(out).toContain('["gpt-4o-mini","Email [EMAIL] the summary"]');
    expect(out).toMatch(/stream stopped .*credential/);
    expect(out).toContain('Model gpt-4-32k is retired here');
  });

  test('http-server.mjs and hono.mjs', async () => {
    for (const name of ['http-server.mjs', 'hono.mjs']) {
      const out = await example(name);
      expect(out).toMatch(/allowed \(email redacted\) +200/);
      expect(out).toMatch(/free tier \(routed\) +200 .*gpt-4o-mini/);
      expect(out).toMatch(/retired model +403 .*policy_denied/);
      expect(out).toMatch(/stream with a leaked key +200 .*event: error/s);
      expect(out).not.toContain('sk-proj-');
    }
  });
});
