// `llm-policy init`: copies ready-made policies from the library (src/cli/library.ts), each with
// its test suite and fixtures, into a project; `init --list` lists them by category.
/// <reference types="node" />

import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { closest } from '../util/suggest.js';
import { errorJson, reportError, usage, type Command, type Io } from './command.js';
import { CliError, display, EXIT, packageVersion, type CliIssue } from './io.js';
import { CATEGORIES, loadLibrary, type Template } from './library.js';

const HELP = `Usage: llm-policy init --template <name> [--template <name>...] [--dir <path>] [--force]
       llm-policy init --list

Copies ready-made policies from the library that ships with the package into your project:
each template's policy <name>.yaml, its test suite <name>.test.yaml and the fixtures the suite
reads (under fixtures/<name>/). Run the copied tests with \`llm-policy test <dir> --coverage\`,
then adapt the policy (its header comment says what to change). docs/library.md describes
every template.

Options:
  -t, --template <name>  the template to copy (repeatable)
  --dir <path>           where to write the files (default: policies; created if missing)
  --force                overwrite files that already exist
  -l, --list             list the templates by category
  --format <text|json>   output format (default text)
  -h, --help             show this help

Exit status: 0 when the files were written (or listed), 2 for an unknown template, a file that
exists (without --force) or a file that cannot be written. Every check is made before the
first file is written.

Examples:
  llm-policy init --list
  llm-policy init --template max-tokens-cap --template block-secrets-in-prompts
  llm-policy init -t injection-threshold --dir policies/security`;

export const initCommand: Command = {
  name: 'init',
  summary: 'copy ready-made policies and their tests from the library into a project',
  help: HELP,
  options: {
    template: { type: 'string', short: 't', multiple: true },
    dir: { type: 'string' },
    force: { type: 'boolean' },
    list: { type: 'boolean', short: 'l' },
  },
  async run(io, values, positionals) {
    const json = values.format === 'json';
    try {
      if (positionals.length > 0) {
        const e = usage(`unexpected argument \`${positionals[0]}\``, initCommand);
        e.issues[0]!.hint = `name a template with \`--template ${positionals[0]}\`; \`llm-policy init --list\` lists them`;
        throw e;
      }
      const names = [...new Set((values.template as string[] | undefined) ?? [])];
      if (values.list === true) {
        if (names.length) throw usage('give `--list` or `--template`, not both', initCommand);
        list(io, loadLibrary(), json);
        return EXIT.ok;
      }
      if (names.length === 0) {
        const e = usage('no template given', initCommand);
        e.issues[0]!.hint = 'name one with `--template <name>`; `llm-policy init --list` lists them';
        throw e;
      }
      return copy(io, loadLibrary(), names, resolve((values.dir as string | undefined) ?? 'policies'), values.force === true, json);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      if (json) io.out(JSON.stringify(errorJson(e), null, 2));
      else reportError(io, e);
      return EXIT.error;
    }
  },
};

function list(io: Io, templates: Template[], json: boolean): void {
  if (json) {
    io.out(
      JSON.stringify(
        templates.map((t) => ({
          name: t.name,
          category: t.category,
          stage: t.stage,
          description: t.description,
          cases: t.cases,
        })),
        null,
        2,
      ),
    );
    return;
  }
  const width = Math.max(...templates.map((t) => t.name.length));
  const blocks: string[] = [];
  for (const category of new Set(templates.map((t) => t.category))) {
    const title = CATEGORIES.find((c) => c.id === category)?.title ?? category;
    const rows = templates
      .filter((t) => t.category === category)
      .map((t) => `  ${t.name.padEnd(width)}  ${t.stage === 'response' ? io.c.dim('(response) ') : ''}${t.description}`);
    blocks.push(`${io.c.bold(title)} ${io.c.dim(`(${category})`)}\n${rows.join('\n')}`);
  }
  io.out(blocks.join('\n\n'));
  io.out(`\n${templates.length} templates. Copy one with \`llm-policy init --template <name>\`; see docs/library.md.`);
}

/** A `$schema` comment pointing into this repository, rewritten to the published schema. */
function publishedSchema(text: string, version: string | undefined): string {
  const base = `https://unpkg.com/llm-policy-engine${version ? `@${version}` : ''}/schemas/`;
  return text.replace(/^(# yaml-language-server: \$schema=)(?:\.\.\/)+schemas\//m, `$1${base}`);
}

interface Planned {
  template: string;
  from: string;
  to: string;
  /** YAML files get their `$schema` comment rewritten; fixtures are copied as they are. */
  rewrite: boolean;
}

function copy(io: Io, templates: Template[], names: string[], dir: string, force: boolean, json: boolean): number {
  const byName = new Map(templates.map((t) => [t.name, t]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length) {
    const issues: CliIssue[] = unknown.map((n) => {
      const near = closest(n, byName.keys());
      const containing = [...byName.keys()].filter((k) => k.includes(n.toLowerCase())).slice(0, 4);
      const hint = near
        ? `did you mean \`${near}\`? \`llm-policy init --list\` lists the templates`
        : containing.length
          ? `templates with \`${n}\` in their name: ${containing.map((k) => `\`${k}\``).join(', ')}`
          : '`llm-policy init --list` lists the templates';
      return { code: 'usage', message: `unknown template \`${n}\``, hint };
    });
    throw new CliError(issues[0]!.message, issues);
  }

  const plan: Planned[] = names.flatMap((n) => {
    const t = byName.get(n)!;
    const folder = dirname(t.policyFile);
    return [
      { template: n, from: t.policyFile, to: join(dir, `${n}.yaml`), rewrite: true },
      { template: n, from: t.testFile, to: join(dir, `${n}.test.yaml`), rewrite: true },
      ...t.fixtures.map((f) => ({ template: n, from: join(folder, f), to: join(dir, f), rewrite: false })),
    ];
  });
  const existing = force ? [] : plan.filter((p) => existsSync(p.to));
  if (existing.length) {
    const issues: CliIssue[] = existing.map((p) => ({
      code: 'file',
      message: `\`${display(p.to)}\` already exists`,
      hint: 'pass `--force` to overwrite it, or `--dir <path>` to write somewhere else',
    }));
    throw new CliError(issues[0]!.message, issues);
  }

  const version = packageVersion();
  const written: { template: string; file: string; overwritten: boolean }[] = [];
  for (const p of plan) {
    const overwritten = existsSync(p.to);
    try {
      mkdirSync(dirname(p.to), { recursive: true });
      if (p.rewrite) writeFileSync(p.to, publishedSchema(readFileSync(p.from, 'utf8'), version));
      else copyFileSync(p.from, p.to);
    } catch (e) {
      const message = `cannot write \`${display(p.to)}\`: ${(e as Error).message.replace(/^[A-Z]+: /, '')}`;
      throw new CliError(message, [{ code: 'file', message, file: display(p.to) }]);
    }
    written.push({ template: p.template, file: display(p.to), overwritten });
  }

  if (json) {
    io.out(JSON.stringify({ ok: true, dir: display(dir), files: written, issues: [] }, null, 2));
    return EXIT.ok;
  }
  for (const w of written) io.out(`${io.c.green(w.overwritten ? 'overwrote' : 'created')} ${w.file}`);
  io.out(`\nnext: npx llm-policy test ${display(dir)} --coverage`);
  return EXIT.ok;
}
