// schemas/policy-test.schema.json and the CLI's hand-written checks of test files
// (src/cli/test-file.ts) agree: the library's suites are valid under both, and each broken
// document is rejected by both.
import Ajv2020 from 'ajv/dist/2020.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, test } from 'vitest';
import { parseTestFile } from '../../src/cli/test-file.js';

const root = resolve(__dirname, '../..');
const schema = JSON.parse(readFileSync(join(root, 'schemas/policy-test.schema.json'), 'utf8'));
const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
const validate = new AjvClass({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);

const data = (text: string) => parseAllDocuments(text, { version: '1.2', schema: 'core', merge: true }).map((d) => d.toJS());

const VALID = `apiVersion: llmpolicy/v1
kind: PolicyTest
name: s
description: d
policies: [a.yaml, dir]
now: 2025-01-31T09:30:00Z
state:
  - { keys: [user:u1], requests: 3, tokens: 100, costUsd: 0.5, ago: 5m }
cases:
  - name: one
    description: x
    input: { user: { tier: free } }
    now: 2025-01-31T09:30:00.5+01:00
    policies: [b.yaml]
    state: [{ keys: [user:u1, team:t], at: 2025-01-31T09:00:00Z }]
    skip: false
    expect:
      effect: deny
      rules: [r, p/r, ns/p/r]
      notRules: []
      reasons: [because]
      obligations: [{ route: { model: x } }]
      errors: [no_such_field]
  - name: two
    inputFile: in.json
    expect: { effect: allow }
`;

const BROKEN: [string, string][] = [
  ['unknown top-level key', VALID.replace('name: s\n', 'nam: s\n')],
  ['wrong kind', VALID.replace('kind: PolicyTest', 'kind: Policy')],
  ['wrong apiVersion', VALID.replace('apiVersion: llmpolicy/v1', 'apiVersion: v2')],
  ['missing cases', 'apiVersion: llmpolicy/v1\nkind: PolicyTest\n'],
  ['empty cases', 'apiVersion: llmpolicy/v1\nkind: PolicyTest\ncases: []\n'],
  ['policies not a list', VALID.replace('policies: [a.yaml, dir]', 'policies: a.yaml')],
  ['empty policies', VALID.replace('policies: [a.yaml, dir]', 'policies: []')],
  ['bad now', VALID.replace('now: 2025-01-31T09:30:00Z', 'now: tomorrow')],
  ['date without time', VALID.replace('now: 2025-01-31T09:30:00Z', 'now: 2025-01-31')],
  ['case without name', VALID.replace('  - name: one\n', '  - description: one\n')],
  ['case without expect', VALID.replace('    expect: { effect: allow }\n', '')],
  ['case without input', VALID.replace('    inputFile: in.json\n', '')],
  ['input and inputFile', VALID.replace('    inputFile: in.json\n', '    inputFile: in.json\n    input: {}\n')],
  ['input not a mapping', VALID.replace('    input: { user: { tier: free } }', '    input: [1]')],
  ['unknown case key', VALID.replace('    skip: false', '    skipped: false')],
  ['skip not a bool', VALID.replace('    skip: false', '    skip: yes')],
  ['empty expect', VALID.replace('    expect: { effect: allow }', '    expect: {}')],
  ['unknown expect key', VALID.replace('      effect: deny\n', '      efect: deny\n')],
  ['bad effect', VALID.replace('      effect: deny\n', '      effect: block\n')],
  ['rules not strings', VALID.replace('rules: [r, p/r, ns/p/r]', 'rules: [1]')],
  ['empty rule id', VALID.replace('rules: [r, p/r, ns/p/r]', "rules: ['']")],
  ['obligation not a mapping', VALID.replace('obligations: [{ route: { model: x } }]', 'obligations: [route]')],
  ['empty obligation', VALID.replace('obligations: [{ route: { model: x } }]', 'obligations: [{}]')],
  ['unknown error code', VALID.replace('errors: [no_such_field]', 'errors: [no_such_feld]')],
  ['reasons not strings', VALID.replace('reasons: [because]', 'reasons: [{ a: 1 }]')],
  ['state not a list', VALID.replace('state:\n  - { keys', 'state:\n  x: { keys')],
  ['usage without keys', VALID.replace('{ keys: [user:u1], requests: 3', '{ requests: 3')],
  ['usage with empty keys', VALID.replace('{ keys: [user:u1], requests: 3', '{ keys: [], requests: 3')],
  ['usage with an unknown field', VALID.replace('requests: 3, tokens', 'reqs: 3, tokens')],
  ['negative requests', VALID.replace('requests: 3,', 'requests: -3,')],
  ['usage with at and ago', VALID.replace('ago: 5m }', 'ago: 5m, at: 2025-01-31T09:00:00Z }')],
  ['bad ago', VALID.replace('ago: 5m }', 'ago: five minutes }')],
  ['bad at', VALID.replace('at: 2025-01-31T09:00:00Z }]', 'at: noon }]')],
];

describe('policy test files: schema and checker agree', () => {
  test('the library suites and the CLI fixtures are valid', () => {
    const library = join(root, 'examples/policies');
    const files = [
      ...readdirSync(library, { recursive: true, encoding: 'utf8' })
        .filter((n) => n.endsWith('.test.yaml'))
        .map((n) => join(library, n)),
      ...readdirSync(join(root, 'test/fixtures/cli/tests'))
        .filter((n) => n.endsWith('.yaml'))
        .map((n) => join(root, 'test/fixtures/cli/tests', n)),
    ];
    expect(files.length).toBeGreaterThanOrEqual(53);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const d of data(text)) expect(validate(d), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(parseTestFile(text, f).issues).toEqual([]);
    }
  });

  test('a complete suite is valid', () => {
    expect(validate(data(VALID)[0]), JSON.stringify(validate.errors)).toBe(true);
    const r = parseTestFile(VALID, '/tmp/s.yaml');
    expect(r.issues).toEqual([]);
    expect(r.suites[0]!.cases.map((c) => [c.name, c.line])).toEqual([
      ['one', 10],
      ['two', 24],
    ]);
  });

  test.each(BROKEN)('%s: rejected by both', (_what, text) => {
    expect(validate(data(text)[0])).toBe(false);
    const r = parseTestFile(text, '/tmp/s.yaml');
    expect(r.issues.length).toBeGreaterThan(0);
    for (const i of r.issues) {
      expect(i.line).toBeGreaterThan(0);
      expect(i.message).toMatch(/^[a-z`]/);
      expect(i.message).not.toMatch(/\.$/);
    }
  });
});
