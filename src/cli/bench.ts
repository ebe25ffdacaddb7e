// `llm-policy bench -p <policies> -i <inputs.jsonl>`: decisions per second and latency
// percentiles for the user's own policies and inputs.

import { SourceText } from '../lang/errors.js';
import { parseTime } from '../testing/index.js';
import { ENGINE_HELP, ENGINE_OPTIONS, errorJson, reportError, usage, type Command, expandOptions } from './command.js';
import type { MemoryStateStore } from '../entries/index.js';
import { CliError, EXIT, display, expandPaths, parseData, readStdin, readText, type CliIssue } from './io.js';
import { storeWith, usagesFrom } from './state.js';
import { buildEngine, loadSetup, readPolicyFiles } from './load.js';

/** Inputs from JSON Lines (one object per line; blank lines and `//` lines ignored) or a JSON array. */
export function parseInputs(text: string, file: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const arr = JSON.parse(trimmed) as unknown;
      if (Array.isArray(arr)) return arr;
    } catch {
      // fall through to JSON Lines, which reports the line
    }
  }
  const src = new SourceText(text);
  const out: unknown[] = [];
  const issues: CliIssue[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const t = line.trim();
    if (t === '' || t.startsWith('//')) continue;
    try {
      out.push(JSON.parse(t));
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      const col = m ? Number(m[1]) + (line.length - line.trimStart().length) : 0;
      const message = `invalid JSON: ${(e as Error).message
        .split('\n')[0]!
        .replace(/^Unexpected/, 'unexpected')
        .replace(/ in JSON at position \d+.*$/, '')}`;
      issues.push({ code: 'input', message, file, offset: start + col, length: 1, ...src.position(start + col) });
      if (issues.length >= 5) break;
    }
  }
  if (issues.length) throw new CliError(`cannot read the inputs in \`${file}\``, issues, new Map([[file, text]]));
  return out;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

function fmtTime(us: number): string {
  if (us < 1) return `${(us * 1000).toFixed(0)} ns`;
  if (us < 1000) return `${us.toFixed(us < 10 ? 2 : 1)} µs`;
  return `${(us / 1000).toFixed(2)} ms`;
}

