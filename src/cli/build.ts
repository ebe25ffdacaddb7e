// `llm-policy build <paths...> --out <file>`: compile policies ahead of time into an ES module
// that engine.loadCompiled installs with no YAML parsing, type checking or code generation at
// run time (docs/edge.md).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { functionsCalled } from '../decide/prebuilt.js';
import * as cel from '../entries/functions/cel.js';
import * as injection from '../entries/functions/injection.js';
import * as llm from '../entries/functions/llm.js';
import * as pii from '../entries/functions/pii.js';
import * as state from '../entries/functions/state.js';
import { ENGINE_HELP, ENGINE_OPTIONS, errorJson, reportError, usage, type Command } from './command.js';
import { CliError, EXIT, display, expandPaths } from './io.js';
import { buildEngine, loadSetup, readPolicyFiles } from './load.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'compile policies into a prebuilt ES module (for edge runtimes and fast cold starts)',
  help: `Usage: llm-policy build [options] <paths...> --out <file>

Loads and checks every policy file named (as \`validate\` does), compiles the set to JavaScript
and writes it as one ES module. An engine installs it with \`engine.loadCompiled(module)\`:
no YAML parsing, schema validation or type checking at startup, and no \`eval\` or
\`new Function\`, so it runs where code generation is refused (Cloudflare Workers, Vercel Edge).

The module records the llm-policy-engine version that built it and loads only in an engine
of that version; rebuild it when you upgrade. Functions given with --functions must also be
given to the engine that loads it. The output names the builtin families the module calls:
the \`llm-policy-engine/runtime\` engine takes them from \`llm-policy-engine/functions\`.

Options:
  -o, --out <file>       where to write the module (e.g. policies.gen.mjs)
${ENGINE_HELP}
  --format <text|json>   output format (default text)
  -h, --help             show this help

Exit status: 0 when the module was written, 2 when a policy does not load (or a file cannot be
read or written).

Example:
  llm-policy build policies/ --out src/policies.gen.mjs`,
  options: { ...ENGINE_OPTIONS, out: { type: 'string', short: 'o' } },
  async run(io, values, positionals) {
    const json = values.format === 'json';
    try {
      if (positionals.length === 0) throw usage('no policy files given', buildCommand);
      const out = values.out as string | undefined;
      if (out === undefined) throw usage('no output file: give `--out <file>`', buildCommand);
      const setup = await loadSetup({
        functions: values.functions as string | undefined,
        inputSchema: values['input-schema'] as string | undefined,
      });
      const files = readPolicyFiles(expandPaths(positionals, 'policy'));
      const engine = buildEngine(files, setup);
      const text = engine.compileToModule();
      const target = resolve(out);
      try {
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, text);
      } catch (e) {
        throw new CliError(`cannot write \`${display(target)}\`: ${(e as Error).message}`, [], new Map());
      }
      const policies = engine.policies();
      // read back as an app imports it: what the module calls, and where the runtime entry gets it
      const functions = functionsCalled((await import(pathToFileURL(target).href)).default);
      const needs = familiesOf(functions);
      if (json)
        io.out(
          JSON.stringify(
            {
              ok: true,
              out: display(target),
              bytes: text.length,
              policies: policies.length,
              functions,
              imports: needs.imports,
              custom: needs.custom,
            },
            null,
            2,
          ),
        );
      else {
        io.out(
          `${io.c.green('✓')} ${display(target)}: ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'} from ${files.length} file${files.length === 1 ? '' : 's'} (${(text.length / 1024).toFixed(1)} KB)`,
        );
        io.out(familiesNote(functions, needs));
      }
      return EXIT.ok;
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      if (json) io.out(JSON.stringify(errorJson(e), null, 2));
      else reportError(io, e);
      return EXIT.error;
    }
  },
};

/** The function families by subpath (`llm-policy-engine/functions/<family>`), as their entries export them. */
const families: Record<string, Record<string, readonly { name: string }[]>> = { cel, state, llm, pii, injection };

/** Where the runtime entry gets each builtin a module calls: its family's subpath and export; and the functions no family declares (`--functions`). */
function familiesOf(functions: readonly string[]): { imports: { from: string; names: string[] }[]; custom: string[] } {
  const byFamily = new Map<string, Set<string>>();
  const custom: string[] = [];
  for (const f of functions) {
    let found = false;
    // a function whose overloads several libraries declare needs each of them
    for (const [family, libs] of Object.entries(families))
      for (const [name, decls] of Object.entries(libs))
        if (decls.some((d) => d.name === f)) {
          found = true;
          const names = byFamily.get(family) ?? new Set<string>();
          byFamily.set(family, names.add(name));
        }
    if (!found) custom.push(f);
  }
  const imports = Object.keys(families)
    .filter((family) => byFamily.has(family))
    .map((family) => ({ from: `llm-policy-engine/functions/${family}`, names: [...byFamily.get(family)!].sort() }));
  return { imports, custom };
}

function familiesNote(functions: readonly string[], { imports, custom }: ReturnType<typeof familiesOf>): string {
  if (functions.length === 0) return '  calls no functions: the `llm-policy-engine/runtime` engine loads it as it is';
  const lines = [`  calls ${functions.map((f) => `\`${f}\``).join(', ')}`];
  const names = imports.flatMap((i) => i.names);
  if (names.length > 0) {
    lines.push('  for `llm-policy-engine/runtime`, give its engine the families it calls:');
    for (const i of imports) lines.push(`    import { ${i.names.join(', ')} } from '${i.from}';`);
    lines.push(
      `    new PolicyEngine({ functions: [${[...names.map((n) => `...${n}`), ...(custom.length ? ['...yourFunctions'] : [])].join(', ')}] })`,
    );
  }
  if (custom.length > 0)
    lines.push(`  ${custom.map((f) => `\`${f}\``).join(', ')}: from --functions; give the same declarations to the engine that loads it`);
  return lines.join('\n');
}
