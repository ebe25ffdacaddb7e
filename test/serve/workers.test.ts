// `llm-policy serve --workers 2` end to end: the built server's primary and its two workers,
// called over fresh connections (so that the cluster spreads them over both workers).
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PolicyEngine } from '../../src/entries/index.js';
import { ensureBuilt, tempDir } from '../cli/run.js';
import { GATE, parsePrometheus, sample, serve, serveFails, until } from './helpers.js';

const built = ensureBuilt();

const PRO_OK = {
  user: { id: 'u2', tier: 'pro', roles: ['member'] },
  request: { model: 'gpt-4o', max_tokens: 512, temperature: 0.5, input_tokens: 100, messages_count: 3 },
  budget: { spent_usd: 1, limit_usd: 5 },
};
const inputs = ['free', 'pro', 'enterprise'].flatMap((tier) =>
  ['gpt-4o-mini', 'gpt-4o', 'o1'].map((model) => ({ ...PRO_OK, user: { ...PRO_OK.user, tier }, request: { ...PRO_OK.request, model } })),
);

/** One request on a connection of its own (`Connection: close`). */
function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let t = '';
      res.setEncoding('utf8').on('data', (c: string) => (t += c));
      res.on('end', () => resolve({ status: res.statusCode!, text: t }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const workerPids = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

describe.skipIf(!built)('llm-policy serve --workers', () => {
  test('two workers share the port: both decide, /metrics adds them up, a reload reaches both, SIGTERM writes each audit file and exits 0', async () => {
    const dir = tempDir({ 'gate.yaml': GATE });
    const log = join(dir, 'audit.log');
    const s = await serve(['--policies', dir, '--workers', '2', '--audit', `file:${log}`, '--audit-chain']);
    let decided = 0;
    try {
      expect(s.stdout().match(/listening on/g)).toHaveLength(1);
      const engine = new PolicyEngine();
      engine.addPolicy(GATE, { filename: 'gate.yaml' });
      for (let round = 0; round < 4; round++)
        for (const input of inputs) {
          const r = await call(s.url, 'POST', '/v1/decide', { input });
          expect(r.status).toBe(200);
          expect(JSON.parse(r.text).effect).toBe(engine.evaluate(input).effect);
          decided++;
        }
      const m = parsePrometheus((await call(s.url, 'GET', '/metrics')).text);
      expect(sample(m, 'llm_policy_workers', 'llm_policy_workers')).toBe(2);
      const effects = ['allow', 'warn', 'deny'].map(
        (effect) => sample(m, 'llm_policy_decisions_total', 'llm_policy_decisions_total', { effect }) ?? 0,
      );
      expect(effects.reduce((a, b) => a + b, 0)).toBe(decided);
      expect(
        sample(m, 'llm_policy_http_request_duration_seconds', 'llm_policy_http_request_duration_seconds_count', { endpoint: 'decide' }),
      ).toBe(decided);
      expect(sample(m, 'llm_policy_ready', 'llm_policy_ready')).toBe(1);
      // a revision id is the hash of the sources and a count of the process's loads: the
      // workers agree on the first part
      const hashes = (m: ReturnType<typeof parsePrometheus>) =>
        new Set(m.get('llm_policy_revision_info')!.samples.map((x) => x.labels.revision!.split('-')[0]));
      expect(hashes(m).size).toBe(1);
      const [first] = hashes(m);

      // the stricter set, watched by each worker on its own: every fresh connection sees it in the end
      const stricter = GATE.replace("'pro':  ['gpt-4o-mini', 'claude-3-5-haiku', 'gpt-4o', 'claude-sonnet-4']", "'pro':  ['gpt-4o-mini']");
      expect(stricter).not.toBe(GATE);
      writeFileSync(join(dir, 'gate.yaml'), stricter);
      const strict = new PolicyEngine();
      strict.addPolicy(stricter, { filename: 'gate.yaml' });
      const want = strict.evaluate(PRO_OK).effect;
      expect(want).not.toBe(engine.evaluate(PRO_OK).effect);
      await until(
        async () => {
          const m = parsePrometheus((await call(s.url, 'GET', '/metrics')).text);
          const now = hashes(m);
          return now.size === 1 && !now.has(first!);
        },
        20_000,
        'both workers to reload',
      );
      for (let i = 0; i < 8; i++) {
        expect(JSON.parse((await call(s.url, 'POST', '/v1/decide', { input: PRO_OK })).text).effect).toBe(want);
        decided++;
      }
    } finally {
      expect(await s.stop()).toBe(0);
    }
    // one file per worker, each its own chain; together every decision
    const files = [1, 2].map((n) =>
      readFileSync(join(dir, `audit.w${n}.log`), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    );
    for (const lines of files) {
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: lines.length }, (_, i) => i + 1));
    }
    expect(files[0]!.length + files[1]!.length).toBe(decided);
    expect(s.stderr()).toMatch(/\[worker 1\]: audit: \d+ records written/);
    expect(s.stderr()).toMatch(/\[worker 2\]: audit: \d+ records written/);
  });

  test('a worker that dies is replaced; the other answers meanwhile', async () => {
    const dir = tempDir({ 'gate.yaml': GATE });
    const s = await serve(['--policies', dir, '--workers', '2']);
    try {
      const [first] = workerPids(s.proc.pid!);
      process.kill(first!, 'SIGKILL');
      await until(async () => s.stderr().includes('exited (SIGKILL): starting another'), 10_000, 'the primary to notice');
      expect((await call(s.url, 'GET', '/healthz')).status).toBe(200);
      await until(
        async () => {
          const pids = workerPids(s.proc.pid!);
          if (pids.length !== 2 || pids.includes(first!)) return false;
          const m = parsePrometheus((await call(s.url, 'GET', '/metrics')).text);
          return sample(m, 'llm_policy_workers', 'llm_policy_workers') === 2;
        },
        20_000,
        'a new worker',
      );
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  test('a policy directory that does not load: the errors once, exit 2', async () => {
    const dir = tempDir({
      'bad.yaml':
        'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: b }\nspec:\n  rules:\n    - id: r\n      when: nosuch(1)\n      effect: deny\n',
    });
    const r = await serveFails(['--policies', dir, '--workers', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr.match(/error\[unknown_function\]/g)).toHaveLength(1);
  });

  test('--workers takes a whole number or auto', async () => {
    const r = await serveFails(['--policies', 'examples/policies', '--workers', 'two']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('`--workers` must be a whole number from 1 to 256, got `two`');
  });
});
