// `llm-policy build`, end to end through the built binary: the module it writes loads into the
// built engine (without parsing or checking) and decides as the sources do.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ensureBuilt, POLICY, root, run, tempDir, UNKNOWN_FUNCTION } from './run.js';

const built = ensureBuilt();

describe.skipIf(!built)('llm-policy build', () => {
  test('writes a module that loadCompiled installs, deciding as the sources do', async () => {
    const dir = tempDir({ 'tiers.yaml': POLICY });
    const r = run(['build', 'tiers.yaml', '--out', 'out/policies.gen.mjs'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ out\/policies\.gen\.mjs: 1 policy from 1 file \(\d+\.\d KB\)$/m);
    const dist = (await import(pathToFileURL(join(root, 'dist/index.js')).href)) as typeof import('../../src/entries/index.js');
    const fromSource = new dist.PolicyEngine();
    fromSource.addPolicy(POLICY);
    const prebuilt = new dist.PolicyEngine();
    prebuilt.loadCompiled(await import(pathToFileURL(join(dir, 'out/policies.gen.mjs')).href));
    for (const input of [{ user: { tier: 'free' }, request: { model: 'big' } }, { user: { tier: 'pro' }, request: { model: 'big' } }, {}]) {
      const a = prebuilt.evaluate(input);
      const b = fromSource.evaluate(input);
      expect({ ...a, revision: a.revision.split('-')[0] }).toEqual({ ...b, revision: b.revision.split('-')[0] });
    }
  });

  test('a policy with optionals and two-variable comprehensions builds, loads and decides as its source', async () => {
    const policy = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: teams }
spec:
  default: allow
  rules:
    - id: search
      when: "request.?metadata.?team.orValue('none') == 'search' && request.metadata.exists(k, v, k == 'tag' && v == 'beta')"
      effect: deny
      message: "{{ request.?metadata.?team }}"
`;
    const dir = tempDir({ 'teams.yaml': policy });
    const r = run(['build', 'teams.yaml', '--out', 'teams.gen.mjs'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const dist = (await import(pathToFileURL(join(root, 'dist/index.js')).href)) as typeof import('../../src/entries/index.js');
    const fromSource = new dist.PolicyEngine();
    fromSource.addPolicy(policy);
    const prebuilt = new dist.PolicyEngine();
    prebuilt.loadCompiled(await import(pathToFileURL(join(dir, 'teams.gen.mjs')).href));
    expect(prebuilt.stats().compiledTo).toBe('code');
    for (const input of [
      { request: { metadata: { team: 'search', tag: 'beta' } } },
      { request: { metadata: { team: 'search' } } },
      { request: {} },
    ]) {
      const a = prebuilt.evaluate(input);
      const b = fromSource.evaluate(input);
      expect({ ...a, revision: a.revision.split('-')[0] }).toEqual({ ...b, revision: b.revision.split('-')[0] });
    }
    expect(prebuilt.evaluate({ request: { metadata: { team: 'search', tag: 'beta' } } }).effect).toBe('deny');
  });

  test('a policy that does not load fails the build: exit 2, nothing written', () => {
    const dir = tempDir({ 'bad.yaml': UNKNOWN_FUNCTION });
    const r = run(['build', 'bad.yaml', '--out', 'policies.gen.mjs'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[unknown_function]');
    expect(run(['build', 'bad.yaml'], { cwd: dir }).stderr).toContain('no output file: give `--out <file>`');
  });

  test('names the function families the module calls, and where the runtime entry gets them', async () => {
    const policy = POLICY.replace(
      "request.model != 'small'",
      'pii.found(request.model) && size(request.model) > 3 && !acme.isSmall(request.model)',
    );
    const dir = tempDir({
      'p.yaml': policy,
      'fns.mjs': `export const functions = [{ name: 'acme.isSmall', category: 'acme', description: 'small model', purity: 'pure',
        overloads: [{ id: 'acme_is_small', params: ['string'], result: 'bool', impl: (s) => s === 'small' }] }];`,
      'tiers.yaml': POLICY,
    });
    const r = run(['build', 'p.yaml', '--functions', 'fns.mjs', '--out', 'p.gen.mjs'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  calls `acme.isSmall`, `pii.found`, `size`\n');
    expect(r.stdout).toContain(
      [
        '  for `llm-policy-engine/runtime`, give its engine the families it calls:',
        "    import { stdLibrary } from 'llm-policy-engine/functions/cel';",
        "    import { piiLibrary } from 'llm-policy-engine/functions/pii';",
        '    new PolicyEngine({ functions: [...stdLibrary, ...piiLibrary, ...yourFunctions] })',
        '  `acme.isSmall`: from --functions; give the same declarations to the engine that loads it',
      ].join('\n'),
    );
    // what it names is enough: the runtime entry's engine given just those loads the module
    const runtime = (await import(pathToFileURL(join(root, 'dist/runtime.js')).href)) as typeof import('../../src/entries/runtime.js');
    const fams = (await import(pathToFileURL(join(root, 'dist/functions.js')).href)) as typeof import('../../src/entries/functions.js');
    const custom = (await import(pathToFileURL(join(dir, 'fns.mjs')).href)).functions;
    const mod = await import(pathToFileURL(join(dir, 'p.gen.mjs')).href);
    const engine = new runtime.PolicyEngine({ functions: [...fams.stdLibrary, ...fams.piiLibrary, ...custom] });
    engine.loadCompiled(mod);
    expect(engine.evaluate({ user: { tier: 'free' }, request: { model: 'mail jane@example.com' } }).effect).toBe('deny');
    expect(() => new runtime.PolicyEngine({ functions: [...fams.stdLibrary, ...custom] }).loadCompiled(mod)).toThrow(
      /call `pii\.found`, which this engine's function library lacks/,
    );
    const j = JSON.parse(run(['build', 'p.yaml', '--functions', 'fns.mjs', '-o', 'p.gen.mjs', '--format', 'json'], { cwd: dir }).stdout);
    expect(j).toMatchObject({
      functions: ['acme.isSmall', 'pii.found', 'size'],
      imports: [
        { from: 'llm-policy-engine/functions/cel', names: ['stdLibrary'] },
        { from: 'llm-policy-engine/functions/pii', names: ['piiLibrary'] },
      ],
      custom: ['acme.isSmall'],
    });
    expect(run(['build', 'tiers.yaml', '-o', 't.gen.mjs'], { cwd: dir }).stdout).toContain(
      '  calls no functions: the `llm-policy-engine/runtime` engine loads it as it is',
    );
  });

  test('--format json', () => {
    const dir = tempDir({ 'tiers.yaml': POLICY });
    const r = run(['build', 'tiers.yaml', '-o', 'p.mjs', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, out: 'p.mjs', policies: 1 });
  });
});
