// `llm-policy audit verify`, spawning the built binary on a log the engine wrote.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { FileAuditSink } from '../../src/adapters/audit/file.js';
import { PolicyEngine } from '../../src/entries/index.js';
import { POLICY, ensureBuilt, run, tempDir } from './run.js';

let built = false;
beforeAll(() => {
  built = ensureBuilt();
});

describe('audit verify', () => {
  test('a chained log verifies; one altered byte is found at its record; bad usage exits 2', async () => {
    if (!built) return;
    const dir = tempDir({});
    const path = join(dir, 'audit.log');
    const engine = new PolicyEngine({ audit: new FileAuditSink({ path, chain: true }) });
    engine.addPolicy(POLICY);
    for (let i = 0; i < 20; i++) engine.evaluate({ user: { tier: i % 2 ? 'free' : 'pro' }, request: { model: 'gpt-4o' } });
    await engine.close();

    const ok = run(['audit', 'verify', path]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ok: 20 records, the chain verifies/);

    const lines = readFileSync(path, 'utf8').split('\n');
    lines[9] = lines[9]!.replace(/"effect":"(\w+)"/, (_m, e: string) => `"effect":"${e === 'deny' ? 'allow' : 'deny'}"`);
    writeFileSync(path, lines.join('\n'));
    const bad = run(['audit', 'verify', path, '--format', 'json']);
    expect(bad.code).toBe(1);
    const r = JSON.parse(bad.stdout) as { ok: boolean; firstBad: { line: number; reason: string } };
    expect(r.ok).toBe(false);
    expect(r.firstBad.line).toBe(10);
    expect(r.firstBad.reason).toBe('altered');

    expect(run(['audit', 'verify', join(dir, 'nope.log')]).code).toBe(2);
    expect(run(['audit', 'check', path]).code).toBe(2);
  });
});
