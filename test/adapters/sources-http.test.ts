// HttpBundleSource against a local node:http server on 127.0.0.1.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { HttpBundleSource } from '../../src/entries/sources.js';
import { PolicyEngine, PolicyError } from '../../src/entries/index.js';

const doc = (name: string, limit: number) => `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: ${name} }
spec:
  rules:
    - { id: big, when: "request.max_tokens > ${limit}", effect: deny }
`;

/** What the server answers: a body (with an ETag made from it), or a status. */
let reply: { body?: string; status?: number; type?: string; etag?: boolean };
let seen: IncomingMessage[];
let server: Server;
let base: string;
const engines: PolicyEngine[] = [];

beforeEach(async () => {
  seen = [];
  reply = { body: JSON.stringify({ files: [{ filename: 'cost.yaml', text: doc('cost', 1000) }] }), type: 'application/json' };
  server = createServer((req, res) => {
    seen.push(req);
    if (reply.status && reply.status !== 200) {
      res.writeHead(reply.status).end('nope');
      return;
    }
    const tag = `"${createHash('sha1').update(reply.body!).digest('hex').slice(0, 16)}"`;
    if (reply.etag !== false && req.headers['if-none-match'] === tag) {
      res.writeHead(304).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': reply.type ?? 'application/json', ...(reply.etag === false ? {} : { etag: tag }) })
      .end(reply.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('HttpBundleSource.load', () => {
  test('a JSON bundle of files; headers are sent; a second load is a conditional GET answered 304', async () => {
    const s = new HttpBundleSource(`${base}/policies/bundle.json`, { headers: { authorization: 'Bearer t0ken' } });
    const files = await s.load();
    expect(files).toEqual([{ filename: 'cost.yaml', text: doc('cost', 1000) }]);
    expect(seen[0]!.headers.authorization).toBe('Bearer t0ken');
    expect(seen[0]!.headers['if-none-match']).toBeUndefined();
    expect(await s.load()).toEqual(files);
    expect(seen[1]!.headers['if-none-match']).toMatch(/^"/);
    expect({ requests: s.requests, notModified: s.notModified }).toEqual({ requests: 2, notModified: 1 });
  });

  test('a single YAML (or JSON policy) body is one file named after the URL', async () => {
    reply = { body: `${doc('one', 5)}---\n${doc('two', 6)}`, type: 'application/yaml' };
    const files = await new HttpBundleSource(`${base}/p/all.yaml?v=1`).load();
    expect(files).toEqual([{ filename: 'all.yaml', text: reply.body }]);
    reply = { body: JSON.stringify({ apiVersion: 'llmpolicy/v1', kind: 'Policy', metadata: { name: 'j' }, spec: { rules: [] } }) };
    const engine = new PolicyEngine();
    engines.push(engine);
    await engine.loadFrom(new HttpBundleSource(`${base}/p/j.json`));
    expect(engine.policies().map((p) => [p.name, p.file])).toEqual([['j', 'j.json']]);
  });

  test('failures throw with the URL: HTTP errors, a malformed bundle, no server', async () => {
    reply = { status: 503 };
    await expect(new HttpBundleSource(`${base}/b`).load()).rejects.toThrow(`GET ${base}/b: HTTP 503`);
    reply = { body: JSON.stringify({ files: [{ filename: 'x.yaml' }] }) };
    await expect(new HttpBundleSource(`${base}/b`).load()).rejects.toThrow(/bundle file 0 must be/);
    await expect(new HttpBundleSource('http://127.0.0.1:1/b', { timeoutMs: 2000 }).load()).rejects.toThrow(/GET http:\/\/127.0.0.1:1\/b: /);
  });
});

describe('HttpBundleSource.watch', () => {
  test('polls with ETags: 304 changes nothing; a new body reloads; errors keep the last set and are reported, then clear', async () => {
    const s = new HttpBundleSource(`${base}/bundle`, { intervalMs: 30 });
    const reloads: { revision: string; error?: Error }[] = [];
    const engine = new PolicyEngine();
    engines.push(engine);
    await engine.loadFrom(s, { watch: true, onReload: (r) => reloads.push(r) });
    const input = { request: { max_tokens: 500 } };
    expect(engine.evaluate(input).effect).toBe('allow');
    const first = engine.revision;

    await waitFor(() => s.notModified >= 3, 3000, 'three 304s');
    expect(reloads).toEqual([]); // nothing changed: no reload
    expect(engine.revision).toBe(first);

    // a new bundle: reload, without a second request for it
    const t0 = Date.now();
    reply = { body: JSON.stringify({ files: [{ filename: 'cost.yaml', text: doc('cost', 100) }] }) };
    const before = seen.length;
    await waitFor(() => engine.evaluate(input).effect === 'deny', 3000, 'the new bundle');
    const latency = Date.now() - t0;
    expect(reloads).toHaveLength(1);
    expect(seen.slice(before).filter((r) => r.headers['if-none-match'] === undefined)).toHaveLength(0);
    const good = engine.revision;

    // the server fails: one error reported, the last set stays
    reply = { status: 500 };
    await waitFor(() => engine.lastReloadError !== undefined, 3000, 'the error');
    expect(engine.lastReloadError!.message).toContain('HTTP 500');
    expect(engine.revision).toBe(good);
    expect(engine.evaluate(input).effect).toBe('deny');
    const errorsSoFar = reloads.filter((r) => r.error).length;
    await new Promise((r) => setTimeout(r, 150));
    expect(reloads.filter((r) => r.error).length).toBe(errorsSoFar); // not one per poll

    // a bundle that does not compile: the last good set stays, the error names the file and line
    reply = { body: JSON.stringify({ files: [{ filename: 'cost.yaml', text: doc('cost', 100).replace('> 100"', '>"') }] }) };
    await waitFor(() => engine.lastReloadError instanceof PolicyError, 3000, 'the compile error');
    expect((engine.lastReloadError as PolicyError).issues[0]).toMatchObject({ file: 'cost.yaml', line: 6 });
    expect(engine.revision).toBe(good);

    // fixed: reload, error cleared
    reply = { body: JSON.stringify({ files: [{ filename: 'cost.yaml', text: doc('cost', 200) }] }) };
    await waitFor(() => engine.lastReloadError === undefined && engine.revision !== good, 3000, 'the fix');
    expect(engine.evaluate({ request: { max_tokens: 150 } }).effect).toBe('allow');
    console.log(`[http] reload ${latency} ms after the bundle changed (intervalMs 30)`);
  });

  test('without ETags, a poll compares bodies', async () => {
    reply = { body: doc('a', 1000), type: 'text/yaml', etag: false };
    const s = new HttpBundleSource(`${base}/a.yaml`, { intervalMs: 20 });
    let reloads = 0;
    const engine = new PolicyEngine();
    engines.push(engine);
    await engine.loadFrom(s, { watch: true, onReload: () => reloads++ });
    await waitFor(() => s.requests >= 4, 3000, 'polls');
    expect(reloads).toBe(0);
    reply = { body: doc('a', 10), type: 'text/yaml', etag: false };
    await waitFor(() => reloads === 1, 3000, 'the reload');
    expect(engine.evaluate({ request: { max_tokens: 50 } }).effect).toBe('deny');
  });

  test('stop (engine.close) ends polling', async () => {
    const s = new HttpBundleSource(`${base}/bundle`, { intervalMs: 20 });
    const engine = new PolicyEngine();
    await engine.loadFrom(s, { watch: true });
    await engine.close();
    const n = s.requests;
    await new Promise((r) => setTimeout(r, 100));
    expect(s.requests).toBe(n);
  });
});
