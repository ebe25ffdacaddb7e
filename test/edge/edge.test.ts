// The edge promise as tests: the package (dist/, as published) and a prebuilt policy module
// are bundled as an app would bundle them, three ways (wrangler's conditions, Vercel's
// `edge-light`, esbuild's neutral defaults), and run in workerd (through miniflare, without
// nodejs_compat) and in Vercel's edge-runtime. The worker loads a policy with PII, token,
// regex and cost rules from YAML (where the runtime refuses code generation: closures) and
// from the prebuilt module (generated code), and decides. A second worker imports only the
// `llm-policy-engine/runtime` entry and a prebuilt module of the W1 gate policy, decides as the
// main engine does, and refuses a module that calls functions it was not given; a third adds the
// function families the edge policy calls, from their own subpaths, decides that policy and stays
// within the 150 KB budget. No network: everything is local.
//
// npm run test:edge (after npm run build)

import { build, type BuildOptions } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
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

const GATE = readFileSync(join(root, 'bench/policies/gate.yaml'), 'utf8');
const GATE_CASES = [
  {
    user: { id: 'u1', tier: 'free', roles: [] },
    request: { model: 'gpt-4o', max_tokens: 512, temperature: 0.7, input_tokens: 1200, messages_count: 4 },
    budget: { spent_usd: 1, limit_usd: 25 },
  },
  {
    user: { id: 'u2', tier: 'pro', roles: [] },
    request: { model: 'gpt-4o', max_tokens: 512, temperature: 1.7, input_tokens: 100, messages_count: 60 },
    budget: { spent_usd: 1, limit_usd: 25 },
  },
  {
    user: { id: 'u3', tier: 'enterprise', roles: ['suspended'] },
    request: { model: 'o1', max_tokens: 9000, temperature: 0, input_tokens: 10, messages_count: 1 },
    budget: { spent_usd: 30, limit_usd: 25 },
  },
  {
    user: { id: 'u4', tier: 'pro', roles: [] },
    request: { model: 'gpt-4o-mini', max_tokens: 100, temperature: 0, input_tokens: 10, messages_count: 1 },
    budget: { spent_usd: 0, limit_usd: 25 },
  },
  { user: { id: 'u5', tier: 'pro' }, request: { model: 'gpt-4o-mini' } },
];

/** The lean worker: the `/runtime` entry only, and prebuilt modules. */
const RUNTIME_WORKER = `
import { PolicyEngine } from 'llm-policy-engine/runtime';
import gate from './gate.gen.mjs';
import withFunctions from './policies.gen.mjs';
export async function handle(request) {
  const cases = await request.json();
  const engine = new PolicyEngine();
  engine.loadCompiled(gate);
  const refused = (f) => { try { f(); return 'accepted'; } catch (e) { return e.issues.map((i) => i.code + ': ' + i.message); } };
  return Response.json({
    compiledTo: engine.stats().compiledTo,
    decisions: cases.map((c) => engine.evaluate(c)),
    functions: refused(() => new PolicyEngine().loadCompiled(withFunctions)),
    addPolicy: refused(() => engine.addPolicy('kind: Policy')),
  });
}
export default { fetch: handle };
`;

/**
 * The lean worker with functions: the `/runtime` entry, the families the edge policy calls from
 * their own subpaths (what `llm-policy build` prints), and its prebuilt module.
 */
