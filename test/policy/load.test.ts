import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, Scalar } from 'yaml';
import { PolicyError } from '../../src/lang/errors.js';
import { parsePolicyText } from '../../src/policy/parse.js';
import { parseTemplate } from '../../src/policy/template.js';
import type { ExprSource, RawPolicy } from '../../src/policy/types.js';
import { SECTION_KEYS } from '../../src/policy/schema-issues.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Offset of the n-th (0-based) occurrence of needle in text. */
function at(text: string, needle: string, nth = 0): number {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`not found: ${needle}`);
  }
  return i;
}

/** File offset of the n-th occurrence of needle in the expression text. */
function exprAt(e: ExprSource, needle: string, nth = 0): number {
  return e.offsets[at(e.text, needle, nth)]!;
}

function loadOne(text: string, file?: string): RawPolicy {
  const { policies, issues } = parsePolicyText(text, file);
  expect(issues).toEqual([]);
  expect(policies).toHaveLength(1);
  return policies[0]!;
}

function doc(spec: string, name = 'p'): string {
  return `apiVersion: llmpolicy/v1\nkind: Policy\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

const FULL = `# yaml-language-server: $schema=../schemas/policy.schema.json
apiVersion: llmpolicy/v1
kind: Policy
metadata:
  name: cost-control            # required
  namespace: team-a
  version: 1.4.0
  description: Keep spend inside each tier's limits
  labels: { owner: platform }
spec:
  target: request.provider == 'openai'
  combining: first-match
  default: deny
  onError: skip
  let:
    est_cost: llm.cost(request.model, llm.tokens(request), request.max_tokens)
    limit: 100
  rules:
    - id: free-tier-models
      description: Free users get the small models only
      when: user.tier == 'free' && !(request.model in ['gpt-4o-mini', 'claude-3-5-haiku'])
      effect: deny
      message: "Model {{ request.model }} is not available on the free tier"
      priority: 10
      labels: { area: models }
    - id: redact-pii
      when: pii.found(request)
      effect: allow
      obligations:
        - redact: { entities: [email, phone, credit_card] }
        - route: { model: gpt-4o-mini }
    - id: always
      effect: warn
      when: true
      message: Temperature above 1.5
`;

describe('parsePolicyText: a valid document', () => {
  it('produces the expected RawPolicy for a document using every field', () => {
    const p = loadOne(FULL, 'cost.yaml');
    const exprOf = (needle: string, text: string) => ({
      text,
      file: 'cost.yaml',
      offsets: Array.from({ length: text.length + 1 }, (_, i) => at(FULL, needle) + i),
    });
    const setting = (name: string) => ({ name, offset: at(FULL, `  ${name}:`) + 2, length: name.length });
    expect(p).toEqual({
      kind: 'Policy',
      imports: [],
      settings: ['target', 'combining', 'default', 'onError'].map(setting),
      name: 'cost-control',
      namespace: 'team-a',
      version: '1.4.0',
      description: "Keep spend inside each tier's limits",
      labels: { owner: 'platform' },
      target: exprOf("request.provider == 'openai'", "request.provider == 'openai'"),
      combining: 'first-match',
      default: 'deny',
      onError: 'skip',
      lets: [
        {
          name: 'est_cost',
          expr: exprOf('llm.cost(', 'llm.cost(request.model, llm.tokens(request), request.max_tokens)'),
          offset: at(FULL, 'est_cost'),
        },
        { name: 'limit', expr: exprOf('100', '100'), offset: at(FULL, 'limit:') },
      ],
      rules: [
        {
          id: 'free-tier-models',
          description: 'Free users get the small models only',
          when: exprOf("user.tier == 'free'", "user.tier == 'free' && !(request.model in ['gpt-4o-mini', 'claude-3-5-haiku'])"),
          effect: 'deny',
          message: {
            parts: ['Model ', exprOf('request.model }}', 'request.model'), ' is not available on the free tier'],
          },
          obligations: [],
          priority: 10,
          labels: { area: 'models' },
          offset: at(FULL, 'free-tier-models'),
        },
        {
          id: 'redact-pii',
          when: exprOf('pii.found(request)', 'pii.found(request)'),
          effect: 'allow',
          obligations: [{ redact: { entities: ['email', 'phone', 'credit_card'] } }, { route: { model: 'gpt-4o-mini' } }],
          priority: 0,
          offset: at(FULL, 'redact-pii'),
        },
        {
          id: 'always',
          when: exprOf('true\n', 'true'),
          effect: 'warn',
          message: { parts: ['Temperature above 1.5'] },
          obligations: [],
          priority: 0,
          offset: at(FULL, 'always'),
        },
      ],
      file: 'cost.yaml',
      offset: at(FULL, 'apiVersion'),
      docIndex: 0,
    });
  });

  it('applies the defaults', () => {
    const p = loadOne(doc('  rules:\n    - id: r\n      effect: allow\n'));
    expect(p.namespace).toBe('default');
    expect(p.combining).toBe('deny-overrides');
    expect(p.default).toBe('allow');
    expect(p.onError).toBe('deny');
    expect(p.labels).toEqual({});
    expect(p.lets).toEqual([]);
    expect(p.target).toBeUndefined();
    expect(p.file).toBeUndefined();
    expect(p.rules[0]).toEqual({ id: 'r', effect: 'allow', obligations: [], priority: 0, offset: expect.any(Number) });
    expect(p.rules[0]!.when).toBeUndefined();
  });

  it('accepts a spec with no rules', () => {
    expect(loadOne(doc('  default: deny\n')).rules).toEqual([]);
    expect(loadOne(doc('  rules: []\n')).rules).toEqual([]);
  });

  it('keeps lets in document order and turns literals into expressions', () => {
    const text = doc('  let:\n    b: 1.5\n    a: b * 2\n    c: false\n    d: 0x1F\n    e: 1e3\n');
    const p = loadOne(text);
    expect(p.lets.map((l) => [l.name, l.expr.text])).toEqual([
      ['b', '1.5'],
      ['a', 'b * 2'],
      ['c', 'false'],
      ['d', '0x1F'],
      ['e', '1e3'],
    ]);
    expect(p.lets[0]!.expr.offsets[0]).toBe(at(text, '1.5'));
  });

  it('copies obligations into fresh plain objects', () => {
    const text = doc(
      '  rules:\n    - id: r\n      effect: allow\n      obligations:\n        - set: &s { max_tokens: 1024, nested: { a: [1, { b: 2 }] } }\n        - custom: *s\n        - notify: oncall\n',
    );
    const p = loadOne(text);
    const [o1, o2, o3] = p.rules[0]!.obligations;
    expect(o1).toEqual({ set: { max_tokens: 1024, nested: { a: [1, { b: 2 }] } } });
    expect(o2).toEqual({ custom: { max_tokens: 1024, nested: { a: [1, { b: 2 }] } } });
    expect(o3).toEqual({ notify: 'oncall' });
    expect(Object.getPrototypeOf(o1)).toBe(Object.prototype);
    expect(Object.getPrototypeOf((o1 as { set: object }).set)).toBe(Object.prototype);
    // No sharing between the alias and its anchor.
    expect((o1 as { set: object }).set).not.toBe((o2 as { custom: object }).custom);
  });

  it('accepts JSON', () => {
    const json = JSON.stringify(
      {
        $schema: 'https://unpkg.com/llm-policy-engine/schemas/policy.schema.json',
        apiVersion: 'llmpolicy/v1',
        kind: 'Policy',
        metadata: { name: 'json-policy' },
        spec: {
          rules: [{ id: 'r1', when: 'request.model == "gpt-4o"\t&& x', effect: 'deny', message: 'tab:\t{{ request.model }} é' }],
        },
      },
      null,
      '\t',
    );
    const p = loadOne(json, 'p.json');
    expect(p.name).toBe('json-policy');
    const when = p.rules[0]!.when!;
    expect(when.text).toBe('request.model == "gpt-4o"\t&& x');
    // `"` and the tab come from escapes: they map to their backslash.
    expect(json.slice(exprAt(when, '"'), exprAt(when, '"') + 2)).toBe('\\"');
    expect(json.slice(exprAt(when, '\t'), exprAt(when, '\t') + 2)).toBe('\\t');
    expect(exprAt(when, 'x')).toBe(at(json, 'x",'));
    expect(exprAt(when, 'gpt-4o')).toBe(at(json, 'gpt-4o'));
    const msg = p.rules[0]!.message!.parts;
    expect(msg[0]).toBe('tab:\t');
    const e = msg[1] as ExprSource;
    expect(e.text).toBe('request.model');
    expect(e.offsets[0]).toBe(at(json, 'request.model }}'));
    expect(msg[2]).toBe(' é');
  });

  it('accepts compact JSON on one line', () => {
    const json =
      '{"apiVersion":"llmpolicy/v1","kind":"Policy","metadata":{"name":"j"},"spec":{"rules":[{"id":"r","when":"a \\u0026\\u0026 x","effect":"deny"}]}}';
    const w = loadOne(json).rules[0]!.when!;
    expect(w.text).toBe('a && x');
    expect(exprAt(w, 'x')).toBe(at(json, 'x"'));
    expect(exprAt(w, '&')).toBe(at(json, '\\u0026'));
    expect(exprAt(w, '&', 1)).toBe(at(json, '\\u0026', 1));
  });
});

