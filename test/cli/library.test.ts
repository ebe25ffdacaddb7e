// The policy library (examples/policies): every template follows the layout docs/library.md
// describes, its suite asserts each of its rules by name, the templates load together, and
// docs/library.md is exactly what scripts/library-doc.ts renders from them.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { renderLibraryDoc } from '../../scripts/library-doc.js';
import { CATEGORIES, loadLibrary, parseHeader } from '../../src/cli/library.js';
import { parseTestFile } from '../../src/cli/test-file.js';
import { PolicyEngine } from '../../src/entries/index.js';
import { root } from './run.js';

const dir = join(root, 'examples/policies');
const templates = loadLibrary(dir);

test('50 or more templates, at least 5 in each of the 8 categories, and no other folder', () => {
  expect(templates.length).toBeGreaterThanOrEqual(50);
  for (const c of CATEGORIES) expect(templates.filter((t) => t.category === c.id).length, c.id).toBeGreaterThanOrEqual(5);
  expect(new Set(templates.map((t) => t.category))).toEqual(new Set(CATEGORIES.map((c) => c.id)));
});

describe.each(templates.map((t) => [`${t.category}/${t.name}`, t] as const))('%s', (_id, t) => {
  const text = readFileSync(t.policyFile, 'utf8');
  const suiteText = readFileSync(t.testFile, 'utf8');

  test('metadata: the name is the file name, the category label the folder, a description and a stage', () => {
    expect(text).toMatch(new RegExp(`^  name: ${t.name}$`, 'm'));
    expect(t.labels.category).toBe(t.category);
    expect(['request', 'response']).toContain(t.stage);
    expect(t.description.length).toBeGreaterThan(20);
    expect(t.description).not.toMatch(/\.$/);
    // a response-stage policy reads the response, a request-stage one does not
    expect(/\bresponse\b[.,)]/.test(text.slice(text.indexOf('\nspec:')))).toBe(t.stage === 'response');
  });

  test('the header says what it enforces, what it reads, the state it needs and what to adapt', () => {
    expect(text.startsWith('# yaml-language-server: $schema=../../../schemas/policy.schema.json\n#\n')).toBe(true);
    expect(text).toMatch(new RegExp(`^# ${t.name}: \\S`, 'm'));
    expect(Object.keys(t.header.fields).filter((k) => k !== 'State')).toEqual(['Enforces', 'Input', 'Adapt']);
    const readsState = /\b(rate|budget)\.(count|remaining|spent|tokens)\(/.test(text);
    expect('State' in t.header.fields, 'a `# State:` line when the policy reads rate.* or budget.*').toBe(readsState);
  });

  test('its suite sits beside it, names it, and asserts every rule by name', () => {
    expect(suiteText.startsWith('# yaml-language-server: $schema=../../../schemas/policy-test.schema.json\n')).toBe(true);
    const { suites, issues } = parseTestFile(suiteText, t.testFile);
    expect(issues).toEqual([]);
    expect(suites.map((s) => [s.name, s.policies])).toEqual([[t.name, [`${t.name}.yaml`]]]);
    const cases = suites[0]!.cases;
    expect(cases.length).toBeGreaterThanOrEqual(4);
    for (const c of cases) expect(c.expect.effect, `case \`${c.name}\` states the effect`).toBeDefined();
    const asserted = new Set(cases.flatMap((c) => c.expect.rules ?? []));
    for (const id of [...text.matchAll(/^ {4}- id: (\S+)$/gm)].map((m) => m[1]!))
      expect(asserted.has(id) || asserted.has(`${t.name}/${id}`), `some case expects rule \`${id}\` to match`).toBe(true);
    expect(cases.some((c) => c.expect.effect === 'allow' || c.expect.rules?.length === 0)).toBe(true);
    for (const f of t.fixtures) expect(f.startsWith(`fixtures/${t.name}/`), f).toBe(true);
  });
});

test('template names are unique and every template loads with all the others', () => {
  expect(new Set(templates.map((t) => t.name)).size).toBe(templates.length);
  const engine = new PolicyEngine();
  engine.setPolicies(templates.map((t) => ({ text: readFileSync(t.policyFile, 'utf8'), filename: t.policyFile })));
  expect(
    engine
      .policies()
      .map((p) => p.name)
      .sort(),
  ).toEqual(templates.map((t) => t.name).sort());
});

test('header comments: a summary, fields with continuation lines, parenthesized qualifiers', () => {
  const h = parseHeader(`# yaml-language-server: $schema=x
#
# demo: one line
#   and its continuation.
#
# Enforces (after the call): a
#   b
# Input: c
# Adapt: d
apiVersion: llmpolicy/v1
# Input: not part of the header
`);
  expect(h).toEqual({ summary: 'one line and its continuation.', fields: { Enforces: '(after the call) a b', Input: 'c', Adapt: 'd' } });
});

test('docs/library.md is generated from the templates (run `npm run docs:library` after a change)', () => {
  const path = join(root, 'docs/library.md');
  const fresh = renderLibraryDoc(templates, root);
  if (process.env.UPDATE_DOCS) writeFileSync(path, fresh);
  expect(readFileSync(path, 'utf8')).toBe(fresh);
  for (const t of templates) {
    expect(fresh).toContain(`### ${t.name}\n`);
    expect(basename(dirname(t.policyFile))).toBe(t.category);
  }
});