const FAMILIES_WORKER = `
import { PolicyEngine } from 'llm-policy-engine/runtime';
import { stdLibrary } from 'llm-policy-engine/functions/cel';
import { llmLibrary } from 'llm-policy-engine/functions/llm';
import { piiLibrary } from 'llm-policy-engine/functions/pii';
import built from './policies.gen.mjs';
const engine = new PolicyEngine({ functions: [...stdLibrary, ...llmLibrary, ...piiLibrary] });
engine.loadCompiled(built);
export async function handle(request) {
  const cases = await request.json();
  return Response.json({ compiledTo: engine.stats().compiledTo, decisions: cases.map((c) => engine.evaluate(c)) });
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
const bundles = new Map<
  string,
  { esm: string; iife: string; runtimeEsm: string; runtimeIife: string; familiesEsm: string; familiesIife: string }
>();
/** What the main engine decides on GATE_CASES, from the YAML. */
let gateDecisions: unknown[];
/** What the main engine decides on CASES, from the prebuilt module. */
let edgeDecisions: unknown[];

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
  const prebuilt = new PolicyEngine();
  prebuilt.loadCompiled((await import(pathToFileURL(join(dir, 'policies.gen.mjs')).href)).default);
  edgeDecisions = CASES.map((c) => comparable(prebuilt.evaluate(c.input)));
  const gate = new PolicyEngine();
  gate.addPolicy(GATE, { filename: 'gate.yaml' });
  writeFileSync(join(dir, 'gate.gen.mjs'), gate.compileToModule());
  gateDecisions = GATE_CASES.map((c) => comparable(gate.evaluate(c)));
  writeFileSync(join(dir, 'runtime-worker.mjs'), RUNTIME_WORKER);
  writeFileSync(join(dir, 'families-worker.mjs'), FAMILIES_WORKER);
  writeFileSync(
    join(dir, 'families-edge-runtime.mjs'),
    `import { handle } from './families-worker.mjs';\naddEventListener('fetch', (event) => event.respondWith(handle(event.request)));\n`,
  );
  writeFileSync(
    join(dir, 'runtime-edge-runtime.mjs'),
    `import { handle } from './runtime-worker.mjs';\naddEventListener('fetch', (event) => event.respondWith(handle(event.request)));\n`,
  );
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
    bundles.set(way, {
      esm: await one('worker.mjs', 'esm'),
      iife: await one('edge-runtime.mjs', 'iife'),
      runtimeEsm: await one('runtime-worker.mjs', 'esm'),
      runtimeIife: await one('runtime-edge-runtime.mjs', 'iife'),
      familiesEsm: await one('families-worker.mjs', 'esm'),
      familiesIife: await one('families-edge-runtime.mjs', 'iife'),
    });
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

/** A decision without the revision's counter (it counts loads per engine). */
function comparable(d: { revision: string }): unknown {
  return { ...d, revision: d.revision.replace(/-\d+$/, '') };
}

interface RuntimeAnswer {
  compiledTo: string;
  decisions: { revision: string }[];
  functions: string[] | string;
  addPolicy: string[] | string;
}

function expectRuntime(a: RuntimeAnswer): void {
  expect(a.compiledTo).toBe('code');
  expect(a.decisions.map(comparable)).toEqual(gateDecisions);
  expect(a.functions).toEqual(
    ['llm.tokens', 'pii.found', 'matches', 'llm.cost', 'pii.types'].map(
      (f) => `invalid_prebuilt: the prebuilt policies call \`${f}\`, which this engine's function library lacks`,
    ),
  );
  expect(a.addPolicy).toEqual([expect.stringMatching(/^needs_main_entry: `addPolicy` needs what builds policies from their sources/)]);
}

/** POSTs `cases` to a bundled worker in workerd (miniflare, no nodejs_compat), or in Vercel's edge-runtime; its JSON answer. */
async function dispatch(where: 'workerd' | 'edge-runtime', script: string, cases: unknown[]): Promise<unknown> {
  const init = { method: 'POST', body: JSON.stringify(cases) };
  const mf = where === 'workerd' ? new Miniflare({ modules: true, script, compatibilityDate: '2025-09-01' }) : undefined;
  try {
    const res = mf
      ? await mf.dispatchFetch('http://edge.test/', init)
      : await new EdgeRuntime({ initialCode: script }).dispatchFetch('http://edge.test/', init);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return JSON.parse(text);
  } finally {
    await mf?.dispose();
  }
}

