// The built package (dist/, made by `npm run build`; CI builds before testing) works from both
// module systems, and an error thrown by one copy is recognised by the other.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { expect, test } from 'vitest';

const root = resolve(__dirname, '../..');
const built = existsSync(resolve(root, 'dist/index.js')) && existsSync(resolve(root, 'dist/index.cjs'));

const POLICY = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: p }
spec:
  rules:
    - { id: big, when: request.max_tokens > 1000, effect: deny }`;

test.runIf(built)('the package resolves and decides through its exports map, ESM and CommonJS', () => {
  const script = `
    const esm = await import('llm-policy-engine');
    const { createRequire } = await import('node:module');
    const cjs = createRequire(process.cwd() + '/')('llm-policy-engine');
    const out = [];
    for (const m of [esm, cjs]) {
      const e = new m.PolicyEngine();
      e.addPolicy(${JSON.stringify(POLICY)});
      out.push(e.evaluate({ request: { max_tokens: 5000 } }).effect);
    }
    try { new cjs.PolicyEngine().addPolicy('kind: nope'); } catch (err) { out.push(err instanceof esm.PolicyError); }
    const node = await import('llm-policy-engine/node');
    out.push(typeof node.regexBackend().name, typeof node.PolicyEngine);
    console.log(JSON.stringify(out));
  `;
  // resolve the package by its own name, as a user would (self-reference through "exports")
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(JSON.parse(stdout)).toEqual(['deny', 'deny', true, 'string', 'function']);
});

test.runIf(built)('plug-ins are shared by every entry of both builds: /node installs re2 for the CommonJS main entry too', () => {
  // Each build shares its code between its entries (tsup's splitting, CommonJS too), but the two
  // builds are two copies: only the registry on globalThis (src/util/plugins.ts) makes an install
  // through one seen by the other.
  const script = `
    const { createRequire } = await import('node:module');
    const require = createRequire(process.cwd() + '/');
    const out = {};
    const cjsMain = require('llm-policy-engine');
    const cjsPlugins = require('llm-policy-engine/plugins');
    out.before = cjsPlugins.getRegexEngine().name;
    const cjsNode = require('llm-policy-engine/node');
    out.native = cjsNode.regexBackend().name;
    out.cjsMain = cjsPlugins.getRegexEngine().name;
    const esmPlugins = await import('llm-policy-engine/plugins');
    out.esmMain = esmPlugins.getRegexEngine().name;
    // a tokenizer installed through the ESM build counts for the CommonJS one
    esmPlugins.setTokenizer({ name: 'fixed', count: () => 42 });
    out.cjsTokens = String(cjsMain.compileExpression("llm.tokens('a long enough text for the cache to matter at all, really')").evaluate({}));
    // the full catalog, imported as ESM, is known to the CommonJS main entry
    out.knownBefore = cjsMain.compileExpression("llm.knownModel('gpt-4o') && !llm.knownModel(m)").evaluate({ m: process.env.HOSTED });
    await import('llm-policy-engine/catalog-full');
    out.knownAfter = cjsMain.compileExpression('llm.knownModel(m)').evaluate({ m: process.env.HOSTED });
    console.log(JSON.stringify(out));
  `;
  const hosted = 'llama-3.3-70b-versatile'; // a Groq model: in the full table only
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, HOSTED: hosted },
  });
  const out = JSON.parse(stdout);
  expect(out.before).toBe('re2js');
  const engine = out.native; // 're2' where the optional addon is installed (CI requires it), else 're2js'
  expect({ ...out, native: undefined }).toEqual({
    before: 're2js',
    cjsMain: engine,
    esmMain: engine,
    cjsTokens: '42',
    knownBefore: true,
    knownAfter: true,
  });
  if (process.env.REQUIRE_NATIVE_RE2) expect(engine).toBe('re2');
});

test.runIf(built)('sideEffects lists every entry that installs a plug-in on import, in both builds', () => {
  const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as {
    exports: Record<string, unknown>;
    sideEffects: string[];
  };
  const entries = Object.keys(pkg.exports).filter((k) => k !== './package.json');
  // One process per build imports the entries one by one: an entry installs something when a
  // plug-in slot's generation moves during its import (its top level runs on first import).
  const names = entries.map((e) => (e === '.' ? 'index' : e.slice(2)));
  const installing: string[] = [];
  for (const how of ['import', 'require'] as const) {
    const script = `
      const { createRequire } = await import('node:module');
      const req = createRequire(process.cwd() + '/');
      const total = () => Object.values(globalThis[Symbol.for('llm-policy-engine.plugins')] ?? {}).reduce((n, s) => n + s.generation, 0);
      const out = [];
      for (const name of ${JSON.stringify(names)}) {
        const spec = name === 'index' ? 'llm-policy-engine' : 'llm-policy-engine/' + name;
        const before = total();
        ${how === 'import' ? 'await import(spec)' : 'req(spec)'};
        if (total() > before) out.push(name);
      }
      console.log(JSON.stringify(out));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }),
    ) as string[];
    installing.push(...out.map((n) => `./dist/${n}.${how === 'import' ? 'js' : 'cjs'}`));
  }
  expect(installing).toContain('./dist/tiktoken.cjs');
  expect(installing).toContain('./dist/catalog-full.js');
  // /node also installs the node:crypto audit hash, whether or not the re2 addon loads
  expect([...pkg.sideEffects].sort()).toEqual([...new Set([...installing, './dist/node.js', './dist/node.cjs'])].sort());
});

