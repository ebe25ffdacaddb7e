// `llm-policy build <paths...> --out <file>`: compile policies ahead of time into an ES module
// that engine.loadCompiled installs with no YAML parsing, type checking or code generation at
// run time (docs/edge.md).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
given to the engine that loads it.

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
      if (json) io.out(JSON.stringify({ ok: true, out: display(target), bytes: text.length, policies: policies.length }, null, 2));
      else
        io.out(
          `${io.c.green('✓')} ${display(target)}: ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'} from ${files.length} file${files.length === 1 ? '' : 's'} (${(text.length / 1024).toFixed(1)} KB)`,
        );
      return EXIT.ok;
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      if (json) io.out(JSON.stringify(errorJson(e), null, 2));
      else reportError(io, e);
      return EXIT.error;
    }
  },
};
