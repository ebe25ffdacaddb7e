// `llm-policy fmt`: the formatter in process (formatPolicyText), and the binary end to end.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PolicyEngine } from '../../src/entries/index.js';
import { formatPolicyText } from '../../src/cli/fmt.js';
import { ensureBuilt, root, run, tempDir, UNKNOWN_FUNCTION, YAML_ERROR } from './run.js';

const built = ensureBuilt();

const MESSY = `# yaml-language-server: $schema=../../schemas/policy.schema.json
# a policy written by hand
kind: Policy
apiVersion: llmpolicy/v1
spec:
  rules:
    # the first rule
    - effect: deny      # deny it
      when: (user.tier=='free')&&(!(request.model in ['a','b']))
      id: free
      message: "no {{ request.model }}"
    - id: long
      effect: warn
      when: request.max_tokens > 1000 && request.temperature > 1.5 && user.tier != 'enterprise' && size(request.messages) > 10
    - id: commented
      effect: allow
      when: |-
        user.tier == 'pro' // pro users
          &&   true
  let:
    limit: 100
    cheap: "request.model in ['gpt-4o-mini']"
  target: "request.provider=='openai'"
metadata:
  description: hand written
  name: messy
---
apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: second }
spec:
  rules:
    - { id: r, when: "a   ||b", effect: deny }
`;

const FORMATTED = `# yaml-language-server: $schema=../../schemas/policy.schema.json
# a policy written by hand
apiVersion: llmpolicy/v1
kind: Policy
metadata:
  name: messy
  description: hand written
spec:
  target: request.provider == 'openai'
  let:
    limit: 100
    cheap: request.model in ['gpt-4o-mini']
  rules:
    # the first rule
    - id: free
      when: user.tier == 'free' && !(request.model in ['a', 'b'])
      effect: deny # deny it
      message: "no {{ request.model }}"
    - id: long
      when: |-
        request.max_tokens > 1000 &&
        request.temperature > 1.5 &&
        user.tier != 'enterprise' &&
        size(request.messages) > 10
      effect: warn
    - id: commented
      when: |-
        user.tier == 'pro' // pro users
          &&   true
      effect: allow
---
apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: second }
spec:
  rules:
    - { id: r, when: a || b, effect: deny }
`;

describe('formatPolicyText', () => {
  test('orders keys as the schema does, prints expressions, keeps comments', () => {
    expect(formatPolicyText(MESSY, 'messy.yaml')).toBe(FORMATTED);
  });

  test('is idempotent, on the example policies too', () => {
    expect(formatPolicyText(FORMATTED, 'messy.yaml')).toBe(FORMATTED);
    for (const n of readdirSync(join(root, 'test/fixtures/cli/policies'))) {
      const once = formatPolicyText(readFileSync(join(root, 'test/fixtures/cli/policies', n), 'utf8'), n);
      expect(formatPolicyText(once, n)).toBe(once);
    }
  });

  test('keeps the meaning: the formatted example policies decide the example requests alike', () => {
    const requests = JSON.parse(readFileSync(join(root, 'test/fixtures/cli/requests.json'), 'utf8')) as { input: unknown }[];
    const files = readdirSync(join(root, 'test/fixtures/cli/policies')).map((n) => ({
      n,
      text: readFileSync(join(root, 'test/fixtures/cli/policies', n), 'utf8'),
    }));
    const before = new PolicyEngine({ clock: () => 0 });
    before.setPolicies(files.map((f) => ({ text: f.text, filename: f.n })));
    const after = new PolicyEngine({ clock: () => 0 });
    after.setPolicies(files.map((f) => ({ text: formatPolicyText(f.text, f.n), filename: f.n })));
    for (const r of requests) {
      const a = before.evaluate(r.input);
      const b = after.evaluate(r.input);
      expect({ ...b, revision: '' }).toEqual({ ...a, revision: '' });
    }
  });

  test('JSON files stay JSON', () => {
    const json = JSON.stringify({
      spec: { rules: [{ effect: 'deny', id: 'r', when: 'a&&b' }] },
      metadata: { name: 'j' },
      kind: 'Policy',
      apiVersion: 'llmpolicy/v1',
    });
    const out = formatPolicyText(json, 'p.json');
    expect(JSON.parse(out)).toEqual({
      apiVersion: 'llmpolicy/v1',
      kind: 'Policy',
      metadata: { name: 'j' },
      spec: { rules: [{ id: 'r', when: 'a && b', effect: 'deny' }] },
    });
    expect(Object.keys(JSON.parse(out))).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(formatPolicyText(out, 'p.json')).toBe(out);
  });

  test('refuses files with YAML or expression syntax errors', () => {
    expect(() => formatPolicyText(YAML_ERROR, 'broken.yaml')).toThrow(/error in `broken.yaml`/);
    expect(() => formatPolicyText(YAML_ERROR.replace("'a' in b", '"a +"'), 'syntax.yaml')).toThrow(/error in `syntax.yaml`/);
    // an unknown function is not a formatting problem
    expect(formatPolicyText(UNKNOWN_FUNCTION, 'bad.yaml')).toBe(UNKNOWN_FUNCTION);
  });
});

