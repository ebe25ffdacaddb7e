// `llm-policy validate`, end to end through the built binary.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ensureBuilt, POLICY, run, tempDir, UNKNOWN_FUNCTION, YAML_ERROR } from './run.js';

const built = ensureBuilt();

describe.skipIf(!built)('llm-policy validate', () => {
  test('the example policies are valid', () => {
    const r = run(['validate', 'test/fixtures/cli/policies']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ test/fixtures/cli/policies/cost-control.yaml: cost-control (4 rules)');
    expect(r.stdout).toContain('✓ test/fixtures/cli/policies/model-access.yaml: model-access (3 rules), request-hygiene (3 rules)');
    expect(r.stdout).toMatch(/^2 files, 3 policies, 10 rules: ok$/m);
    expect(r.stderr).toBe('');
  });

  test('libraries and extensions in files of their own; a misspelt import is positioned in its file', () => {
    const r = run(['validate', 'examples/lifecycle/composition']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ examples/lifecycle/composition/free-tier.yaml: free-tier (2 rules)');
    expect(r.stdout).toMatch(/^3 files, 1 policy, 2 rules: ok$/m);
    const lib =
      'apiVersion: llmpolicy/v1\nkind: Library\nmetadata: { name: shared }\nspec:\n  conditions:\n    is_free: user.tier == "free"\n';
    const pol =
      'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  imports: [shraed]\n  rules: [{ id: r, when: is_free, effect: deny }]\n';
    const dir = tempDir({ 'shared.yaml': lib, 'p.yaml': pol });
    const bad = run(['validate', '.'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('p.yaml:5:13: error[unknown_import]: unknown library `shraed`');
    expect(bad.stderr).toContain('hint: did you mean `shared`?');
  });

  test('a link out of the directory is skipped with a warning; --follow-symlinks reads it; a link loop ends', () => {
    const outside = tempDir({ 'bad.yaml': UNKNOWN_FUNCTION });
    const dir = tempDir({ 'good.yaml': POLICY });
    symlinkSync(join(outside, 'bad.yaml'), join(dir, 'bad.yaml'));
    mkdirSync(join(dir, 'sub'));
    symlinkSync(dir, join(dir, 'sub/loop'));
    const r = run(['validate', '.'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: skipped `bad.yaml`: a link to outside `.` (pass --follow-symlinks to read it)');
    const all = run(['validate', '.', '--follow-symlinks'], { cwd: dir });
    expect(all.code).toBe(2);
    expect(all.stderr).toContain('unknown function `nosuch`');
  });

  test('a missing file: exit 2, the message names the file', () => {
    const r = run(['validate', 'test/fixtures/cli/policies/nosuch.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot read `test/fixtures/cli/policies/nosuch.yaml`: no such file or directory');
    expect(r.stdout).toBe('');
  });

  test('a YAML error: exit 2, file:line:column, the source line and a caret', () => {
    const dir = tempDir({ 'broken.yaml': YAML_ERROR });
    const r = run(['validate', 'broken.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('broken.yaml:7:17: error[yaml_syntax]:');
    expect(r.stderr).toContain(" 7 |       when: 'a' in b\n   |                 ^");
    expect(r.stderr).toContain('hint:');
  });

  test('an unknown function: exit 2, with its position; every problem of every file is reported', () => {
    const dir = tempDir({ 'bad.yaml': UNKNOWN_FUNCTION, 'broken.yaml': YAML_ERROR, 'good.yaml': POLICY });
    const r = run(['validate', 'bad.yaml', 'broken.yaml', 'good.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.yaml:7:37: error[unknown_function]: unknown function `nosuch`');
    expect(r.stderr).toContain(" 7 |       when: request.model == 'x' && nosuch(request)\n   |                                     ^");
    expect(r.stderr).toContain('broken.yaml:7:17: error[yaml_syntax]');
    expect(r.stderr).toMatch(/2 errors in the policies\n$/);
  });

  test('a call on a function namespace that is not one of its functions is refused, with a suggestion', () => {
    // it used to load, then deny every request with "unknown variable `pii`"
    const dir = tempDir({ 'p.yaml': POLICY.replace("request.model != 'small'", 'pii.contains(request)') });
    const r = run(['validate', 'p.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('p.yaml:7:40: error[unknown_function]: `pii.contains` is not a function');
    expect(r.stderr).toContain('hint: did you mean `pii.found`?');
    const llm = tempDir({ 'p.yaml': POLICY.replace("request.model != 'small'", 'llm.text(request) > 0') });
    expect(run(['validate', 'p.yaml'], { cwd: llm }).stderr).toContain('hint: functions of `llm` that take 1 argument: `llm.tokens`');
  });

  test('a policy name used in two files is an error of the set', () => {
    const dir = tempDir({ 'a.yaml': POLICY, 'b.yaml': POLICY });
    const r = run(['validate', '.'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('duplicate_policy');
  });

  test('a directory without policy files is an error', () => {
    const dir = tempDir({ 'notes.yaml': 'a: 1\n' });
    const r = run(['validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no policy files in');
  });

  test('--format json: ok, files and policies; or ok false and the issues', () => {
    const ok = run(['validate', 'test/fixtures/cli/policies', '--format', 'json']);
    expect(ok.code).toBe(0);
    const j = JSON.parse(ok.stdout);
    expect(j.ok).toBe(true);
    expect(j.issues).toEqual([]);
    expect(j.files).toEqual([
      {
        file: 'test/fixtures/cli/policies/cost-control.yaml',
        policies: [{ name: 'cost-control', namespace: 'default', version: '1.0.0', rules: 4 }],
      },
      {
        file: 'test/fixtures/cli/policies/model-access.yaml',
        policies: [
          { name: 'model-access', namespace: 'default', rules: 3 },
          { name: 'request-hygiene', namespace: 'default', rules: 3 },
        ],
      },
    ]);
    const dir = tempDir({ 'bad.yaml': UNKNOWN_FUNCTION });
    const bad = run(['validate', 'bad.yaml', '--format', 'json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({
      ok: false,
      issues: [{ code: 'unknown_function', message: 'unknown function `nosuch`', file: 'bad.yaml', line: 7, column: 37 }],
    });
    const missing = run(['validate', 'nosuch.yaml', '--format', 'json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({
      ok: false,
      issues: [{ code: 'file', message: 'cannot read `nosuch.yaml`: no such file or directory', file: 'nosuch.yaml' }],
    });
  });

  test('--input-schema makes misspelt fields load errors', () => {
    const dir = tempDir({
      'p.yaml': POLICY.replace("user.tier == 'free'", "user.teir == 'free'"),
      'schema.json': JSON.stringify({
        type: 'object',
        properties: {
          user: { type: 'object', properties: { tier: { type: 'string' } } },
          request: { type: 'object', additionalProperties: true },
        },
      }),
    });
    const r = run(['validate', 'p.yaml', '--input-schema', 'schema.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown field `teir`');
    expect(r.stderr).toContain('did you mean `tier`?');
  });

  test('--functions adds custom functions', () => {
    const dir = tempDir({
      'p.yaml': POLICY.replace("request.model != 'small'", '!acme.isSmall(request.model)'),
      'fns.mjs': `export const functions = [{ name: 'acme.isSmall', category: 'acme', description: 'small model', purity: 'pure',
        overloads: [{ id: 'acme_is_small', params: ['string'], result: 'bool', impl: (s) => s === 'small' }] }];`,
    });
    expect(run(['validate', 'p.yaml'], { cwd: dir }).stderr).toContain('unknown function `acme.isSmall`');
    const r = run(['validate', 'p.yaml', '--functions', 'fns.mjs'], { cwd: dir });
    expect(r.code).toBe(0);
    const e = run(['eval', '-p', 'p.yaml', '--functions', 'fns.mjs', '-i', '-'], {
      cwd: dir,
      input: '{"user":{"tier":"free"},"request":{"model":"big"}}',
    });
    expect(e.stdout).toMatch(/^effect: deny$/m);
  });
});