describe('parsePolicyText: several documents', () => {
  it('loads every document, skips empty ones and numbers them', () => {
    const text = `# comments only\n---\n${doc('  rules: []\n', 'a')}---\n# nothing here\n---\n${doc('  rules: []\n', 'b')}`;
    const { policies, issues } = parsePolicyText(text, 'multi.yaml');
    expect(issues).toEqual([]);
    expect(policies.map((p) => [p.name, p.docIndex])).toEqual([
      ['a', 0],
      ['b', 2],
    ]);
    expect(policies[1]!.offset).toBe(at(text, 'apiVersion', 1));
  });

  it('ignores an empty text', () => {
    expect(parsePolicyText('')).toEqual({ policies: [], issues: [] });
    expect(parsePolicyText('# just a comment\n')).toEqual({ policies: [], issues: [] });
  });

  it('reports a duplicate policy at the second name and keeps the first', () => {
    const text = `${doc('  rules: []\n', 'same')}---\n${doc('  rules: []\n', 'same')}---\n${doc('  rules: []\n', 'other')}`;
    const { policies, issues } = parsePolicyText(text, 'd.yaml');
    expect(policies.map((p) => p.name)).toEqual(['same', 'other']);
    expect(issues).toEqual([
      {
        code: 'duplicate_policy',
        message: 'duplicate policy `same` in namespace `default`',
        file: 'd.yaml',
        line: 11,
        column: 9,
        offset: at(text, 'same', 1),
        length: 4,
        hint: 'first defined at line 4; a name must be unique within its namespace',
      },
    ]);
  });

  it('allows the same name in different namespaces', () => {
    const a = doc('  rules: []\n', 'same');
    const b = a.replace('  name: same\n', '  name: same\n  namespace: other\n');
    expect(parsePolicyText(`${a}---\n${b}`).policies).toHaveLength(2);
  });
});