/**
 * Runs `body` in a fresh Node process inside the package, after the main entry has built `policy`
 * into a module on disk: `main` (the main entry), `e` (its engine), `mod` (the module's namespace)
 * and `req` (require from the package) are in scope. Returns what the process printed.
 */
function withPrebuilt(policy: string, body: string): string {
  const script = `
    import { writeFileSync, mkdtempSync } from 'node:fs';
    import { join } from 'node:path';
    import { tmpdir } from 'node:os';
    import { createRequire } from 'node:module';
    const main = await import('llm-policy-engine');
    const e = new main.PolicyEngine();
    e.addPolicy(${JSON.stringify(policy)});
    const file = join(mkdtempSync(join(tmpdir(), 'llmpe-dist-')), 'p.gen.mjs');
    writeFileSync(file, e.compileToModule());
    const mod = await import('file://' + file);
    const req = createRequire(process.cwd() + '/');
    ${body}`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
}

test.runIf(built)('the /runtime entry resolves from both module systems and decides with a module the main entry built', () => {
  const stdout = withPrebuilt(
    POLICY,
    `
    const cjs = req('llm-policy-engine/runtime');
    const esm = await import('llm-policy-engine/runtime');
    const out = [];
    for (const m of [esm, cjs]) {
      const r = new m.PolicyEngine();
      r.loadCompiled(mod);
      out.push(r.evaluate({ request: { max_tokens: 5000 } }).effect);
    }
    try { new cjs.PolicyEngine().addPolicy('kind: nope'); } catch (err) { out.push(err instanceof main.PolicyError, err.issues[0].code); }
    console.log(JSON.stringify(out));
  `,
  );
  expect(JSON.parse(stdout)).toEqual(['deny', 'deny', true, 'needs_main_entry']);
});

test.runIf(built)(
  'dist/runtime.js is 3 files for the module loader, sharing the CEL value classes, errors and registry with the main entry',
  () => {
    // tsup.config.ts copies the chunks it may into runtime.js; the others are imported, so a value
    // made by a function of another entry is one the runtime's operators recognise
    const imports = (file: string): string[] =>
      [...readFileSync(resolve(root, 'dist', file), 'utf8').matchAll(/(?:^|;)(?:import|export)[^;'"]*?from\s*['"]\.\/([^'"]+)['"]/gm)].map(
        (m) => m[1]!,
      );
    const files = new Set<string>();
    const walk = (f: string): void => {
      if (files.has(f)) return;
      files.add(f);
      for (const i of imports(f)) walk(i);
    };
    walk('runtime.js');
    expect(files.size).toBe(3);
    const script = `
    const main = await import('llm-policy-engine');
    const runtime = await import('llm-policy-engine/runtime');
    const names = ['CelUint', 'CelTimestamp', 'CelDuration', 'CelType', 'CelOptional', 'Registry', 'PolicyError', 'EvaluationError'];
    const r = new runtime.PolicyEngine({ registry: main.defaultRegistry() });
    console.log(JSON.stringify([names.filter((n) => runtime[n] !== main[n]), r.evaluate({}).effect]));
  `;
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(stdout)).toEqual([[], 'allow']);
  },
);

