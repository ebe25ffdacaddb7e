// `llm-policy eval -p <policies...> -i <input.json|->`: one decision, optionally explained.

import { preparePolicies } from '../testing/coverage.js';
import { parseTime } from '../testing/index.js';
import { show } from '../testing/format.js';
import { ENGINE_HELP, ENGINE_OPTIONS, errorJson, reportError, usage, type Command, expandOptions } from './command.js';
import { effectText, explainDecision, formatExplain } from './explain.js';
import { CliError, EXIT, display, expandPaths, jsonValue, parseData, readStdin, readText } from './io.js';
import { MemoryStateStore } from '../entries/index.js';
import { buildEngine, loadSetup, readPolicyFiles } from './load.js';
import { storeWith, usagesFrom } from './state.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'decide one input and print the decision (with --explain: why)',
  help: `Usage: llm-policy eval -p <policies...> -i <input.json|-> [options]

Loads the policies, decides the input (a JSON or YAML file holding the input object, or \`-\`
to read it from standard input) and prints the decision: effect, reasons, matched rules,
obligations and evaluation errors.

Options:
  -p, --policy <path>    policy file or directory (repeatable; more paths may follow)
  -i, --input <file|->   the input object
  --explain              also print why: for every policy and rule tried, the condition's
                         value and the values of its sub-expressions, as a tree
  --now <time>           fixed clock for \`now\`, RFC 3339 (e.g. 2025-01-31T09:30:00Z)
  --state <file>         usage records (JSON or YAML list) for \`rate.*\` and \`budget.*\`,
                         e.g. [{ "keys": ["user:u1"], "requests": 5, "ago": "10m" }]
  --fail-on-deny         exit 1 when the effect is deny
${ENGINE_HELP}
  --format <text|json>   output format (default text); json prints the decision object
  -h, --help             show this help

Exit status: 0 when a decision was made (1 with --fail-on-deny and a deny), 2 when the
policies or the input cannot be loaded.

Examples:
  llm-policy eval -p policies -i request.json --explain
  echo '{"user":{"tier":"free"},"request":{"model":"gpt-4o"}}' | llm-policy eval -p policies -i -`,
  options: {
    ...ENGINE_OPTIONS,
    policy: { type: 'string', short: 'p', multiple: true },
    input: { type: 'string', short: 'i' },
    explain: { type: 'boolean' },
    now: { type: 'string' },
    state: { type: 'string' },
    'fail-on-deny': { type: 'boolean' },
  },
  async run(io, values, positionals) {
    const json = values.format === 'json';
    try {
      const policyPaths = [...((values.policy as string[] | undefined) ?? []), ...positionals];
      if (policyPaths.length === 0) throw usage('no policies given: use `-p <file or directory>`', evalCommand);
      if (values.input === undefined) throw usage('no input given: use `-i <input.json>` or `-i -` for standard input', evalCommand);
      let nowMs: number | undefined;
      if (values.now !== undefined) {
        try {
          nowMs = parseTime(values.now as string);
        } catch (e) {
          throw usage((e as Error).message, evalCommand);
        }
      }
      const setup = await loadSetup({
        functions: values.functions as string | undefined,
        inputSchema: values['input-schema'] as string | undefined,
      });
      const files = readPolicyFiles(expandPaths(policyPaths, 'policy', undefined, expandOptions(io, values)));
      // one reading of the clock, shared by the engine and the explain tracer
      const fixedNow = nowMs ?? Date.now();
      const stateFile = values.state as string | undefined;
      const store =
        stateFile !== undefined
          ? storeWith(usagesFrom(parseData(readText(stateFile), display(stateFile)), display(stateFile)), fixedNow)
          : new MemoryStateStore();
      const engine = buildEngine(files, setup, () => fixedNow, store);
      const inputArg = values.input as string;
      const input = inputArg === '-' ? parseData(readStdin(), '<stdin>') : parseData(readText(inputArg), display(inputArg));
      const explain = values.explain === true;
      {
        const d = engine.evaluate(input, explain ? { explain: true } : undefined);
        const details = explain ? explainDecision(d, preparePolicies(files, setup), input, setup.registry, fixedNow, store) : undefined;
        if (json) {
          const out: Record<string, unknown> = { ...d };
          if (details) out.explain = details;
          io.out(JSON.stringify(out, jsonValue, 2));
        } else {
          const c = io.c;
          const lines: string[] = [];
          lines.push(`${c.bold('effect:')} ${effectText(d.effect, c)}`);
          lines.push(`${c.bold('reasons:')}${d.reasons.length ? '' : ' (none)'}`);
          for (const r of d.reasons) lines.push(`  - ${r}`);
          lines.push(`${c.bold('matched:')}${d.matched.length ? '' : ' (none)'}`);
          for (const m of d.matched)
            lines.push(
              `  - ${m.namespace === 'default' ? '' : `${m.namespace}/`}${m.policy}/${m.rule} (${effectText(m.effect, c)})${m.message ? `: ${m.message}` : ''}`,
            );
          lines.push(`${c.bold('obligations:')}${d.obligations.length ? '' : ' (none)'}`);
          for (const o of d.obligations) lines.push(`  - ${show(o)}`);
          lines.push(`${c.bold('errors:')}${d.errors.length ? '' : ' (none)'}`);
          for (const e of d.errors)
            lines.push(`  - ${e.policy}${e.rule ? `/${e.rule}` : ''} [${e.code}] ${e.message} (counted as ${e.handling})`);
          lines.push(`${c.bold('revision:')} ${d.revision}`);
          if (details) lines.push('', formatExplain(details, d.trace?.durationMs, c));
          io.out(lines.join('\n'));
        }
        return values['fail-on-deny'] === true && d.effect === 'deny' ? EXIT.failed : EXIT.ok;
      }
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      if (json) io.out(JSON.stringify(errorJson(e), null, 2));
      else reportError(io, e);
      return EXIT.error;
    }
  },
};
