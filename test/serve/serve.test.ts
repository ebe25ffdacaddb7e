// `llm-policy serve` end to end: the built server as a child process, called over HTTP.
import { Agent, createServer as createHttpServer, request } from 'node:http';
import { connect } from 'node:net';
import { existsSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { createBundle, PolicyEngine } from '../../src/entries/index.js';
import { jsonValue } from '../../src/cli/io.js';
import { ensureBuilt, tempDir } from '../cli/run.js';
import { GATE, get, parsePrometheus, post, sample, serve, serveFails, until, type Served } from './helpers.js';

const built = ensureBuilt();

/** An input of the W1 gate policy's shape; `fields: false` leaves some out (evaluation errors). */
const gateInput = fc.record({
  user: fc.record({
    id: fc.constantFrom('u1', 'u2'),
    tier: fc.constantFrom('free', 'pro', 'enterprise', 'other'),
    roles: fc.subarray(['member', 'admin', 'suspended']),
  }),
  request: fc.record(
    {
      model: fc.constantFrom('gpt-4o-mini', 'gpt-4o', 'claude-opus-4', 'o1', 'unknown-model'),
      max_tokens: fc.integer({ min: 0, max: 40_000 }),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      input_tokens: fc.integer({ min: 0, max: 50_000 }),
      messages_count: fc.integer({ min: 0, max: 120 }),
    },
    { requiredKeys: ['model'] },
  ),
  budget: fc.record({ spent_usd: fc.double({ min: 0, max: 600, noNaN: true }), limit_usd: fc.constantFrom(1, 5, 25, 100, 500) }),
});

const FREE_GPT4O = {
  user: { id: 'u1', tier: 'free', roles: ['member'] },
  request: { model: 'gpt-4o', max_tokens: 512, temperature: 0.5, input_tokens: 100, messages_count: 3 },
  budget: { spent_usd: 1, limit_usd: 5 },
};
const PRO_OK = { ...FREE_GPT4O, user: { id: 'u2', tier: 'pro', roles: ['member'] } };
const HOT = { ...PRO_OK, request: { ...PRO_OK.request, temperature: 1.9 } };

/** The engine in this process, deciding like the server should. */
function reference(text = GATE): PolicyEngine {
  const e = new PolicyEngine();
  e.addPolicy(text, { filename: 'gate.yaml' });
  return e;
}
const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;

describe.skipIf(!built)('llm-policy serve: the API', () => {
  let s: Served;
  const engine = reference();
  beforeAll(async () => {
    const dir = tempDir({ 'gate.yaml': GATE });
    s = await serve(['--policies', dir, '--max-body', '16kb', '--max-batch', '50']);
  });
  afterAll(async () => {
    if (s) expect(await s.stop()).toBe(0);
  });

  test('prints its address on stdout and answers /healthz and /readyz', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const h = await get(`${s.url}/healthz`);
    expect([h.status, JSON.parse(h.text)]).toEqual([200, { status: 'ok' }]);
    const r = await get(`${s.url}/readyz`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ status: 'ready', revision: engine.revision, policies: 1 });
  });

  test('POST /v1/decide answers the decision object, as the engine makes it', async () => {
    for (const input of [FREE_GPT4O, PRO_OK, HOT]) {
      const r = await post(`${s.url}/v1/decide`, { input });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(r.json).toEqual(plain(engine.evaluate(input)));
    }
    const deny = await post(`${s.url}/v1/decide`, { input: FREE_GPT4O });
    expect(deny.json).toMatchObject({ effect: 'deny', allowed: false, reasons: ['Model gpt-4o is not available on the free tier'] });
    expect(deny.json.trace).toBeUndefined();
  });

  test('the server decides every input exactly as the engine in process (property, through the batch and single endpoints)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(gateInput, { minLength: 1, maxLength: 20 }), async (inputs) => {
        const want = inputs.map((x) => plain(engine.evaluate(plain(x))));
        const batch = await post(`${s.url}/v1/decide/batch`, { inputs });
        expect(batch.status).toBe(200);
        expect(batch.json).toEqual({ decisions: want });
        const one = await post(`${s.url}/v1/decide`, { input: inputs[0] });
        expect(one.json).toEqual(want[0]);
      }),
      { numRuns: 60 },
    );
  });

  test('options.explain adds the trace; unknown options and bad values are refused', async () => {
    const r = await post(`${s.url}/v1/decide`, { input: FREE_GPT4O, options: { explain: true } });
    expect(r.status).toBe(200);
    expect(r.json.effect).toBe('deny');
    expect(r.json.trace.policies[0]).toMatchObject({ policy: 'default/gate', effect: 'deny' });
    expect(r.json.trace.policies[0].rules.map((x: { rule: string }) => x.rule)).toContain('model-not-allowed');
    const local = JSON.parse(JSON.stringify(engine.evaluate(FREE_GPT4O, { explain: true }), jsonValue));
    local.trace.durationMs = r.json.trace.durationMs;
    expect(r.json).toEqual(local);
    const b = await post(`${s.url}/v1/decide/batch`, { inputs: [PRO_OK], options: { explain: true } });
    expect(b.json.decisions[0].trace.policies).toHaveLength(1);
    const bad = await post(`${s.url}/v1/decide`, { input: PRO_OK, options: { region: 'x' } });
    expect([bad.status, bad.json.error.code, bad.json.error.message]).toEqual([400, 'invalid_request', 'unknown option `region`']);
    const badTenant = await post(`${s.url}/v1/decide`, { input: PRO_OK, options: { tenant: 7 } });
    expect([badTenant.status, badTenant.json.error.message]).toEqual([
      400,
      '`options.tenant` must be a tenant name (a non-empty string), got a number `7`',
    ]);
    const notBool = await post(`${s.url}/v1/decide`, { input: PRO_OK, options: { explain: 'yes' } });
    expect(notBool.json.error.message).toBe('`options.explain` must be true or false, got a string `"yes"`');
  });

  test('options.tenant decides as evaluate(input, { tenant }) does, on both endpoints', async () => {
    const want = plain(engine.evaluate(FREE_GPT4O, { tenant: 'acme' }));
    expect((want as { tenant?: string }).tenant).toBe('acme');
    const one = await post(`${s.url}/v1/decide`, { input: FREE_GPT4O, options: { tenant: 'acme' } });
    expect(one.json).toEqual(want);
    const batch = await post(`${s.url}/v1/decide/batch`, { inputs: [FREE_GPT4O], options: { tenant: 'acme', explain: false } });
    expect(batch.json).toEqual({ decisions: [want] });
  });

  test('malformed bodies get a 400 with a JSON error saying what is wrong', async () => {
    const cases: [unknown, string, string][] = [
      ['{"input": {', 'invalid_json', "invalid JSON: expected property name or '}' at position 11"],
      ['', 'invalid_json', 'the request body is empty'],
      ['[1, 2]', 'invalid_request', 'the body must be a JSON object, got a list'],
      [FREE_GPT4O, 'invalid_request', 'unknown field `user` in the body'],
      [{ options: {} }, 'invalid_request', 'missing field `input`'],
      [{ input: [1] }, 'invalid_request', '`input` must be a JSON object, got a list'],
      [{ input: 'x' }, 'invalid_request', '`input` must be a JSON object, got a string `"x"`'],
      [{ inputs: [FREE_GPT4O] }, 'invalid_request', 'unknown field `inputs` in the body'],
    ];
    for (const [body, code, message] of cases) {
      const r = await post(`${s.url}/v1/decide`, body);
      expect([r.status, r.json.error.code, r.json.error.message]).toEqual([400, code, message]);
      expect(typeof r.json.error.hint).toBe('string');
    }
    const wrapped = await post(`${s.url}/v1/decide`, FREE_GPT4O);
    expect(wrapped.json.error.hint).toContain('wrap it as `{"input": ...}`');
    const batchCases: [unknown, string][] = [
      [{ inputs: {} }, '`inputs` must be a list of input objects, got an object'],
      [{ inputs: [PRO_OK, 3] }, '`inputs[1]` must be a JSON object, got a number `3`'],
      [{ input: PRO_OK }, 'unknown field `input` in the body'],
      [{}, 'missing field `inputs`'],
    ];
    for (const [body, message] of batchCases) {
      const r = await post(`${s.url}/v1/decide/batch`, body);
      expect([r.status, r.json.error.message]).toEqual([400, message]);
    }
    const q = await post(`${s.url}/v1/decide?explain=true`, { input: PRO_OK });
    expect([q.status, q.json.error.message]).toEqual([400, '`/v1/decide` takes no query parameters, got `?explain=true`']);
  });

  test('oversized bodies and batches get a 413; the connection stays usable', async () => {
    const big = { input: { ...PRO_OK, pad: 'x'.repeat(17 * 1024) } };
    const r = await post(`${s.url}/v1/decide`, big);
    expect([r.status, r.json.error.code]).toEqual([413, 'payload_too_large']);
    expect(r.json.error.message).toBe('the request body is larger than 16384 bytes');
    // without content-length (chunked): cut off while reading
    const chunked = await rawRequest(s.url, '/v1/decide', [JSON.stringify(big).slice(0, 10_000), JSON.stringify(big).slice(10_000)]);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe('payload_too_large');
    const many = await post(`${s.url}/v1/decide/batch`, { inputs: Array.from({ length: 51 }, () => PRO_OK) });
    expect([many.status, many.json.error.code, many.json.error.message]).toEqual([
      413,
      'batch_too_large',
      'a batch holds at most 50 inputs, got 51',
    ]);
    const fine = await post(`${s.url}/v1/decide/batch`, { inputs: Array.from({ length: 50 }, () => PRO_OK) });
    expect(fine.json.decisions).toHaveLength(50);
    // one keep-alive connection: the 413's unread body is discarded and the next request is answered on it
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await agentPost(agent, s.url, JSON.stringify(big));
      expect([first.status, first.reused]).toEqual([413, false]);
      const second = await agentPost(agent, s.url, JSON.stringify({ input: PRO_OK }));
      expect([second.status, second.reused, JSON.parse(second.body).effect]).toEqual([200, true, 'allow']);
    } finally {
      agent.destroy();
    }
  });

  test('wrong methods get a 405 with Allow, unknown paths a 404', async () => {
    const g = await fetch(`${s.url}/v1/decide`);
    expect([g.status, g.headers.get('allow'), ((await g.json()) as { error: { code: string } }).error.code]).toEqual([
      405,
      'POST',
      'method_not_allowed',
    ]);
    const p = await fetch(`${s.url}/healthz`, { method: 'POST', body: '{}' });
    expect([p.status, p.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    const n = await post(`${s.url}/v1/nope`, {});
    expect([n.status, n.json.error.code, n.json.error.message]).toEqual([404, 'not_found', 'no route `POST /v1/nope`']);
    expect(n.json.error.hint).toContain('POST /v1/decide');
  });

  test('GET /metrics is a valid Prometheus exposition that counts decisions by effect', async () => {
    const before = parsePrometheus((await get(`${s.url}/metrics`)).text);
    const count = (f: typeof before, effect: string) => sample(f, 'llm_policy_decisions_total', 'llm_policy_decisions_total', { effect })!;
    await post(`${s.url}/v1/decide/batch`, { inputs: [FREE_GPT4O, FREE_GPT4O, PRO_OK, HOT] });
    await post(`${s.url}/v1/decide`, { input: HOT });
    const m = await get(`${s.url}/metrics`);
    expect(m.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const after = parsePrometheus(m.text);
    for (const f of after.values()) {
      expect(f.help, f.name).toBeTruthy();
      expect(f.type, f.name).not.toBe('untyped');
      if (f.type === 'counter') expect(f.name).toMatch(/_total$/);
    }
    expect(count(after, 'deny') - count(before, 'deny')).toBe(2);
    expect(count(after, 'allow') - count(before, 'allow')).toBe(1);
    expect(count(after, 'warn') - count(before, 'warn')).toBe(2);
    const dur = (f: typeof before, e: string) =>
      sample(f, 'llm_policy_http_request_duration_seconds', 'llm_policy_http_request_duration_seconds_count', { endpoint: e })!;
    expect(dur(after, 'batch') - dur(before, 'batch')).toBe(1);
    expect(dur(after, 'decide') - dur(before, 'decide')).toBe(1);
    expect(sample(after, 'llm_policy_ready', 'llm_policy_ready')).toBe(1);
    expect(sample(after, 'llm_policy_revision_info', 'llm_policy_revision_info', { revision: engine.revision })).toBe(1);
    expect(after.get('llm_policy_audit_queue_length')!.type).toBe('gauge');
    expect(after.get('llm_policy_cache_hits_total')!.type).toBe('counter');
    expect(
      sample(after, 'llm_policy_http_requests_total', 'llm_policy_http_requests_total', { endpoint: 'decide', code: '400' }),
    ).toBeGreaterThan(0);
  });
});

describe.skipIf(!built)('llm-policy serve: limits, cache and audit', () => {
  test('a body that does not arrive within --timeout gets a 408 and the connection is closed', async () => {
    const dir = tempDir({ 'gate.yaml': GATE });
    const s = await serve(['--policies', dir, '--timeout', '300ms']);
    try {
      const { port } = new URL(s.url);
      const sock = connect(Number(port), '127.0.0.1');
      let got = '';
      sock.setEncoding('utf8').on('data', (c: string) => (got += c));
      const closed = new Promise<void>((r) => sock.on('close', () => r()));
      sock.write('POST /v1/decide HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"input"');
      await closed;
      expect(got).toMatch(/^HTTP\/1\.1 408 /);
      expect(got).toMatch(/connection: close/i);
      expect(got).toContain('"code":"request_timeout"');
      // the server still answers, and counted the time-out against the endpoint it was for
      expect((await get(`${s.url}/healthz`)).status).toBe(200);
      const m = parsePrometheus((await get(`${s.url}/metrics`)).text);
      expect(sample(m, 'llm_policy_http_requests_total', 'llm_policy_http_requests_total', { endpoint: 'decide', code: '408' })).toBe(1);
    } finally {
      await s.stop();
    }
  });

  test('--cache answers repeated inputs from the decision cache, counted in /metrics; --audit stdout prints one JSON line per decision', async () => {
    const dir = tempDir({ 'gate.yaml': GATE });
    const s = await serve(['--policies', dir, '--cache', '100', '--audit', 'stdout']);
    for (let i = 0; i < 3; i++) await post(`${s.url}/v1/decide`, { input: PRO_OK });
    const m = parsePrometheus((await get(`${s.url}/metrics`)).text);
    expect(sample(m, 'llm_policy_cache_hits_total', 'llm_policy_cache_hits_total')).toBe(2);
    expect(sample(m, 'llm_policy_cache_misses_total', 'llm_policy_cache_misses_total')).toBe(1);
    expect(sample(m, 'llm_policy_cache_entries', 'llm_policy_cache_entries')).toBe(1);
    expect(await s.stop()).toBe(0);
    const lines = s
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l).effect)).toEqual(['allow', 'allow', 'allow']);
    expect(JSON.parse(lines[1]!).cached).toBe(true);
  });
});

