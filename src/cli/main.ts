// The `llm-policy` command's dispatcher (src/cli/index.ts runs it). Exit codes: 0 ok, 1 policy failures
// (a failing test case, coverage below the threshold, a file `fmt --check` would change),
// 2 usage or load errors.
/// <reference types="node" />

import { auditCommand } from './audit.js';
import { benchCommand } from './bench.js';
import { buildCommand } from './build.js';
import { bundleCommand } from './bundle.js';
import { parse, processIo, reportError, usage, type Command, type Io } from './command.js';
import { diffCommand } from './diff.js';
import { evalCommand } from './eval.js';
import { fmtCommand } from './fmt.js';
import { initCommand } from './init.js';
import { CliError, EXIT, packageVersion } from './io.js';
import { serveCommand } from './serve.js';
import { testCommand } from './test.js';
import { validateCommand } from './validate.js';

export const COMMANDS: Command[] = [
  initCommand,
  validateCommand,
  testCommand,
  evalCommand,
  diffCommand,
  fmtCommand,
  buildCommand,
  bundleCommand,
  benchCommand,
  auditCommand,
  serveCommand,
];

const HELP = `llm-policy: start from ready-made policies, then check, test, explain, format, build and benchmark them, and serve decisions

Usage: llm-policy <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run \`llm-policy <command> --help\` for a command's options.

Options:
  -h, --help     show this help
  -v, --version  print the version

Exit status: 0 ok, 1 policy failures (a failing test case, coverage below the threshold, a
file \`fmt --check\` would change, inputs \`diff\` decides differently), 2 usage or load errors
(a missing file, a YAML error, an unknown function, a bundle that does not verify).

Examples:
  llm-policy init --template max-tokens-cap
  llm-policy validate policies
  llm-policy test policies --coverage
  llm-policy eval -p policies -i request.json --explain
  llm-policy fmt --check policies
  llm-policy diff --from old/policies --to policies --inputs requests.jsonl
  llm-policy build policies --out policies.gen.mjs
  llm-policy bundle build policies --out bundle.json --sign-key private.pem
  llm-policy bench -p policies -i requests.jsonl
  llm-policy audit verify audit.log.1 audit.log
  llm-policy serve --policies policies --port 8787`;

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help') {
    io.out(HELP);
    return first === undefined ? EXIT.error : EXIT.ok;
  }
  if (first === '-v' || first === '--version') {
    io.out(packageVersion() ?? 'unknown');
    return EXIT.ok;
  }
  if (first === 'help') {
    const cmd = COMMANDS.find((c) => c.name === rest[0]);
    io.out(cmd ? cmd.help : HELP);
    return cmd || rest[0] === undefined ? EXIT.ok : EXIT.error;
  }
  const cmd = COMMANDS.find((c) => c.name === first);
  try {
    if (!cmd) {
      const near = COMMANDS.map((c) => c.name).find((n) => n.startsWith(first.slice(0, 2)));
      const e = usage(first.startsWith('-') ? `unknown option \`${first}\`` : `unknown command \`${first}\``);
      if (near && !first.startsWith('-')) e.issues[0]!.hint = `did you mean \`${near}\`? run \`llm-policy --help\` for the commands`;
      else e.issues[0]!.hint = `commands: ${COMMANDS.map((c) => `\`${c.name}\``).join(', ')}`;
      throw e;
    }
    const { values, positionals } = parse(cmd, rest);
    if (values.help === true) {
      io.out(cmd.help);
      return EXIT.ok;
    }
    return await cmd.run(io, values, positionals);
  } catch (e) {
    if (e instanceof CliError) {
      reportError(io, e);
      return EXIT.error;
    }
    io.err(`llm-policy: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.error;
  }
}
