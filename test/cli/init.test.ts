// `llm-policy init`: copies library templates (policy, suite, fixtures) into a project, through
// the built binary, in temporary directories; and the package ships the library it reads.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CATEGORIES, loadLibrary } from '../../src/cli/library.js';
import { ensureBuilt, root, run, tempDir } from './run.js';

const built = ensureBuilt();
const templates = loadLibrary(join(root, 'examples/policies'));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
const library = (t: string, file: string) => join(root, 'examples/policies', templates.find((x) => x.name === t)!.category, file);

describe.skipIf(!built)('llm-policy init', () => {
  test('--list names every category and template; --format json gives them as data', () => {
    const r = run(['init', '--list']);
    expect(r.code).toBe(0);
    for (const c of CATEGORIES) expect(r.stdout).toContain(`${c.title} (${c.id})`);
    for (const t of templates)
      expect(r.stdout).toMatch(new RegExp(`^  ${t.name} +(\\(response\\) )?${t.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    expect(r.stdout).toContain(`${templates.length} templates.`);
    const j = JSON.parse(run(['init', '--list', '--format', 'json']).stdout) as {
      name: string;
      category: string;
      stage: string;
      cases: number;
    }[];
    expect(j.map((t) => t.name)).toEqual(templates.map((t) => t.name));
    expect(j.find((t) => t.name === 'secrets-in-responses')).toMatchObject({ category: 'data-protection', stage: 'response' });
  });

  test('copies the policy and its suite into policies/, with the published schema; the copied suite passes', () => {
    const dir = tempDir({});
    const r = run(['init', '--template', 'max-tokens-cap', '-t', 'block-secrets-in-prompts'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created policies/max-tokens-cap.yaml\ncreated policies/max-tokens-cap.test.yaml\n');
    expect(r.stdout).toContain('created policies/block-secrets-in-prompts.test.yaml');
    expect(r.stdout).toContain('next: npx llm-policy test policies --coverage');
    expect(readdirSync(join(dir, 'policies')).sort()).toEqual([
      'block-secrets-in-prompts.test.yaml',
      'block-secrets-in-prompts.yaml',
      'max-tokens-cap.test.yaml',
      'max-tokens-cap.yaml',
    ]);
    const copied = readFileSync(join(dir, 'policies/max-tokens-cap.yaml'), 'utf8');
    const original = readFileSync(library('max-tokens-cap', 'max-tokens-cap.yaml'), 'utf8');
    expect(copied.split('\n')[0]).toBe(
      `# yaml-language-server: $schema=https://unpkg.com/llm-policy-engine@${version}/schemas/policy.schema.json`,
    );
    expect(copied.split('\n').slice(1)).toEqual(original.split('\n').slice(1));
    expect(readFileSync(join(dir, 'policies/max-tokens-cap.test.yaml'), 'utf8')).toContain(
      `$schema=https://unpkg.com/llm-policy-engine@${version}/schemas/policy-test.schema.json`,
    );
    const t = run(['test', 'policies', '--coverage-threshold', '100'], { cwd: dir });
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^coverage: 100\.0%/m);
    expect(run(['validate', 'policies'], { cwd: dir }).code).toBe(0);
  });

  test('copies the fixtures a suite reads, into --dir, creating it', () => {
    const dir = tempDir({});
    const r = run(['init', '-t', 'session-turn-limit', '--dir', 'config/llm'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created config/llm/fixtures/session-turn-limit/long-session.json');
    expect(readFileSync(join(dir, 'config/llm/fixtures/session-turn-limit/long-session.json'), 'utf8')).toBe(
      readFileSync(library('session-turn-limit', 'fixtures/session-turn-limit/long-session.json'), 'utf8'),
    );
    expect(run(['test', 'config/llm', '--coverage-threshold', '100'], { cwd: dir }).code).toBe(0);
  });

  test('refuses to overwrite and then writes nothing at all; --force overwrites', () => {
    const dir = tempDir({});
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies/per-user-rpm.test.yaml'), 'mine\n');
    const r = run(['init', '-t', 'api-key-burst', '-t', 'per-user-rpm'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[file]: `policies/per-user-rpm.test.yaml` already exists');
    expect(r.stderr).toContain('hint: pass `--force` to overwrite it, or `--dir <path>` to write somewhere else');
    expect(readdirSync(join(dir, 'policies'))).toEqual(['per-user-rpm.test.yaml']);
    expect(readFileSync(join(dir, 'policies/per-user-rpm.test.yaml'), 'utf8')).toBe('mine\n');
    const f = run(['init', '-t', 'api-key-burst', '-t', 'per-user-rpm', '--force'], { cwd: dir });
    expect(f.code).toBe(0);
    expect(f.stdout).toContain('created policies/per-user-rpm.yaml');
    expect(f.stdout).toContain('overwrote policies/per-user-rpm.test.yaml');
    expect(readFileSync(join(dir, 'policies/per-user-rpm.test.yaml'), 'utf8')).toContain('kind: PolicyTest');
  });

  test('an unknown template suggests the closest name, or names that contain it; nothing is written', () => {
    const dir = tempDir({});
    const r = run(['init', '-t', 'max-token-cap', '-t', 'injection', '-t', 'max-tokens-cap'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error[usage]: unknown template `max-token-cap`\n  hint: did you mean `max-tokens-cap`?');
    expect(r.stderr).toContain(
      'error[usage]: unknown template `injection`\n  hint: templates with `injection` in their name: `injection-threshold`, `tool-result-injection`',
    );
    expect(existsSync(join(dir, 'policies'))).toBe(false);
    const none = run(['init', '-t', 'nothing-like-it'], { cwd: dir });
    expect(none.stderr).toContain('hint: `llm-policy init --list` lists the templates');
  });

  test('usage errors: no template, a bare name, --list with --template', () => {
    const dir = tempDir({});
    const none = run(['init'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error[usage]: no template given');
    const bare = run(['init', 'max-tokens-cap'], { cwd: dir });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('unexpected argument `max-tokens-cap`');
    expect(bare.stderr).toContain('hint: name a template with `--template max-tokens-cap`');
    expect(run(['init', '--list', '-t', 'x'], { cwd: dir }).stderr).toContain('give `--list` or `--template`, not both');
    expect(existsSync(join(dir, 'policies'))).toBe(false);
  });

  test('--format json reports the files written, or the issues', () => {
    const dir = tempDir({});
    const r = run(['init', '-t', 'url-allowlist', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      dir: 'policies',
      files: [
        { template: 'url-allowlist', file: 'policies/url-allowlist.yaml', overwritten: false },
        { template: 'url-allowlist', file: 'policies/url-allowlist.test.yaml', overwritten: false },
      ],
      issues: [],
    });
    const bad = JSON.parse(run(['init', '-t', 'url-allowlst', '--format', 'json'], { cwd: dir }).stdout);
    expect(bad.ok).toBe(false);
    expect(bad.issues[0]).toMatchObject({ code: 'usage', message: 'unknown template `url-allowlst`' });
  });

  test('an installed package finds the library beside its dist/; without it, a clear error', () => {
    // The installed layout: <pkg>/dist/*.js, <pkg>/package.json, <pkg>/examples/policies; the
    // dependencies come from this repository's node_modules.
    const pkg = tempDir({});
    mkdirSync(join(pkg, 'dist'));
    for (const n of readdirSync(join(root, 'dist')).filter((n) => n.endsWith('.js')))
      copyFileSync(join(root, 'dist', n), join(pkg, 'dist', n));
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    const project = tempDir({});
    const node = (args: string[]) => {
      try {
        return {
          code: 0,
          out: execFileSync(process.execPath, [join(pkg, 'dist/cli.js'), ...args], { cwd: project, encoding: 'utf8', stdio: 'pipe' }),
        };
      } catch (e) {
        const x = e as { status: number; stderr: string };
        return { code: x.status, out: x.stderr };
      }
    };
    const missing = node(['init', '--list']);
    expect(missing.code).toBe(2);
    expect(missing.out).toContain('the policy library is not installed');
    cpSync(join(root, 'examples/policies'), join(pkg, 'examples/policies'), { recursive: true });
    const ok = node(['init', '-t', 'data-residency']);
    expect(ok.code).toBe(0);
    expect(readFileSync(join(project, 'policies/data-residency.yaml'), 'utf8')).toContain('name: data-residency');
  });

  test('the npm package ships every template, suite and fixture, and not the CLI test fixtures', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    for (const t of templates) {
      const dir = `examples/policies/${t.category}`;
      expect(files.has(`${dir}/${t.name}.yaml`), t.name).toBe(true);
      expect(files.has(`${dir}/${t.name}.test.yaml`), t.name).toBe(true);
      for (const f of t.fixtures) expect(files.has(`${dir}/${f}`), f).toBe(true);
    }
    expect([...files].some((f) => f.startsWith('test/') || f.startsWith('examples/middleware'))).toBe(false);
  });
});