describe('ExprSource offsets for every scalar style', () => {
  const whenOf = (text: string): ExprSource => loadOne(text).rules[0]!.when!;
  const rule = (when: string) => doc(`  rules:\n    - id: r\n      effect: deny\n      when: ${when}\n`);

  it('plain scalar', () => {
    const text = rule('a && x');
    const w = whenOf(text);
    expect(w.text).toBe('a && x');
    expect(exprAt(w, 'x')).toBe(at(text, 'a && x') + 5);
    expect(w.offsets).toHaveLength(w.text.length + 1);
    expect(w.offsets[w.text.length]).toBe(at(text, 'a && x') + 6);
  });

  it('multi-line plain scalar', () => {
    const text = rule('a &&\n        b ||\n\n        x');
    const w = whenOf(text);
    expect(w.text).toBe('a && b ||\nx');
    expect(exprAt(w, 'b')).toBe(at(text, 'b ||'));
    expect(exprAt(w, 'x')).toBe(at(text, 'x\n'));
  });

  it("single-quoted scalar with '' escapes", () => {
    const text = rule("'a == ''it''''s'' && x'");
    const w = whenOf(text);
    expect(w.text).toBe("a == 'it''s' && x");
    expect(exprAt(w, 'x')).toBe(at(text, "x'"));
    expect(exprAt(w, 's')).toBe(at(text, "s''"));
  });

  it('multi-line single-quoted scalar', () => {
    const text = rule("'a &&\n        x'");
    const w = whenOf(text);
    expect(w.text).toBe('a && x');
    expect(exprAt(w, 'x')).toBe(at(text, "x'"));
  });

  it('double-quoted scalar with escapes', () => {
    const text = rule('"a == \\"q\\" && \\u00e9 == \\U0001F600 && b\\tc && x"');
    const w = whenOf(text);
    expect(w.text).toBe('a == "q" && é == 😀 && b\tc && x');
    expect(exprAt(w, 'x')).toBe(at(text, 'x"'));
    expect(exprAt(w, 'q')).toBe(at(text, 'q\\"'));
    expect(exprAt(w, '"')).toBe(at(text, '\\"q'));
    expect(exprAt(w, 'é')).toBe(at(text, '\\u00e9'));
    // Both UTF-16 units of the emoji map to its escape.
    expect(exprAt(w, '😀')).toBe(at(text, '\\U0001F600'));
    expect(w.offsets[at(w.text, '😀') + 1]).toBe(at(text, '\\U0001F600'));
    expect(exprAt(w, 'c')).toBe(at(text, 'c && x'));
    expect(w.offsets[w.text.length]).toBe(at(text, 'x"') + 1);
  });

  it('multi-line double-quoted scalar with an escaped line break', () => {
    const text = rule('"a &&\n        b \\\n        && x"');
    const w = whenOf(text);
    expect(w.text).toBe('a && b && x');
    expect(exprAt(w, 'b')).toBe(at(text, 'b \\'));
    expect(exprAt(w, 'x')).toBe(at(text, 'x"'));
  });

  it('block literal scalar: a character on its third line', () => {
    const text = rule('|\n        a &&\n        b &&\n          x == 1\n');
    const w = whenOf(text);
    expect(w.text).toBe('a &&\nb &&\n  x == 1\n');
    expect(exprAt(w, 'x')).toBe(at(text, 'x == 1'));
    expect(exprAt(w, '1')).toBe(at(text, '== 1') + 3);
    expect(exprAt(w, 'a')).toBe(at(text, 'a &&'));
  });

  it('block literal with a header comment and strip chomping', () => {
    const text = rule('|- # x is not here\n        a\n        x\n');
    const w = whenOf(text);
    expect(w.text).toBe('a\nx');
    expect(exprAt(w, 'x')).toBe(at(text, '        x\n') + 8);
  });

  it('block folded scalar', () => {
    const text = rule('>\n        a &&\n        b &&\n        x\n');
    const w = whenOf(text);
    expect(w.text).toBe('a && b && x\n');
    expect(exprAt(w, 'b')).toBe(at(text, 'b &&'));
    expect(exprAt(w, 'x')).toBe(at(text, '        x\n') + 8);
  });

  it('CRLF line endings', () => {
    const text = rule('|\n        a &&\n        x\n').replace(/\n/g, '\r\n');
    const w = whenOf(text);
    expect(w.text).toBe('a &&\nx\n');
    expect(exprAt(w, 'x')).toBe(at(text, '        x\r\n') + 8);
  });

  it('a flow mapping value', () => {
    const text = doc('  rules:\n    - { id: r, effect: deny, when: "a && x" }\n');
    const w = whenOf(text);
    expect(exprAt(w, 'x')).toBe(at(text, 'x"'));
  });

  it('a boolean `when`', () => {
    const text = rule('false');
    const w = whenOf(text);
    expect(w).toEqual({ text: 'false', offsets: [0, 1, 2, 3, 4, 5].map((i) => at(text, 'false') + i) });
  });

  const STYLES: Scalar.Type[] = [Scalar.PLAIN, Scalar.QUOTE_SINGLE, Scalar.QUOTE_DOUBLE, Scalar.BLOCK_LITERAL, Scalar.BLOCK_FOLDED];
  it('maps every character to a source character that produced it, for any string and style', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'x', ' ', '\n', '\t', '"', "'", '\\', '{', '#', ':', 'é', '😀', '-'), maxLength: 40 }),
        fc.constantFrom(...STYLES),
        fc.constantFrom(20, 80),
        (value, type, lineWidth) => {
          const d = new Document({ when: value });
          const node = d.get('when', true) as Scalar;
          node.type = type;
          let yamlText: string;
          try {
            yamlText = d.toString({ lineWidth, minContentWidth: 0 });
          } catch {
            return;
          }
          const text = doc(`  rules:\n    - id: r\n      effect: deny\n${yamlText.replace(/^/gm, '      ').trimEnd()}\n`);
          const { policies, issues } = parsePolicyText(text);
          if (issues.length > 0) return; // e.g. a value that is not a valid expression string for the schema
          const w = policies[0]!.rules[0]!.when;
          if (w === undefined || typeof w.text !== 'string') return;
          // (What the yaml package reads back may differ from `value`: some strings do not round-trip.)
          value = w.text;
          expect(w.offsets).toHaveLength(value.length + 1);
          for (let i = 1; i < w.offsets.length; i++) expect(w.offsets[i]!).toBeGreaterThanOrEqual(w.offsets[i - 1]!);
          for (let i = 0; i < value.length; i++) {
            const ch = value[i]!;
            if (/\s/.test(ch)) continue;
            const src = text[w.offsets[i]!];
            const low = value.charCodeAt(i) >= 0xdc00 && value.charCodeAt(i) <= 0xdfff;
            if (low) continue; // second half of a surrogate pair
            expect([ch, '\\']).toContain(src);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('message templates', () => {
  const src = (text: string, base = 100): ExprSource => ({
    text,
    offsets: Array.from({ length: text.length + 1 }, (_, i) => base + i),
  });

  it('splits literals and expressions, trimming the braces', () => {
    const { template, problems } = parseTemplate(src('Model {{ request.model }} costs {{est_cost}}!'));
    expect(problems).toEqual([]);
    expect(template.parts).toEqual([
      'Model ',
      { text: 'request.model', offsets: Array.from({ length: 14 }, (_, i) => 109 + i) },
      ' costs ',
      { text: 'est_cost', offsets: Array.from({ length: 9 }, (_, i) => 134 + i) },
      '!',
    ]);
  });

  it('keeps a plain message as one literal and an empty one as no parts', () => {
    expect(parseTemplate(src('no braces }} here')).template.parts).toEqual(['no braces }} here']);
    expect(parseTemplate(src('')).template.parts).toEqual([]);
    expect(parseTemplate(src('{{a}}')).template.parts).toEqual([{ text: 'a', offsets: [102, 103] }]);
  });

  it('reports an unclosed `{{` and an empty `{{ }}`', () => {
    expect(parseTemplate(src('a {{ b')).problems).toEqual([
      { message: 'unclosed `{{` in message', offset: 102, length: 2, hint: 'close the expression with `}}`' },
    ]);
    expect(parseTemplate(src('a {{  }} b')).problems[0]).toMatchObject({ message: 'empty `{{ }}` in message', offset: 102, length: 6 });
  });

  it('positions template expressions exactly in the file, in every style', () => {
    const text = doc(
      '  rules:\n' +
        '    - id: a\n      effect: deny\n      message: "cost \\t{{ est  }} x"\n' +
        '    - id: b\n      effect: deny\n      message: |\n        line one\n        line {{\n          request.model }}\n',
    );
    const p = loadOne(text);
    const e1 = p.rules[0]!.message!.parts[1] as ExprSource;
    expect(e1.text).toBe('est');
    expect(e1.offsets[0]).toBe(at(text, 'est  }}'));
    const e2 = p.rules[1]!.message!.parts[1] as ExprSource;
    expect(e2.text).toBe('request.model');
    expect(e2.offsets[0]).toBe(at(text, 'request.model }}'));
    expect(p.rules[1]!.message!.parts[0]).toBe('line one\nline ');
    expect(p.rules[1]!.message!.parts[2]).toBe('\n');
  });

  it('reports invalid_template with the file position and drops the policy', () => {
    const text = doc('  rules:\n    - id: a\n      effect: deny\n      message: "Model {{ request.model is bad"\n');
    const { policies, issues } = parsePolicyText(text, 't.yaml');
    expect(policies).toEqual([]);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'invalid_template', file: 't.yaml', line: 9, column: 23, offset: at(text, '{{'), length: 2 }),
    ]);
  });
});

