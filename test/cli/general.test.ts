// The `llm-policy` binary as a whole: help, version, usage errors, exit codes, colour.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cli, ensureBuilt, root, run, tempDir, UNKNOWN_FUNCTION } from './run.js';

const built = ensureBuilt();
if (!built) console.warn('test/cli: dist/cli.js is missing (LLM_POLICY_NO_BUILD is set): run `npm run build` first; skipping');

const COMMANDS = ['init', 'validate', 'test', 'eval', 'fmt', 'build', 'bench', 'serve'];

describe.skipIf(!built)('llm-policy', () => {
  test('dist/cli.js starts with a shebang, is executable and is the package bin', () => {
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(cli).mode & 0o111).not.toBe(0);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.bin['llm-policy']).toBe('./dist/cli.js');
  });

  test('--help lists every command; no arguments prints it and exits 2', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    const none = run([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: llm-policy <command>');
  });

  test.each(COMMANDS)('%s --help, -h and `help %s` print its usage', (c) => {
    for (const args of [
      [c, '--help'],
      [c, '-h'],
      ['help', c],
    ]) {
      const r = run(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: llm-policy ${c}`);
      expect(r.stdout).toContain('Exit status:');
      expect(r.stderr).toBe('');
    }
  });

  test('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  test('an unknown command is a usage error with a suggestion', () => {
    const r = run(['valdate', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command `valdate`');
    expect(r.stderr).toContain('did you mean `validate`?');
    expect(r.stdout).toBe('');
  });

  test('an unknown option, a missing option value and a bad --format are usage errors', () => {
    const a = run(['validate', '--nope', 'x.yaml']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('unknown option `--nope`');
    expect(a.stderr).toContain('llm-policy validate --help');
    const b = run(['eval', '-p']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/option `--policy` needs a value/);
    const c = run(['validate', '--format', 'xml', 'test/fixtures/cli/policies']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('`--format` must be `text` or `json`, got `xml`');
  });

  test('no colour off a TTY or with NO_COLOR; FORCE_COLOR turns it on', () => {
    const dir = tempDir({ 'bad.yaml': UNKNOWN_FUNCTION });
    const plain = run(['validate', 'bad.yaml'], { cwd: dir });
    expect(plain.stderr).not.toContain('\u001b[');
    const forced = run(['validate', 'bad.yaml'], { cwd: dir, env: { FORCE_COLOR: '1' } });
    expect(forced.stderr).toContain('\u001b[31m');
    const both = run(['validate', 'bad.yaml'], { cwd: dir, env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(both.stderr).not.toContain('\u001b[');
    const ok = run(['validate', 'test/fixtures/cli/policies'], { env: { FORCE_COLOR: '1' } });
    expect(ok.stdout).toContain('\u001b[32m✓');
  });
});
