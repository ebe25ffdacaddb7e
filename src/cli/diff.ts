// `llm-policy diff --from <old> --to <new> --inputs <file>`: replays inputs (JSON Lines, or an
// audit log) through both policy sets and reports what changed (src/testing/diff.ts).

import { diffPolicies, fixedClock, formatDiff, parseReplay, type PolicyDiff } from '../testing/index.js';
import { ENGINE_HELP, ENGINE_OPTIONS, errorJson, expandOptions, reportError, usage, type Command } from './command.js';
import { CliError, EXIT, display, expandPaths, readText, type CliIssue } from './io.js';
import { buildEngine, loadSetup, readPolicyFiles } from './load.js';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'replay inputs through old and new policies and report what changed',
  help: `Usage: llm-policy diff --from <old policies...> --to <new policies...> --inputs <file> [options]

Decides every input with both policy sets and reports, per effect transition (allow → deny,
deny → warn, ...) and per rule (none → deny, deny → error, ...), how many inputs changed, with up
to three examples each. The inputs are JSON Lines (one input object per line), a JSON array, or
an audit log written by the FileAuditSink: its decision records are replayed at their recorded
time, which needs records written with \`audit.includeInput\` (their redacted copy is replayed).

Options:
  --from <path>          the policies before the change: a file or directory (repeatable)
  --to <path>            the policies after the change (repeatable)
  --inputs <file>        JSON Lines of inputs, a JSON array, or a FileAuditSink log
  --examples <n>         examples per transition (default 3)
  --now <time>           the clock for inputs without a recorded time, RFC 3339 (default: now)
${ENGINE_HELP}
  --format <text|json>   output format (default text)
  -h, --help             show this help

Exit status: 0 nothing changed, 1 some input changed, 2 errors (a policy that does not load,
an input line that is not JSON, an audit log without inputs).

Example:
  llm-policy diff --from main/policies --to policies --inputs requests.jsonl`,
  options: {
    ...ENGINE_OPTIONS,
    from: { type: 'string', multiple: true },
    to: { type: 'string', multiple: true },
    inputs: { type: 'string' },
    examples: { type: 'string' },
    now: { type: 'string' },
  },
  async run(io, values, positionals) {
    const json = values.format === 'json';
    try {
      const fromPaths = (values.from as string[] | undefined) ?? [];
      const toPaths = (values.to as string[] | undefined) ?? [];
      if (positionals.length) throw usage(`unexpected argument \`${positionals[0]}\`: name policies with --from and --to`, diffCommand);
      if (fromPaths.length === 0) throw usage('no old policies given: use `--from <file or directory>`', diffCommand);
      if (toPaths.length === 0) throw usage('no new policies given: use `--to <file or directory>`', diffCommand);
      if (values.inputs === undefined) throw usage('no inputs given: use `--inputs <file.jsonl>`', diffCommand);
      const examples = values.examples === undefined ? 3 : Number(values.examples);
      if (!Number.isInteger(examples) || examples < 0 || examples > 1000)
        throw usage(`\`--examples\` must be a whole number from 0 to 1000, got \`${String(values.examples)}\``, diffCommand);
      let clock: ReturnType<typeof fixedClock>;
      try {
        clock = fixedClock(values.now === undefined ? Date.now() : (values.now as string));
      } catch (e) {
        throw usage((e as Error).message, diffCommand);
      }
      const setup = await loadSetup({
        functions: values.functions as string | undefined,
        inputSchema: values['input-schema'] as string | undefined,
      });
      const expand = expandOptions(io, values);
      const fromFiles = readPolicyFiles(expandPaths(fromPaths, 'policy', undefined, expand));
      const toFiles = readPolicyFiles(expandPaths(toPaths, 'policy', undefined, expand));
      // one clock for both engines: each input is decided by both at the same time
      const from = buildEngine(fromFiles, setup, clock);
      const to = buildEngine(toFiles, setup, clock);
      const path = values.inputs as string;
      const file = display(path);
      const text = readText(path);
      const replay = parseReplay(text, file);
      const start = clock.now;
      const result = diffPolicies({
        from,
        to,
        inputs: replay.inputs,
        origins: replay.origins,
        times: replay.times.map((t) => t ?? start),
        clock,
        examples,
        errors: replay.errors,
        skipped: replay.skipped,
      });
      if (json) io.out(JSON.stringify({ ok: result.errors.length === 0, inputsKind: replay.kind, ...result }, null, 2));
      else {
        io.out(formatDiff(withoutErrors(result)));
        if (result.errors.length) report(io, result, text, file);
      }
      return result.errors.length ? EXIT.error : result.changed ? EXIT.failed : EXIT.ok;
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      if (json) io.out(JSON.stringify(errorJson(e), null, 2));
      else reportError(io, e);
      return EXIT.error;
    }
  },
};

function withoutErrors(d: PolicyDiff): PolicyDiff {
  return { ...d, errors: [] };
}

/** The input problems, positioned, with the line and a caret, on stderr. */
function report(io: Parameters<Command['run']>[0], d: PolicyDiff, text: string, file: string): void {
  const issues: CliIssue[] = d.errors.map((e) => ({
    code: 'input',
    message: e.message,
    ...(e.file !== undefined ? { file: e.file } : e.origin !== undefined ? { file: e.origin } : {}),
    ...(e.line !== undefined ? { line: e.line, column: e.column ?? 1, length: 1 } : {}),
  }));
  const n = issues.length;
  reportError(io, new CliError(`${n} error${n === 1 ? '' : 's'} in the inputs`, issues, new Map([[file, text]])));
}