describe('schema issues', () => {
  const issuesOf = (text: string, file = 'p.yaml') => parsePolicyText(text, file).issues;

  it('an unknown key: position of the key and a did-you-mean hint', () => {
    const text = doc('  rules:\n    - id: r\n      efect: deny\n');
    expect(issuesOf(text)).toEqual([
      {
        code: 'schema',
        message: 'unknown field `efect` in rule `r`',
        file: 'p.yaml',
        line: 8,
        column: 7,
        offset: at(text, 'efect'),
        length: 5,
        hint: 'did you mean `effect`?',
      },
    ]);
  });

  it('a bad enum value lists the allowed values', () => {
    const text = doc('  combining: first\n  rules:\n    - id: r\n      effect: block\n');
    const issues = issuesOf(text);
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatchObject({
      code: 'schema',
      message: 'invalid value `first` for `spec.combining`',
      line: 6,
      column: 14,
      length: 5,
      hint: 'allowed values: `deny-overrides`, `first-match`, `priority`',
    });
    expect(issues[1]).toMatchObject({
      message: 'invalid value `block` for `spec.rules[0].effect`',
      line: 9,
      column: 15,
      hint: 'allowed values: `allow`, `deny`, `warn`',
    });
    expect(issuesOf(doc('  default: alow\n'))[0]!.hint).toBe('did you mean `allow`? allowed values: `allow`, `deny`');
  });

  it('a missing required field points at the parent', () => {
    const text = 'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata:\n  namespace: x\nspec:\n  rules:\n    - id: r\n';
    expect(issuesOf(text)).toEqual([
      expect.objectContaining({
        message: 'missing required field `name` in `metadata`',
        line: 3,
        column: 1,
        length: 8,
        hint: 'add `name: <policy name>` under `metadata`',
      }),
      expect.objectContaining({
        message: 'missing required field `effect` in rule `r`',
        line: 7,
        column: 7,
        hint: 'add `effect: allow`, `effect: deny` or `effect: warn`',
      }),
    ]);
  });

  it('wrong types, with quoting hints', () => {
    const text = doc('  rules:\n    - id: r\n      effect: deny\n      priority: high\n      labels: { tier: 1 }\n').replace(
      'name: p',
      'name: p\n  version: 1.5',
    );
    const issues = issuesOf(text);
    expect(issues.map((i) => [i.message, i.line, i.column, i.hint])).toEqual([
      ['`metadata.version` must be a string, got a fractional number', 5, 12, 'quote the value to make it a string: `"1.5"`'],
      ['`spec.rules[0].priority` must be an integer, got a string', 10, 17, undefined],
      ['`spec.rules[0].labels.tier` must be a string, got a number', 11, 23, 'quote the value to make it a string: `"1"`'],
    ]);
  });

  it('an empty section points at its key', () => {
    const text = doc('  rules:\n');
    expect(issuesOf(text)).toEqual([
      expect.objectContaining({
        message: '`spec.rules` must be a list, got an empty value',
        line: 6,
        column: 3,
        hint: 'write `rules: []` for an empty list',
      }),
    ]);
  });

  it('apiVersion, kind, names, let names, obligations', () => {
    const text =
      'apiVersion: llmpolicy/v2\nkind: Rule\nmetadata:\n  name: Bad Name\nspec:\n  let:\n    1x: a\n    in: b\n  rules:\n    - id: r\n      effect: deny\n      obligations:\n        - { redact: {}, route: { model: m } }\n';
    const issues = issuesOf(text);
    expect(issues.map((i) => [i.message, i.line, i.column])).toEqual([
      ['`apiVersion` must be `llmpolicy/v1`, got `llmpolicy/v2`', 1, 13],
      ['`kind` must be `Policy` or `Library`, got `Rule`', 2, 7],
      ['invalid policy name `Bad Name`', 4, 9],
      ['invalid `let` name `1x`', 7, 5],
      ['`let` name `in` is a reserved word', 8, 5],
      ['an obligation must have exactly one key, found 2: `redact`, `route`', 13, 13],
    ]);
    expect(issues.every((i) => i.code === 'schema' && i.hint !== undefined)).toBe(true);
  });

  it('a reserved word as a let name', () => {
    const text = doc('  let:\n    in: 1\n');
    expect(issuesOf(text)).toEqual([
      expect.objectContaining({ code: 'schema', message: '`let` name `in` is a reserved word', line: 7, column: 5 }),
    ]);
  });

  it('a misplaced key says where it belongs', () => {
    const text = 'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata:\n  name: p\nrules: []\nspec: {}\n';
    expect(issuesOf(text)).toEqual([
      expect.objectContaining({ message: 'unknown field `rules` at the top level', line: 5, column: 1, hint: '`rules` belongs in `spec`' }),
    ]);
  });

  it('a document that is not a mapping', () => {
    expect(issuesOf('- a\n- b\n')).toEqual([
      expect.objectContaining({ code: 'schema', message: 'a policy document must be a mapping, got a list', line: 1, column: 3 }),
    ]);
  });

  it('rejects `__proto__` keys anywhere', () => {
    const text = doc('  rules:\n    - id: r\n      effect: allow\n      obligations:\n        - set: { __proto__: { polluted: true } }\n');
    const { policies, issues } = parsePolicyText(text);
    expect(policies).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ code: 'schema', message: 'key `__proto__` is not allowed', line: 10, column: 18 })]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports template and duplicate problems alongside schema problems', () => {
    const text = doc('  rules:\n    - id: r\n      efect: deny\n      message: "{{ x"\n    - id: r\n      effect: deny\n');
    expect(issuesOf(text).map((i) => [i.code, i.line])).toEqual([
      ['schema', 8],
      ['invalid_template', 9],
      ['duplicate_rule', 10],
    ]);
  });

  it('one issue per problem (no ajv duplicates)', () => {
    const text = doc('  let:\n    9bad: x\n  rules:\n    - id: r\n      efect: deny\n');
    const issues = issuesOf(text);
    expect(issues.map((i) => i.message)).toEqual(['invalid `let` name `9bad`', 'unknown field `efect` in rule `r`']);
  });
});

