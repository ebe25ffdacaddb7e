// Renders docs/library.md from the templates in examples/policies: their metadata, header
// comments and test suites. The page is generated, never edited by hand: `npm run docs:library`
// rewrites it; a test (test/cli/library.test.ts) fails when it is stale.
import { relative } from 'node:path';
import { CATEGORIES, type Template } from '../src/cli/library.js';

/** Text for a markdown table cell. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

export function renderLibraryDoc(templates: Template[], root: string): string {
  const link = (file: string) => relative(`${root}/docs`, file).split('\\').join('/');
  const categories = CATEGORIES.filter((c) => templates.some((t) => t.category === c.id));
  const out: string[] = [
    '# The policy library',
    '',
    '<!-- GENERATED from the templates in examples/policies (metadata, header comments, test suites) by `npm run docs:library`. Do not edit. -->',
    '',
    `${templates.length} ready-made policies in ${categories.length} categories, each with a test suite that covers every`,
    'rule and every branch. Start from one instead of a blank file:',
    '',
    '```sh',
    'npx llm-policy init --list                        # the templates, by category',
    'npx llm-policy init --template max-tokens-cap     # writes policies/max-tokens-cap.yaml and its test suite',
    'npx llm-policy test policies --coverage           # run the copied tests',
    '```',
    '',
    '`init` copies the policy, its test suite and the fixtures the suite reads into `policies/` (or',
    '`--dir <path>`), refuses to overwrite a file unless given `--force`, and takes `--template` more',
    'than once ([cli.md](cli.md#init)). Then adapt the copy: its header comment says what to change.',
    '',
    '## How a template is laid out',
    '',
    '- `examples/policies/<category>/<name>.yaml` holds one policy. `metadata.name` is the file name,',
    '  `metadata.labels.category` the folder, and `metadata.labels.stage` says when it decides: `request`',
    '  (before the call, on `request`, `user`, `context`) or `response` (after the call, with `response`',
    '  in the input as well; [input.md](input.md)).',
    '- A header comment says what the policy **enforces**, the **input** fields it reads, the **state** it',
    '  needs (for `rate.*` and `budget.*`: the keys your host must record usage under with',
    '  `engine.record()`, [engine.md](engine.md#state)) and what to **adapt**.',
    '- `<name>.test.yaml` beside it is its test suite ([cli.md](cli.md#test-files)), with any fixtures it',
    '  reads under `fixtures/<name>/`. Every suite tests each rule both ways and reaches 100% rule and',
    '  branch coverage; CI runs `llm-policy test examples --coverage --coverage-threshold 100` and',
    '  `llm-policy fmt --check examples/policies`.',
    '- Templates are independent and their names are unique, so any of them can be loaded together: across',
    '  policies the engine combines with deny-overrides ([policies.md](policies.md#across-policies)).',
    "  Obligations are carried out by your middleware after the decision, so one template's `set` or",
    '  `route` does not change what another one saw (a request without `max_tokens` is priced at the',
    "  model's full output by `request-cost-ceiling` even when `max-tokens-cap` lowers it).",
    '- `redact`, `route`, `set` and `notify` obligations are carried out by the shipped middleware; the',
    '  others (`retry_after`, `meter`, `audit_log`, `confirm`, ...) are custom, for your own',
    '  `onObligation` handler ([middleware.md](middleware.md)).',
    '- Model facts (aliases, providers, prices, lifecycle status) come from the model catalog',
    '  ([llm.md](llm.md#model-catalog)), so catalog updates reach the templates without edits.',
    '',
    '| category | templates |',
    '|---|---|',
  ];
  for (const c of categories) {
    const ts = templates.filter((t) => t.category === c.id);
    out.push(`| [${c.title}](#${anchor(c.title)}) | ${ts.map((t) => `[\`${t.name}\`](#${t.name})`).join(', ')} |`);
  }
  for (const c of categories) {
    const ts = templates.filter((t) => t.category === c.id);
    out.push(
      '',
      `## ${c.title}`,
      '',
      `In \`examples/policies/${c.id}/\`.`,
      '',
      '| template | what it does | stage | tests |',
      '|---|---|---|---|',
    );
    for (const t of ts) {
      out.push(`| [\`${t.name}\`](#${t.name}) | ${cell(t.description)} | ${t.stage} | ${t.cases} |`);
    }
    for (const t of ts) {
      out.push('', `### ${t.name}`, '', cell(t.header.summary.replace(/^./, (x) => x.toUpperCase())), '');
      for (const key of ['Enforces', 'Input', 'State', 'Adapt']) {
        const text = t.header.fields[key];
        if (text !== undefined) out.push(`- **${key}**: ${cell(text)}`);
      }
      const files = [t.policyFile, t.testFile].map((f) => `[\`${f.split('/').pop()}\`](${link(f)})`);
      const fixtures = t.fixtures.length ? `, fixtures ${t.fixtures.map((f) => `\`${f}\``).join(', ')}` : '';
      out.push(`- **Files**: ${files.join(', ')}${fixtures}; \`llm-policy init --template ${t.name}\``);
    }
  }
  return `${out.join('\n')}\n`;
}

/** GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped. */
function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}
