// The edge promise as tests: the package (dist/, as published) and a prebuilt policy module
// are bundled as an app would bundle them, three ways (wrangler's conditions, Vercel's
// `edge-light`, esbuild's neutral defaults), and run in workerd (through miniflare, without
// nodejs_compat) and in Vercel's edge-runtime. The worker loads a policy with PII, token,
// regex and cost rules from YAML (where the runtime refuses code generation: closures) and
// from the prebuilt module (generated code), and decides. No network: everything is local.
//
// npm run test:edge (after npm run build)

import { build, type BuildOptions } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { generateKeyPairSync } from 'node:crypto';
import { EdgeRuntime } from 'edge-runtime';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = resolve(__dirname, '../..');
const dist = join(root, 'dist/index.js');

const POLICY = `apiVersion: llmpolicy/v1
kind: Policy
metadata:
  name: edge
spec:
  let:
    tokens: llm.tokens(request)
  rules:
    - id: pii
      when: pii.found(request, ['email', 'credit_card'])
      effect: deny
      message: "the request holds {{ pii.types(request) }}"
    - id: too-long
      when: tokens > 2000
      effect: deny
    - id: ticket
      when: request.messages.exists(m, m.content.matches(r'\\bTICKET-\\d{4}\\b'))
      effect: warn
      message: a support ticket is quoted
    - id: budget
      when: llm.cost(request.model, tokens, request.max_tokens) > 0.5
      effect: deny
      message: "estimated cost {{ llm.cost(request.model, tokens, request.max_tokens) }} USD"
`;