function expectFamilies(a: {
  compiledTo: string;
  decisions: { revision: string; effect: string; matched: { rule: string; effect: string }[]; errors: unknown[] }[];
}): void {
  expect(a.compiledTo).toBe('code');
  for (const [i, c] of CASES.entries()) {
    const d = a.decisions[i]!;
    expect(d.errors).toEqual([]);
    expect({ effect: d.effect, rules: d.matched.filter((m) => m.effect === d.effect).map((m) => m.rule) }).toEqual({
      effect: c.effect,
      rules: c.rules,
    });
  }
  expect(a.decisions.map(comparable)).toEqual(edgeDecisions);
}

/** Each worker, bundled each way, in each runtime: the ES module bundle for workerd, the script for edge-runtime. */
const WORKERS = [
  {
    name: 'the /runtime entry',
    esm: 'runtimeEsm',
    iife: 'runtimeIife',
    cases: () => GATE_CASES,
    check: (a: unknown) => expectRuntime(a as RuntimeAnswer),
  },
  {
    name: 'the /runtime entry with the function families',
    esm: 'familiesEsm',
    iife: 'familiesIife',
    cases: () => CASES.map((c) => c.input),
    check: (a: unknown) => expectFamilies(a as Parameters<typeof expectFamilies>[0]),
  },
  {
    name: 'the main entry',
    esm: 'esm',
    iife: 'iife',
    cases: () => CASES.map((c) => c.input),
    check: (a: unknown) => expectDecisions(a as Answer),
  },
] as const;

describe.each(WORKERS.flatMap((w) => Object.keys(WAYS).map((way) => ({ ...w, way }))))('$name bundled with $way conditions', (w) => {
  test('runs in workerd (miniflare, no nodejs_compat)', async () => {
    w.check(await dispatch('workerd', bundles.get(w.way)![w.esm], w.cases()));
  }, 120_000);

  test("runs in Vercel's edge-runtime", async () => {
    w.check(await dispatch('edge-runtime', bundles.get(w.way)![w.iife], w.cases()));
  }, 120_000);
});

/** A worker of `dir` bundled as wrangler bundles it, minified. */
const minified = (file: string) =>
  build({
    ...WAYS.wrangler,
    entryPoints: [join(dir, file)],
    absWorkingDir: dir,
    bundle: true,
    write: false,
    format: 'esm',
    minify: true,
    logLevel: 'silent',
  });

test('the /runtime worker bundle holds no parser, compiler or function library', async () => {
  const out = await minified('runtime-worker.mjs');
  const code = out.outputFiles[0]!.contents;
  console.log(
    `edge worker bundle (/runtime entry + two prebuilt modules): ${(code.length / 1024).toFixed(0)} KB minified, ${(gzipSync(code, { level: 9 }).length / 1024).toFixed(1)} KB gzip`,
  );
  const text = out.outputFiles[0]!.text;
  // the main entry's version of these would bring the YAML parser, the checker and the builtins
  expect(text).not.toMatch(/new Function|YAMLParseError/);
  expect(code.length).toBeLessThan(200_000);
});

test('the worker bundle, minified and gzipped, against the 150 KB budget of the main entry', async () => {
  const out = await minified('worker.mjs');
  const code = out.outputFiles[0]!.contents;
  const kb = gzipSync(code, { level: 9 }).length / 1024;
  console.log(
    `edge worker bundle (main entry + a prebuilt module): ${(code.length / 1024).toFixed(0)} KB minified, ${kb.toFixed(1)} KB gzip (budget for the main entry: 150 KB)`,
  );
  expect(kb).toBeGreaterThan(0);
});

test('the worker of the /runtime entry with the families its policy calls stays in the 150 KB budget, without the others', async () => {
  const out = await minified('families-worker.mjs');
  const code = out.outputFiles[0]!.contents;
  const gz = gzipSync(code, { level: 9 }).length / 1024;
  console.log(
    `edge worker bundle (/runtime entry + the cel, llm and pii families + the PII, token, regex and cost policy): ${(code.length / 1024).toFixed(0)} KB minified, ${gz.toFixed(1)} KB gzip (budget 150 KB)`,
  );
  const text = out.outputFiles[0]!.text;
  expect(text).not.toMatch(/new Function|YAMLParseError|injection\.score|rate\.count/);
  expect(gz).toBeLessThan(150);
});