function fmtRate(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure decisions per second and latency (p50, p99) for your policies and inputs',
  help: `Usage: llm-policy bench -p <policies...> -i <inputs.jsonl|-> [options]

Loads the policies, then decides the inputs (JSON Lines: one input object per line; or a JSON
array) over and over, round robin: first untimed (warm-up), then for throughput, then each
decision timed on its own for the latency percentiles.

Options:
  -p, --policy <path>    policy file or directory (repeatable; more paths may follow)
  -i, --input <file|->   the inputs, JSON Lines or a JSON array
  --duration <seconds>   time spent measuring throughput and latency each (default 1)
  --now <time>           fixed clock, RFC 3339 (default: the real clock)
  --state <file>         usage records (JSON or YAML list) loaded into the state store first
${ENGINE_HELP}
  --format <text|json>   output format (default text)
  -h, --help             show this help

Exit status: 0, or 2 when the policies or the inputs cannot be loaded.

Example:
  llm-policy bench -p policies -i requests.jsonl`,
  options: {
    ...ENGINE_OPTIONS,
    policy: { type: 'string', short: 'p', multiple: true },
    input: { type: 'string', short: 'i' },
    duration: { type: 'string' },
    now: { type: 'string' },
    state: { type: 'string' },
  },
  async run(io, values, positionals) {
    const json = values.format === 'json';
    try {
      const policyPaths = [...((values.policy as string[] | undefined) ?? []), ...positionals];
      if (policyPaths.length === 0) throw usage('no policies given: use `-p <file or directory>`', benchCommand);
      if (values.input === undefined) throw usage('no inputs given: use `-i <inputs.jsonl>`', benchCommand);
      const seconds = values.duration === undefined ? 1 : Number(values.duration);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600)
        throw usage(`\`--duration\` must be a number of seconds between 0 and 600, got \`${String(values.duration)}\``, benchCommand);
      let clock: (() => number) | undefined;
      if (values.now !== undefined) {
        let ms: number;
        try {
          ms = parseTime(values.now as string);
        } catch (e) {
          throw usage((e as Error).message, benchCommand);
        }
        clock = () => ms;
      }
      const setup = await loadSetup({
        functions: values.functions as string | undefined,
        inputSchema: values['input-schema'] as string | undefined,
      });
      const files = readPolicyFiles(expandPaths(policyPaths, 'policy', undefined, expandOptions(io, values)));
      let store: MemoryStateStore | undefined;
      if (values.state !== undefined) {
        const file = display(values.state as string);
        store = storeWith(usagesFrom(parseData(readText(values.state as string), file), file), clock ? clock() : Date.now());
      }
      const engine = buildEngine(files, setup, clock, store);
      const inputArg = values.input as string;
      const inputs = inputArg === '-' ? parseInputs(readStdin(), '<stdin>') : parseInputs(readText(inputArg), display(inputArg));
      if (inputs.length === 0) throw new CliError(`no inputs in \`${inputArg === '-' ? '<stdin>' : display(inputArg)}\``);

      const n = inputs.length;
      const effects = { allow: 0, deny: 0, warn: 0 };
      for (const x of inputs) effects[engine.evaluate(x).effect]++;
      // warm-up: let the JIT settle
      const warmEnd = performance.now() + Math.min(500, seconds * 500);
      let sink = 0;
      for (let i = 0; performance.now() < warmEnd; i++) {
        for (let k = 0; k < 100; k++) sink += engine.evaluate(inputs[(i * 100 + k) % n]).allowed ? 1 : 0;
      }
      // throughput: batches of decisions between clock reads
      const batch = 1000;
      let count = 0;
      const t0 = performance.now();
      const end = t0 + seconds * 1000;
      let t = t0;
      while (t < end) {
        for (let k = 0; k < batch; k++) sink += engine.evaluate(inputs[(count + k) % n]).allowed ? 1 : 0;
        count += batch;
        t = performance.now();
      }
      const rate = count / ((t - t0) / 1000);
      // latency: each decision timed on its own
      const max = 1_000_000;
      const samples = new Float64Array(max);
      let m = 0;
      const lEnd = performance.now() + seconds * 1000;
      while (m < max) {
        const a = performance.now();
        sink += engine.evaluate(inputs[m % n]).allowed ? 1 : 0;
        const b = performance.now();
        samples[m++] = (b - a) * 1000;
        if (b >= lEnd) break;
      }
      const sorted = samples.subarray(0, m).sort();
      const result = {
        policies: engine.policies().length,
        rules: engine.policies().reduce((s, p) => s + p.rules, 0),
        inputs: n,
        decisions: count,
        decisionsPerSecond: Math.round(rate),
        latencyUs: {
          p50: round(percentile(sorted, 50)),
          p90: round(percentile(sorted, 90)),
          p99: round(percentile(sorted, 99)),
          max: round(sorted[m - 1] ?? 0),
          samples: m,
        },
        effects,
      };
      if (sink < 0) io.err(''); // keep the work observable
      if (json) io.out(JSON.stringify(result, null, 2));
      else {
        const c = io.c;
        io.out(
          `${result.policies} polic${result.policies === 1 ? 'y' : 'ies'} (${result.rules} rules), ${n} input${n === 1 ? '' : 's'} (effects per pass: allow ${effects.allow}, deny ${effects.deny}, warn ${effects.warn})`,
        );
        io.out(`${c.bold('decisions/s:')} ${fmtRate(rate)}`);
        io.out(
          `${c.bold('latency:')}     p50 ${fmtTime(result.latencyUs.p50)}, p90 ${fmtTime(result.latencyUs.p90)}, p99 ${fmtTime(result.latencyUs.p99)}, max ${fmtTime(result.latencyUs.max)} (${m.toLocaleString('en-US')} samples; the timer adds about ${fmtTime(timerCost())} to each)`,
        );
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

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Cost of one performance.now() pair, in µs. */
function timerCost(): number {
  const n = 100_000;
  const a = performance.now();
  let s = 0;
  for (let i = 0; i < n; i++) s += performance.now();
  const b = performance.now();
  return s > 0 ? ((b - a) / n) * 1000 : 0;
}