const CASES = [
  {
    input: { request: { model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'mail me at jane.doe@example.com' }] } },
    effect: 'deny',
    rules: ['pii'],
  },
  {
    input: { request: { model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'see TICKET-1234 please' }] } },
    effect: 'warn',
    rules: ['ticket'],
  },
  {
    input: { request: { model: 'o1', max_tokens: 60000, messages: [{ role: 'user', content: 'write a novel' }] } },
    effect: 'deny',
    rules: ['budget'],
  },
  {
    input: { request: { model: 'gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] } },
    effect: 'allow',
    rules: [],
  },
];

/**
 * The worker: both engines decide every case; the response says how. A third engine loads a
 * signed bundle (Ed25519, verified with WebCrypto in the runtime) and refuses a tampered one.
 */
const worker = (bundle: string, tampered: string, publicKey: string, hmac: string) => `
import { PolicyEngine } from 'llm-policy-engine';
import built from './policies.gen.mjs';
const POLICY = ${JSON.stringify(POLICY)};
async function signed() {
  const engine = new PolicyEngine();
  await engine.loadBundle(${JSON.stringify(bundle)}, { publicKey: ${JSON.stringify(publicKey)} });
  const refused = await engine.loadBundle(${JSON.stringify(tampered)}, { publicKey: ${JSON.stringify(publicKey)} }).then(() => 'loaded', (e) => e.issues?.[0]?.code ?? String(e));
  const viaHmac = await new PolicyEngine().loadBundle(${JSON.stringify(hmac)}, { hmacSecret: 'edge-secret' }).then((p) => p.length, (e) => String(e));
  return { policies: engine.policies().map((p) => p.name), refused, viaHmac };
}
export async function handle(request) {
  const cases = await request.json();
  const fromYaml = new PolicyEngine();
  fromYaml.addPolicy(POLICY, { filename: 'edge.yaml' });
  const prebuilt = new PolicyEngine();
  prebuilt.loadCompiled(built);
  const show = (d) => ({ effect: d.effect, rules: d.matched.filter((m) => m.effect === d.effect).map((m) => m.rule), reasons: d.reasons, errors: d.errors });
  return Response.json({
    yaml: { compiledTo: fromYaml.stats().compiledTo, decisions: cases.map((c) => show(fromYaml.evaluate(c))) },
    prebuilt: { compiledTo: prebuilt.stats().compiledTo, decisions: cases.map((c) => show(prebuilt.evaluate(c))) },
    bundle: await signed(),
  });
}
export default { fetch: handle };
`;

const WAYS: Record<string, BuildOptions> = {
  // wrangler's resolution for Cloudflare Workers
  wrangler: { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['browser', 'module', 'main'] },
  // Vercel Edge Functions
  vercel: { platform: 'neutral', conditions: ['edge-light'], mainFields: ['module', 'main'] },
  // esbuild's defaults for a neutral platform: no conditions beyond import/default, no main fields
  'esbuild defaults': { platform: 'neutral' },
};

let dir: string;
const bundles = new Map<string, { esm: string; iife: string }>();

beforeAll(async () => {
  if (!existsSync(dist)) throw new Error('dist/ is missing: run `npm run build` before `npm run test:edge`');
  dir = mkdtempSync(join(tmpdir(), 'llmpe-edge-'));
  // the package as an app sees it: node_modules/llm-policy-engine, resolved through its exports
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules/llm-policy-engine'), 'dir');
  const { PolicyEngine, createBundle } = (await import(dist)) as typeof import('../../src/entries/index.js');
  const e = new PolicyEngine();
  e.addPolicy(POLICY, { filename: 'edge.yaml' });
  writeFileSync(join(dir, 'policies.gen.mjs'), e.compileToModule());
  const keys = generateKeyPairSync('ed25519');
  const bundle = await createBundle([{ filename: 'edge.yaml', text: POLICY }], {
    privateKey: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  const hmac = await createBundle([{ filename: 'edge.yaml', text: POLICY }], { hmacSecret: 'edge-secret' });
  writeFileSync(
    join(dir, 'worker.mjs'),
    worker(bundle, bundle.replace('> 2000', '> 20000'), keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(), hmac),
  );
  writeFileSync(
    join(dir, 'edge-runtime.mjs'),
    `import { handle } from './worker.mjs';\naddEventListener('fetch', (event) => event.respondWith(handle(event.request)));\n`,
  );
  for (const [way, options] of Object.entries(WAYS)) {
    const one = async (entry: string, format: 'esm' | 'iife') =>
      (
        await build({
          ...options,
          entryPoints: [join(dir, entry)],
          absWorkingDir: dir,
          bundle: true,
          write: false,
          format,
          logLevel: 'silent',
        })
      ).outputFiles[0]!.text;
    bundles.set(way, { esm: await one('worker.mjs', 'esm'), iife: await one('edge-runtime.mjs', 'iife') });
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  yaml: { compiledTo: string; decisions: { effect: string; rules: string[]; errors: unknown[] }[] };
  prebuilt: { compiledTo: string; decisions: { effect: string; rules: string[]; errors: unknown[] }[] };
  bundle: { policies: string[]; refused: string; viaHmac: number | string };
}

function expectDecisions(a: Answer): void {
  // the edge refuses code generation: YAML policies run as closures; the prebuilt module is code
  expect(a.yaml.compiledTo).toBe('closures');
  expect(a.prebuilt.compiledTo).toBe('code');
  for (const [i, c] of CASES.entries()) {
    for (const d of [a.yaml.decisions[i]!, a.prebuilt.decisions[i]!]) {
      expect(d.errors).toEqual([]);
      expect({ effect: d.effect, rules: d.rules }).toEqual({ effect: c.effect, rules: c.rules });
    }
  }
  expect(a.prebuilt.decisions).toEqual(a.yaml.decisions);
  // signed bundles verify with the runtime's WebCrypto; a tampered one is refused
  expect(a.bundle).toEqual({ policies: ['edge'], refused: 'signature_invalid', viaHmac: 1 });
}

describe.each(Object.keys(WAYS))('bundled with %s conditions', (way) => {
  test('runs in workerd (miniflare, no nodejs_compat)', async () => {
    const mf = new Miniflare({ modules: true, script: bundles.get(way)!.esm, compatibilityDate: '2025-09-01' });
    try {
      const res = await mf.dispatchFetch('http://edge.test/', { method: 'POST', body: JSON.stringify(CASES.map((c) => c.input)) });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      expectDecisions(JSON.parse(text) as Answer);
    } finally {
      await mf.dispose();
    }
  }, 120_000);

  test("runs in Vercel's edge-runtime", async () => {
    const runtime = new EdgeRuntime({ initialCode: bundles.get(way)!.iife });
    const res = await runtime.dispatchFetch('http://edge.test/', { method: 'POST', body: JSON.stringify(CASES.map((c) => c.input)) });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expectDecisions(JSON.parse(text) as Answer);
  }, 120_000);
});

test('the worker bundle, minified and gzipped, against the 150 KB budget of the main entry', async () => {
  const out = await build({
    ...WAYS.wrangler,
    entryPoints: [join(dir, 'worker.mjs')],
    absWorkingDir: dir,
    bundle: true,
    write: false,
    format: 'esm',
    minify: true,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0]!.contents;
  const kb = gzipSync(code, { level: 9 }).length / 1024;
  console.log(
    `edge worker bundle (main entry + a prebuilt module): ${(code.length / 1024).toFixed(0)} KB minified, ${kb.toFixed(1)} KB gzip (budget for the main entry: 150 KB)`,
  );
  expect(kb).toBeGreaterThan(0);
});