describe.skipIf(!built)('llm-policy fmt', () => {
  test('--check exits 1 and names the files that would change; fmt rewrites them; then --check exits 0', () => {
    const dir = tempDir({
      'messy.yaml': MESSY,
      'done.yaml': FORMATTED.replace('name: messy', 'name: done').replace('name: second', 'name: second2'),
    });
    const check = run(['fmt', '--check', '.'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('would reformat messy.yaml');
    expect(check.stdout).not.toContain('done.yaml');
    expect(check.stdout).toContain('1 file would be reformatted, 1 already formatted');
    expect(readFileSync(join(dir, 'messy.yaml'), 'utf8')).toBe(MESSY);
    const diff = run(['fmt', '--diff', 'messy.yaml'], { cwd: dir });
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain("-      when: (user.tier=='free')&&(!(request.model in ['a','b']))");
    expect(diff.stdout).toContain("+      when: user.tier == 'free' && !(request.model in ['a', 'b'])");
    const fmt = run(['fmt', '.'], { cwd: dir });
    expect(fmt.code).toBe(0);
    expect(fmt.stdout).toContain('formatted messy.yaml');
    expect(readFileSync(join(dir, 'messy.yaml'), 'utf8')).toBe(FORMATTED);
    expect(run(['fmt', '--check', '.'], { cwd: dir }).code).toBe(0);
  });

  test('the example policies are formatted idempotently', () => {
    const dir = tempDir({});
    for (const n of readdirSync(join(root, 'test/fixtures/cli/policies')))
      writeFileSync(join(dir, n), readFileSync(join(root, 'test/fixtures/cli/policies', n)));
    expect(run(['fmt', '.'], { cwd: dir }).code).toBe(0);
    expect(run(['fmt', '--check', '.'], { cwd: dir }).stdout).toContain('0 files would be reformatted, 2 already formatted');
    expect(run(['validate', '.'], { cwd: dir }).code).toBe(0);
  });

  test('bad input: a missing file, a YAML error (file:line:column, caret), --format json', () => {
    const dir = tempDir({ 'broken.yaml': YAML_ERROR });
    const missing = run(['fmt', 'nosuch.yaml'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read `nosuch.yaml`: no such file or directory');
    const broken = run(['fmt', 'broken.yaml'], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('broken.yaml:7:17: error[yaml_syntax]');
    expect(broken.stderr).toContain('   |                 ^');
    expect(readFileSync(join(dir, 'broken.yaml'), 'utf8')).toBe(YAML_ERROR);
    const j = run(['fmt', '--check', 'broken.yaml', '--format', 'json'], { cwd: dir });
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({
      ok: false,
      check: true,
      files: [{ file: 'broken.yaml', changed: false, issues: [{ code: 'yaml_syntax', line: 7, column: 17 }] }],
    });
  });
});