describe.skipIf(!built)('llm-policy serve: hot reload', () => {
  test('a changed directory is swapped in; a broken change keeps the last good revision and says why', async () => {
    const dir = tempDir({ 'gate.yaml': GATE });
    const s = await serve(['--policies', dir]);
    try {
      const first = JSON.parse((await get(`${s.url}/readyz`)).text).revision as string;
      expect((await post(`${s.url}/v1/decide`, { input: PRO_OK })).json.effect).toBe('allow');
      const stricter = GATE.replace("'pro':  ['gpt-4o-mini', 'claude-3-5-haiku', 'gpt-4o', 'claude-sonnet-4']", "'pro':  ['gpt-4o-mini']");
      expect(stricter).not.toBe(GATE);
      writeFileSync(join(dir, 'gate.yaml'), stricter);
      const second = await until(async () => {
        const r = JSON.parse((await get(`${s.url}/readyz`)).text);
        return r.revision !== first && (r.revision as string);
      });
      expect((await post(`${s.url}/v1/decide`, { input: PRO_OK })).json).toEqual({
        ...(plain(reference(stricter).evaluate(PRO_OK)) as object),
        revision: second,
      });

      writeFileSync(
        join(dir, 'broken.yaml'),
        'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: b }\nspec:\n  rules:\n    - id: r\n      when: nosuch(1)\n      effect: deny\n',
      );
      const ready = await until(async () => {
        const r = JSON.parse((await get(`${s.url}/readyz`)).text);
        return r.reloadError && r;
      });
      expect(ready.status).toBe('ready');
      expect(ready.revision).toBe(second);
      expect(ready.reloadError).toContain('broken.yaml:7');
      expect(ready.reloadError).toContain('nosuch');
      expect((await post(`${s.url}/v1/decide`, { input: PRO_OK })).json.revision).toBe(second);
      const m = parsePrometheus((await get(`${s.url}/metrics`)).text);
      expect(sample(m, 'llm_policy_reload_error', 'llm_policy_reload_error')).toBe(1);
      expect(sample(m, 'llm_policy_reloads_total', 'llm_policy_reloads_total', { result: 'error' })).toBeGreaterThanOrEqual(1);
      expect(s.stderr()).toContain('reload failed, still deciding with revision');
      expect(s.stderr()).toContain('error[unknown_function]');

      unlinkSync(join(dir, 'broken.yaml'));
      await until(async () => !JSON.parse((await get(`${s.url}/readyz`)).text).reloadError, 15_000, 'the reload error to clear');
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  test('--bundle: not ready until the first fetch succeeds, then polled', async () => {
    let body: string | undefined;
    const bundleServer = createHttpServer((_req, res) => {
      if (body === undefined) {
        res.writeHead(503).end('not yet');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => bundleServer.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(bundleServer.address() as AddressInfo).port}/bundle.json`;
    const s = await serve(['--bundle', url, '--poll', '200ms']);
    try {
      const r = await get(`${s.url}/readyz`);
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text).status).toBe('not_ready');
      expect((await get(`${s.url}/healthz`)).status).toBe(200);
      const d = await post(`${s.url}/v1/decide`, { input: PRO_OK });
      expect([d.status, d.json.error.code]).toEqual([503, 'not_ready']);
      body = JSON.stringify({ files: [{ filename: 'gate.yaml', text: GATE }] });
      await until(async () => (await get(`${s.url}/readyz`)).status === 200, 20_000, 'readiness');
      expect((await post(`${s.url}/v1/decide`, { input: FREE_GPT4O })).json.effect).toBe('deny');
      body = JSON.stringify({
        files: [
          { filename: 'gate.yaml', text: GATE.replace('effect: deny\n      message: "Model', 'effect: warn\n      message: "Model') },
        ],
      });
      await until(
        async () => (await post(`${s.url}/v1/decide`, { input: FREE_GPT4O })).json.effect === 'warn',
        20_000,
        'the polled change',
      );
    } finally {
      expect(await s.stop()).toBe(0);
      bundleServer.close();
    }
  });
});

describe.skipIf(!built)('llm-policy serve: graceful shutdown', () => {
  test('SIGTERM finishes the request in flight, then writes every decision to the audit file and exits 0', async () => {
    const dir = tempDir({ 'gate.yaml': GATE });
    const log = join(dir, 'audit.log');
    const s = await serve(['--policies', dir, '--audit', `file:${log}`, '--audit-chain']);
    const n = 300;
    const inputs = fc.sample(gateInput, { numRuns: n, seed: 7 });
    const engine = reference();
    const want = { allow: 0, warn: 0, deny: 0 };
    for (const x of inputs) want[engine.evaluate(plain(x)).effect]++;
    // half one at a time, half in batches of 10
    for (const x of inputs.slice(0, n / 2)) expect((await post(`${s.url}/v1/decide`, { input: x })).status).toBe(200);
    for (let i = n / 2; i < n; i += 10)
      expect((await post(`${s.url}/v1/decide/batch`, { inputs: inputs.slice(i, i + 10) })).status).toBe(200);
    // a request in flight: headers and half the body sent before the signal
    const { port } = new URL(s.url);
    const body = JSON.stringify({ input: PRO_OK });
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/v1/decide',
      headers: { 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let t = '';
        res.setEncoding('utf8').on('data', (c: string) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: t }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    s.proc.kill('SIGTERM');
    await until(async () => s.stderr().includes('SIGTERM'), 10_000, 'the signal to be seen');
    // new connections are refused once the server stops listening
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
    req.end(body.slice(10));
    const r = await answered;
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).effect).toBe('allow');
    expect(await s.exited).toBe(0);
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(n + 1);
    const got = { allow: 0, warn: 0, deny: 0 };
    for (const l of lines.slice(0, n)) got[l.effect as 'allow']++;
    expect(got).toEqual(want);
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: n + 1 }, (_, i) => i + 1));
    expect(s.stderr()).toContain(`audit: ${n + 1} records written`);
    expect(existsSync(log)).toBe(true);
  });
});

describe.skipIf(!built)('llm-policy serve: startup errors', () => {
  test.each([
    [[], 'no policies given: use `--policies <dir>` or `--bundle <url>`'],
    [['--policies', 'x', '--bundle', 'http://x'], 'give `--policies` or `--bundle`, not both'],
    [
      ['--policies', 'examples/policies', '--max-body', 'big'],
      '`--max-body` must be a size such as `1048576`, `512kb` or `1mb`, got `big`',
    ],
    [['--policies', 'examples/policies', '--timeout', '10'], '`--timeout` must be a duration such as `500ms`, `10s` or `5m`, got `10`'],
    [['--policies', 'examples/policies', '--audit', 'syslog'], 'unknown audit sink `syslog`'],
    [['--policies', 'examples/policies', '--audit-chain'], '`--audit-chain` and `--audit-rotate` apply to file sinks'],
    [['--policies', 'nosuch-dir'], '`--policies` must be a directory, and `nosuch-dir` does not exist'],
    [['--bundle', 'ftp://x'], '`--bundle` must be an http(s) URL, got `ftp://x`'],
  ])('%j exits 2: %s', async (args, message) => {
    const r = await serveFails(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('a policy directory that does not load exits 2 with every error and its line', async () => {
    const dir = tempDir({
      'bad.yaml':
        'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: b }\nspec:\n  rules:\n    - id: r\n      when: nosuch(1)\n      effect: deny\n',
    });
    const r = await serveFails(['--policies', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml:7:13: error[unknown_function]');
    expect(r.stderr).toContain('not starting');
  });

  test('--public-key: a directory of signed bundles serves; a plain policy file is refused with signature_invalid', async () => {
    if (!built) return;
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const bundle = await createBundle([{ filename: 'gate.yaml', text: GATE }], {
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const keys = tempDir({ 'public.pem': publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    const s = await serve(['--policies', tempDir({ 'bundle.json': bundle }), '--public-key', join(keys, 'public.pem')]);
    try {
      expect((await get(`${s.url}/readyz`)).status).toBe(200);
    } finally {
      await s.stop();
    }
    const r = await serveFails(['--policies', tempDir({ 'gate.yaml': GATE }), '--public-key', join(keys, 'public.pem')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gate.yaml: error[signature_invalid]: not a signed bundle');
  });

  test('an empty policy directory is refused rather than allowing everything', async () => {
    const r = await serveFails(['--policies', tempDir({ 'README.md': 'no policies' })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no policy files in');
  });
});

/** A raw HTTP/1.1 request with a chunked body, for bodies without content-length. */
function rawRequest(url: string, path: string, chunks: string[]): Promise<{ status: number; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'transfer-encoding': 'chunked' } });
    req.on('response', (res) => {
      let t = '';
      res.setEncoding('utf8').on('data', (c: string) => (t += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: t }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

function agentPost(agent: Agent, url: string, body: string): Promise<{ status: number; body: string; reused: boolean }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      agent,
      method: 'POST',
      path: '/v1/decide',
      headers: { 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      let t = '';
      res.setEncoding('utf8').on('data', (c: string) => (t += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: t, reused: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