describe('duplicates', () => {
  it('a duplicate rule id is reported at the second one', () => {
    const text = doc('  rules:\n    - id: r\n      effect: allow\n    - id: r\n      effect: deny\n');
    const { policies, issues } = parsePolicyText(text, 'r.yaml');
    expect(policies).toEqual([]);
    expect(issues).toEqual([
      {
        code: 'duplicate_rule',
        message: 'duplicate rule id `r`',
        file: 'r.yaml',
        line: 9,
        column: 11,
        offset: at(text, 'id: r', 1) + 4,
        length: 1,
        hint: 'first defined at line 7; rule ids must be unique within a policy',
      },
    ]);
  });

  it('a duplicate let name', () => {
    const text = doc('  let:\n    a: 1\n    a: 2\n');
    expect(parsePolicyText(text).issues).toEqual([
      expect.objectContaining({ code: 'duplicate_let', message: 'duplicate `let` name `a`', line: 8, column: 5 }),
    ]);
  });
});

describe('YAML syntax errors', () => {
  it('reports the position and a hint', () => {
    const text = doc('  rules:\n    - id: r\n      effect: deny\n      when: a ? b : c\n');
    expect(parsePolicyText(text, 's.yaml').issues).toEqual([
      expect.objectContaining({ code: 'yaml_syntax', file: 's.yaml', line: 9, column: 13, hint: expect.stringContaining('quote') }),
    ]);
  });

  it('an expression starting with `!` must be quoted', () => {
    const text = doc('  rules:\n    - id: r\n      effect: deny\n      when: !has(x) && y\n');
    expect(parsePolicyText(text).issues).toEqual([
      expect.objectContaining({ code: 'yaml_syntax', message: 'unresolved tag `!has(x)`', line: 9, column: 13, length: 7 }),
    ]);
  });

  it('unterminated quotes, bad indentation, tabs', () => {
    for (const text of ['a: "open\n', 'a:\n\tb: 1\n', 'a: [1, 2\nb: 3\n', 'a: *nothing\n']) {
      const { policies, issues } = parsePolicyText(text);
      expect(policies).toEqual([]);
      expect(issues.length).toBeGreaterThan(0);
      expect(issues[0]!.code).toBe('yaml_syntax');
      expect(issues[0]!.line).toBeGreaterThanOrEqual(1);
      expect(issues[0]!.message).toMatch(/^[a-z`]/);
      expect(issues[0]!.message).not.toMatch(/\.$/);
    }
  });

  it('bounds alias expansion', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const { issues } = parsePolicyText(`${lines.join('\n')}\n`);
    expect(issues).toEqual([expect.objectContaining({ code: 'limit_exceeded', message: expect.stringContaining('alias') })]);
  });
});

describe('all problems together', () => {
  it('reports issues from every document and still returns the good ones', () => {
    const text = [
      doc('  rules:\n    - id: r\n      efect: deny\n', 'a'),
      doc('  rules:\n    - id: r\n      effect: deny\n      when: !x\n', 'b'),
      doc('  rules:\n    - id: ok\n      effect: deny\n', 'good'),
      doc('  combining: nope\n  rules:\n    - id: r\n      effect: maybe\n', 'd'),
    ].join('---\n');
    const { policies, issues } = parsePolicyText(text, 'all.yaml');
    expect(policies.map((p) => p.name)).toEqual(['good']);
    expect(issues.map((i) => [i.code, i.line])).toEqual([
      ['schema', 8],
      ['yaml_syntax', 18],
      ['schema', 34],
      ['schema', 37],
    ]);
  });
});

describe('PolicyError formatting', () => {
  it('shows the file, line, column, the source line and a caret under the culprit', () => {
    const text = doc('  rules:\n    - id: r\n      efect: deny\n');
    const { issues } = parsePolicyText(text, 'cost.yaml');
    const out = new PolicyError(issues, new Map([['cost.yaml', text]])).format();
    expect(out).toBe(
      [
        'cost.yaml:8:7: error[schema]: unknown field `efect` in rule `r`',
        ' 8 |       efect: deny',
        '   |       ^^^^^',
        '  hint: did you mean `effect`?',
      ].join('\n'),
    );
  });
});

/** False under `node --disallow-code-generation-from-strings` (npm run test:nocodegen), where ajv cannot compile. */
const canGenerateCode = (() => {
  try {
    return new Function('return true')() === true;
  } catch {
    return false;
  }
})();

describe('generated validator', () => {
  it.skipIf(!canGenerateCode)('is up to date with schemas/policy.schema.json', async () => {
    const url = new URL('../../scripts/gen-validator.mjs', import.meta.url).href;
    const mod = (await import(url)) as { generate: () => string; outputPath: string };
    expect(mod.generate()).toBe(readFileSync(mod.outputPath, 'utf8'));
  });

  it('generates no code at run time and imports nothing', () => {
    const code = readFileSync(`${root}src/policy/validator.generated.js`, 'utf8');
    expect(code).not.toMatch(/new Function|\beval\(|\bimport\s|\brequire\(/);
  });

  it('the loader knows the same keys as the schema', () => {
    const schema = JSON.parse(readFileSync(`${root}schemas/policy.schema.json`, 'utf8'));
    const keys = (o: { properties: object }) => Object.keys(o.properties);
    expect(keys(schema).filter((k) => k !== '$schema')).toEqual([...SECTION_KEYS.document]);
    expect(keys(schema.properties.metadata)).toEqual([...SECTION_KEYS.metadata]);
    expect(keys(schema.properties.spec)).toEqual([...SECTION_KEYS.spec]);
    expect(keys(schema.$defs.rule)).toEqual([...SECTION_KEYS.rule]);
  });

  it('the loader imports nothing from node:*', () => {
    const dir = `${root}src/policy/`;
    for (const f of readdirSync(dir)) {
      const code = readFileSync(dir + f, 'utf8');
      expect(code, f).not.toMatch(/from ['"]node:|require\(['"]node:|\bnew Function\b|\beval\(/);
    }
  });
});

describe('robustness', () => {
  it('never throws, and every issue is positioned inside the text', () => {
    const base = FULL;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.nat({ max: base.length }),
            del: fc.nat({ max: 4 }),
            ins: fc.string({
              unit: fc.constantFrom(' ', '\n', ':', '-', '"', "'", '{', '}', '[', ']', '#', '!', '&', '*', 'a', '\t', '|', '>'),
              maxLength: 3,
            }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (edits) => {
          let text = base;
          for (const e of edits) {
            const i = Math.min(e.at, text.length);
            text = text.slice(0, i) + e.ins + text.slice(i + e.del);
          }
          const { policies, issues } = parsePolicyText(text, 'f.yaml');
          for (const i of issues) {
            expect(i.file).toBe('f.yaml');
            expect(i.offset!).toBeGreaterThanOrEqual(0);
            expect(i.offset!).toBeLessThanOrEqual(text.length);
            expect(i.line!).toBeGreaterThanOrEqual(1);
            expect(i.column!).toBeGreaterThanOrEqual(1);
            expect(i.message).not.toMatch(/\.$/);
          }
          for (const p of policies) {
            for (const r of p.rules) {
              if (r.when) {
                expect(r.when.offsets).toHaveLength(r.when.text.length + 1);
                for (const o of r.when.offsets) expect(o).toBeLessThanOrEqual(text.length);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles deeply nested input without crashing', () => {
    const deep = `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(() => parsePolicyText(deep)).not.toThrow();
    expect(parsePolicyText(deep).policies).toEqual([]);
  });
});

describe('YAML syntax error positions', () => {
  it('an unclosed quote points at the opening quote', () => {
    const text = doc('  rules:\n    - id: r\n      effect: deny\n      when: "open && x\n');
    expect(parsePolicyText(text).issues).toEqual([
      expect.objectContaining({
        code: 'yaml_syntax',
        message: 'missing closing quote `"`',
        line: 9,
        column: 13,
        hint: 'add the closing quote',
      }),
    ]);
  });

  it('a quoted start followed by more text', () => {
    const text = doc("  rules:\n    - id: r\n      effect: deny\n      when: 'a' in b\n");
    expect(parsePolicyText(text).issues).toEqual([
      expect.objectContaining({
        code: 'yaml_syntax',
        message: 'unexpected text after a value',
        line: 9,
        column: 17,
        hint: expect.stringContaining('quoted as a whole'),
      }),
    ]);
  });

  it('a key without `:`', () => {
    const text = doc('  rules:\n    - id: r\n      effect: deny\n      message "x"\n');
    expect(parsePolicyText(text).issues).toEqual([
      expect.objectContaining({ code: 'yaml_syntax', line: 9, column: 7, hint: 'add `:` after the key' }),
    ]);
  });
});
