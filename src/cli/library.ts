// The policy library: the ready-made policies in examples/policies/<category>/<name>.yaml, each
// with its test suite <name>.test.yaml beside it (and its fixtures under fixtures/<name>/). The
// package ships that folder; `llm-policy init` copies templates from it and docs/library.md is
// rendered from it (scripts/library-doc.ts).
/// <reference types="node" />

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { CliError, display } from './io.js';
import { parseTestFile } from './test-file.js';

/** The categories, in the order the library lists them: folder name and title. */
export const CATEGORIES: readonly { id: string; title: string }[] = [
  { id: 'cost', title: 'Cost and budgets' },
  { id: 'rate-limits', title: 'Rate limits' },
  { id: 'model-access', title: 'Model access and routing' },
  { id: 'data-protection', title: 'Data protection (PII, secrets)' },
  { id: 'prompt-security', title: 'Prompt security (injection, jailbreaks)' },
  { id: 'output', title: 'Output and content checks' },
  { id: 'compliance', title: 'Compliance' },
  { id: 'tenancy', title: 'Tenancy and enterprise' },
];

/** The header comment of a template: what it enforces, what it reads, how to adapt it. */
export interface TemplateHeader {
  /** The first line after the schema comment: `<name>: <summary>`, without the name. */
  summary: string;
  /** Each `# Key: text` field (continued on `#   ` lines), by key: Enforces, Input, State, Adapt. */
  fields: Record<string, string>;
}

export interface Template {
  name: string;
  category: string;
  description: string;
  /** `request` (before the call) or `response` (after it), from `metadata.labels.stage`. */
  stage: string;
  labels: Record<string, string>;
  header: TemplateHeader;
  /** Absolute paths. */
  policyFile: string;
  testFile: string;
  /** The suite's `inputFile`s, relative to the category folder (`fixtures/<name>/...`). */
  fixtures: string[];
  cases: number;
}

/** The library folder of the installed package: `<package>/examples/policies`, next to dist/. */
export function libraryDir(): string {
  return fileURLToPath(new URL('../examples/policies/', import.meta.url));
}

/** Reads the header comment: the comment lines before the first line of YAML. */
export function parseHeader(text: string): TemplateHeader {
  const header: TemplateHeader = { summary: '', fields: {} };
  let current: string | undefined;
  const append = (more: string) => {
    if (current === undefined) header.summary += ` ${more}`;
    else header.fields[current] += ` ${more}`;
  };
  for (const raw of text.split('\n')) {
    if (!raw.startsWith('#')) break;
    if (raw.startsWith('# yaml-language-server:')) continue;
    const line = raw.replace(/^# ?/, '');
    const field = /^([A-Z][a-z]+)(?: (\([^)]*\)))?: (.*)$/.exec(line);
    if (field) {
      current = field[1]!;
      header.fields[current] = field[2] ? `${field[2]} ${field[3]}` : field[3]!;
    } else if (/^ {2}\S/.test(line)) append(line.trim());
    else if (line.trim() !== '' && header.summary === '') header.summary = line.replace(/^[\w.-]+: /, '');
  }
  return header;
}

function readYaml(path: string): Record<string, unknown> {
  const doc = parseDocument(readFileSync(path, 'utf8'), { version: '1.2', schema: 'core' });
  const value = doc.toJS() as unknown;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * Every template of the library in `dir`, by category (in CATEGORIES order, then folders not in
 * it) and name. A policy file is any `<name>.yaml` that is not a test suite; its suite is
 * `<name>.test.yaml` beside it.
 */
export function loadLibrary(dir: string = libraryDir()): Template[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(`the policy library is not installed: \`${display(dir)}\` is missing`, [
      {
        code: 'file',
        message: `the policy library is not installed: \`${display(dir)}\` is missing`,
        hint: 'reinstall llm-policy-engine; the package ships its templates in examples/policies',
      },
    ]);
  }
  const order = (c: string) => {
    const i = CATEGORIES.findIndex((x) => x.id === c);
    return i < 0 ? CATEGORIES.length : i;
  };
  const categories = readdirSync(dir)
    .filter((c) => !c.startsWith('.') && statSync(join(dir, c)).isDirectory())
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const out: Template[] = [];
  for (const category of categories) {
    const folder = join(dir, category);
    const names = readdirSync(folder)
      .filter((n) => n.endsWith('.yaml') && !n.endsWith('.test.yaml'))
      .map((n) => n.slice(0, -'.yaml'.length))
      .sort();
    for (const name of names) {
      const policyFile = join(folder, `${name}.yaml`);
      const testFile = join(folder, `${name}.test.yaml`);
      const text = readFileSync(policyFile, 'utf8');
      const doc = readYaml(policyFile);
      const metadata = (doc.metadata ?? {}) as { description?: unknown; labels?: Record<string, string> };
      const labels = metadata.labels ?? {};
      const suites = existsSync(testFile) ? parseTestFile(readFileSync(testFile, 'utf8'), testFile).suites : [];
      const cases = suites.flatMap((s) => s.cases);
      const fixtures = [...new Set(cases.flatMap((c) => (c.inputFile === undefined ? [] : [relative(folder, join(folder, c.inputFile))])))];
      out.push({
        name,
        category,
        description: typeof metadata.description === 'string' ? metadata.description : '',
        stage: labels.stage ?? 'request',
        labels,
        header: parseHeader(text),
        policyFile,
        testFile,
        fixtures,
        cases: cases.length,
      });
    }
  }
  return out;
}