test.runIf(built)('the function families load into the /runtime engine from both module systems and decide as the main entry does', () => {
  // uint, timestamp and duration values cross from a family's code to the engine's operators:
  // in CommonJS too the family and the runtime must share the CEL value classes (one chunk)
  const policy = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: families }
spec:
  rules:
    - id: late
      when: uint(request.n) > 3u && timestamp(request.t) + duration('1h') > timestamp('2020-01-01T00:00:00Z') && size(request.s) == 2
      effect: deny
    - id: pii
      when: pii.found(request.s + ' jane.doe@example.com') && llm.tokens(request.s) > 0
      effect: warn
`;
  const stdout = withPrebuilt(
    policy,
    `
    const input = { request: { n: 5, t: '2024-01-01T00:00:00Z', s: 'ab' } };
    const show = (d) => [d.effect, d.matched.map((m) => m.rule), d.errors.length];
    const out = [show(e.evaluate(input))];
    for (const load of [(s) => import(s), async (s) => req(s)]) {
      const { PolicyEngine } = await load('llm-policy-engine/runtime');
      const { stdLibrary } = await load('llm-policy-engine/functions/cel');
      const { llmLibrary } = await load('llm-policy-engine/functions/llm');
      const { piiLibrary } = await load('llm-policy-engine/functions/pii');
      const r = new PolicyEngine({ functions: [...stdLibrary, ...llmLibrary, ...piiLibrary] });
      r.loadCompiled(mod.default);
      out.push(show(r.evaluate(input)));
      const all = await load('llm-policy-engine/functions');
      out.push(all.builtinLibrary.length === main.builtinLibrary.length && all.stdLibrary === stdLibrary);
    }
    console.log(JSON.stringify(out));
  `,
  );
  const main = ['deny', ['late', 'pii'], 0];
  expect(JSON.parse(stdout)).toEqual([main, main, true, main, true]);
});

test.runIf(built)('an app that imports one function family bundles that family, not the others', async () => {
  // what each family's code holds and no other's: a bundler keeps a dist chunk whole once it is
  // imported, so each family has chunks of its own (tsup.config.ts, the entries)
  const marks: Record<string, string> = {
    cel: 'math.greatest',
    llm: 'llm.tokens',
    pii: 'pii.redact',
    injection: 'injection.score',
    state: 'rate.count',
    runtime: 'needs_main_entry', // the runtime's own refusal: in every bundle below
  };
  const bundle = async (families: string[]): Promise<string> => {
    const imports = families.map((f) => `export * from ${JSON.stringify(resolve(root, `dist/functions/${f}.js`))};`).join('\n');
    const out = await build({
      stdin: {
        contents: `export { PolicyEngine } from ${JSON.stringify(resolve(root, 'dist/runtime.js'))};\n${imports}`,
        resolveDir: root,
      },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['browser', 'module', 'main'],
      logLevel: 'silent',
    });
    return out.outputFiles[0]!.text;
  };
  const present = (text: string) => Object.keys(marks).filter((k) => text.includes(marks[k]!));
  expect(present(await bundle([]))).toEqual(['runtime']);
  expect(present(await bundle(['cel']))).toEqual(['cel', 'runtime']);
  expect(present(await bundle(['cel', 'llm', 'pii']))).toEqual(['cel', 'llm', 'pii', 'runtime']);
  expect(present(await bundle(['injection']))).toEqual(['injection', 'runtime']);
  expect(present(await bundle(['state']))).toEqual(['state', 'runtime']);
});
