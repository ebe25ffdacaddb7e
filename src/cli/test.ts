// `llm-policy test <paths...>`: runs policy test suites (schemas/policy-test.schema.json).

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Decision, PolicyEngine } from '../entries/index.js';
import { CoverageCollector, preparePolicies, type PreparedPolicy } from '../testing/coverage.js';
import { parseTime, ruleMatches } from '../testing/index.js';
import { formatDecision, formatTrace, show } from '../testing/format.js';
import { ENGINE_HELP, ENGINE_OPTIONS, errorJson, reportError, usage, type Command, type Io, expandOptions } from './command.js';
import { CliError, EXIT, display, expandPaths, parseData, readText, type CliIssue } from './io.js';
import { buildEngine, loadSetup, readPolicyFiles, type PolicyFile } from './load.js';
import { formatCoverage, junit, type CaseResult, type Failure, type SuiteResult } from './report.js';
import { SwappableStore, storeWith } from './state.js';
import { parseTestFile, type Expectation, type Suite, type TestCase } from './test-file.js';

export const testCommand: Command = {
  name: 'test',
  summary: 'run policy test suites (expected effects, rules, reasons, obligations), with coverage',
  help: `Usage: llm-policy test [options] <paths...>

Runs the policy test suites in the files named (a directory is searched for .yaml, .yml and
.json files with \`kind: PolicyTest\`). Each case decides an input against the suite's
policies and checks the expected effect, matched rules, reasons, obligations and error codes.
Prints each failing case with what differed and the decision's trace, then the line
\`N passed, N failed\`.

Options:
  -p, --policy <path>          policies for suites that name none (repeatable)
  --filter <pattern>           run only the cases whose "<suite> <case>" name matches this
                               regular expression (or contains it, if it is not one)
  --coverage                   report which rules were true and false, and which operands of
                               && and || and which branches of ?: were exercised
  --coverage-threshold <pct>   exit 1 when total coverage is below pct (implies --coverage)
  --junit <file>               also write a JUnit XML report to file
  -v, --verbose                list passing cases (and every coverage count) too
${ENGINE_HELP}
  --format <text|json>         output format (default text)
  -h, --help                   show this help

Exit status: 0 when every case passed (and coverage is at least the threshold), 1 when a
case failed or coverage is below the threshold, 2 when a test file or policy cannot be loaded.

Example:
  llm-policy test policies --coverage`,
  options: {
    ...ENGINE_OPTIONS,
    policy: { type: 'string', short: 'p', multiple: true },
    filter: { type: 'string' },
    coverage: { type: 'boolean' },
    'coverage-threshold': { type: 'string' },
    junit: { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
  },
  async run(io, values, positionals) {
    const json = values.format === 'json';
    try {
      return await runTests(io, values, positionals);
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      io.progress(undefined);
      if (json) io.out(JSON.stringify(errorJson(e), null, 2));
      else reportError(io, e);
      return EXIT.error;
    }
  },
};

interface PolicySet {
  engine?: PolicyEngine;
  /** The engine's state store; each case fills it with its own usage records. */
  store: SwappableStore;
  prepared?: PreparedPolicy[];
  files: PolicyFile[];
  /** Load problem shared by every case that uses the set. */
  error?: CliError;
}

function compileFilter(f: string | undefined): ((s: string) => boolean) | undefined {
  if (f === undefined) return undefined;
  try {
    const re = new RegExp(f);
    return (s) => re.test(s);
  } catch {
    return (s) => s.includes(f);
  }
}

async function runTests(io: Io, values: Record<string, unknown>, positionals: string[]): Promise<number> {
  const json = values.format === 'json';
  const verbose = values.verbose === true;
  let threshold: number | undefined;
  if (values['coverage-threshold'] !== undefined) {
    threshold = Number(values['coverage-threshold']);
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100 || String(values['coverage-threshold']).trim() === '') {
      throw usage(
        `\`--coverage-threshold\` must be a percentage between 0 and 100, got \`${String(values['coverage-threshold'])}\``,
        testCommand,
      );
    }
  }
  const wantCoverage = values.coverage === true || threshold !== undefined;
  if (positionals.length === 0) throw usage('no test files given', testCommand);
  const setup = await loadSetup({
    functions: values.functions as string | undefined,
    inputSchema: values['input-schema'] as string | undefined,
  });
  const cliPolicies = ((values.policy as string[] | undefined) ?? []).map((p) => resolve(p));
  const filter = compileFilter(values.filter as string | undefined);

  // Read every suite first: a problem in any test file is reported before anything runs.
  const suites: Suite[] = [];
  const fileIssues: CliIssue[] = [];
  const sources = new Map<string | undefined, string>();
  for (const path of expandPaths(positionals, 'test', undefined, expandOptions(io, values))) {
    const text = readText(path);
    const r = parseTestFile(text, path);
    sources.set(display(path), text);
    suites.push(...r.suites);
    fileIssues.push(...r.issues);
  }
  if (fileIssues.length)
    throw new CliError(`${fileIssues.length} error${fileIssues.length === 1 ? '' : 's'} in the test files`, fileIssues, sources);

  // The clock engines read: the case's `now`, fixed for the whole decision.
  let caseNow = 0;
  const clock = () => caseNow;
  const sets = new Map<string, PolicySet>();
  const policySet = (paths: string[], base: string): PolicySet => {
    let files: string[];
    try {
      files = expandPaths(paths, 'policy', base, expandOptions(io, values));
    } catch (e) {
      if (e instanceof CliError) return { files: [], store: new SwappableStore(), error: e };
      throw e;
    }
    const key = [...files].sort().join('\u0000');
    let set = sets.get(key);
    if (!set) {
      set = { files: [], store: new SwappableStore() };
      try {
        set.files = readPolicyFiles(files);
        set.engine = buildEngine(set.files, setup, clock, set.store);
        // the set's files together: a policy's imports and a base's extensions may be in other files
        if (wantCoverage) set.prepared = preparePolicies(set.files, setup);
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        set.error = e;
      }
      sets.set(key, set);
    }
    return set;
  };

  const coverage = wantCoverage ? new CoverageCollector(setup.registry) : undefined;
  const results: SuiteResult[] = [];
  const loadErrors = new Map<CliError, true>();
  const noPolicies = new Map<Suite, CliError>();
  const selected = suites.map((s) => s.cases.filter((c) => !filter || filter(`${s.name} ${c.name}`)));
  const total = selected.reduce((n, cs) => n + cs.length, 0);
  if (filter && total === 0) throw usage(`no test case matches \`--filter ${String(values.filter)}\``, testCommand);
  const showProgress = io.errTTY && !json && total >= 20;
  let done = 0;
  let lastDraw = 0;
  const draw = () => {
    const now = Date.now();
    if (!showProgress || (now - lastDraw < 50 && done < total)) return;
    lastDraw = now;
    const width = 30;
    const filled = Math.round((done / total) * width);
    io.progress(`${io.ce.dim('[')}${'='.repeat(filled)}${' '.repeat(width - filled)}${io.ce.dim(']')} ${done}/${total} cases`);
  };

  suites.forEach((suite, si) => {
    const started = performance.now();
    const sr: SuiteResult = { file: suite.file, name: suite.name, cases: [], durationMs: 0 };
    for (const tc of selected[si]!) {
      const t0 = performance.now();
      const cr = runCase(suite, tc);
      cr.durationMs = performance.now() - t0;
      sr.cases.push(cr);
      done++;
      draw();
    }
    sr.durationMs = performance.now() - started;
    if (sr.cases.length) results.push(sr);
  });
  io.progress(undefined);

  function runCase(suite: Suite, tc: TestCase): CaseResult {
    const base: CaseResult = { name: tc.name, line: tc.line, status: 'passed', durationMs: 0, failures: [] };
    if (tc.skip) return { ...base, status: 'skipped' };
    const paths = tc.policies ?? suite.policies;
    const set = paths ? policySet(paths, suite.dir) : cliPolicies.length ? policySet(cliPolicies, process.cwd()) : undefined;
    if (!set) {
      let err = noPolicies.get(suite);
      if (!err) {
        const message = `no policies for suite \`${suite.name}\``;
        err = new CliError(message, [
          {
            code: 'test_file',
            message,
            file: suite.file,
            line: suite.line,
            column: 1,
            hint: 'add `policies: [<file or directory>]` to the suite, or pass `-p <path>`',
          },
        ]);
        noPolicies.set(suite, err);
      }
      loadErrors.set(err, true);
      return { ...base, status: 'error', failures: [{ field: 'policies', message: err.message }] };
    }
    if (set.error || !set.engine) {
      const err = set.error!;
      loadErrors.set(err, true);
      return {
        ...base,
        status: 'error',
        failures: [{ field: 'policies', message: err.issues.length ? `cannot load the policies (${err.message})` : err.message }],
      };
    }
    let input: unknown = tc.input;
    if (tc.inputFile !== undefined) {
      try {
        const abs = resolve(suite.dir, tc.inputFile);
        input = parseData(readText(abs), display(abs));
      } catch (e) {
        if (!(e instanceof CliError)) throw e;
        loadErrors.set(e, true);
        return { ...base, status: 'error', failures: [{ field: 'inputFile', message: e.message }] };
      }
    }
    const when = tc.now ?? suite.now;
    caseNow = when !== undefined ? parseTime(when) : Date.now();
    set.store.current = storeWith([...(suite.state ?? []), ...(tc.state ?? [])], caseNow);
    // The decision as the host gets it (rule index and all); the explained one, which the
    // engine keeps equal to it, for coverage and for the trace of a failure.
    const d = set.engine.evaluate(input);
    if (coverage && set.prepared) coverage.record(set.prepared, set.engine.evaluate(input, { explain: true }), input, caseNow, set.store);
    const failures = compare(tc.expect, d);
    if (failures.length === 0) return base;
    const explained = set.engine.evaluate(input, { explain: true });
    return { ...base, status: 'failed', failures, details: `decision:\n${formatDecision(d)}\ntrace:\n${formatTrace(explained.trace!)}` };
  }

  const all = results.flatMap((s) => s.cases);
  const passed = all.filter((c) => c.status === 'passed').length;
  const failed = all.filter((c) => c.status === 'failed' || c.status === 'error').length;
  const skipped = all.filter((c) => c.status === 'skipped').length;
  const report = coverage?.report();
  const belowThreshold = report !== undefined && threshold !== undefined && report.percent < threshold;

  if (values.junit !== undefined) {
    const target = resolve(values.junit as string);
    try {
      writeFileSync(target, junit(results));
    } catch (e) {
      throw new CliError(`cannot write \`${display(target)}\`: ${(e as Error).message}`);
    }
  }

  if (json) {
    io.out(
      JSON.stringify(
        {
          ok: failed === 0 && loadErrors.size === 0 && !belowThreshold,
          passed,
          failed,
          skipped,
          suites: results.map((s) => ({
            ...s,
            durationMs: round(s.durationMs),
            cases: s.cases.map((c) => ({ ...c, durationMs: round(c.durationMs) })),
          })),
          ...(report ? { coverage: { ...report, threshold: threshold ?? null } } : {}),
          issues: [...loadErrors.keys()].flatMap((e) => errorJson(e).issues),
        },
        (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v),
        2,
      ),
    );
  } else {
    printText(io, results, verbose);
    if (loadErrors.size) {
      for (const e of loadErrors.keys()) {
        io.err('');
        reportError(io, e);
      }
    }
    if (report) io.out(`\n${formatCoverage(report, io.c, verbose)}`);
    if (belowThreshold) io.out(`\n${io.c.red('coverage')} ${report!.percent.toFixed(1)}% is below the threshold of ${threshold}%`);
    if (skipped) io.out(`\n${skipped} skipped`);
    io.out(`${skipped ? '' : '\n'}${passed} passed, ${failed} failed`);
  }
  if (loadErrors.size) return EXIT.error;
  return failed > 0 || belowThreshold ? EXIT.failed : EXIT.ok;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

function printText(io: Io, results: SuiteResult[], verbose: boolean): void {
  const c = io.c;
  for (const s of results) {
    const p = s.cases.filter((x) => x.status === 'passed').length;
    const f = s.cases.filter((x) => x.status === 'failed' || x.status === 'error').length;
    const sk = s.cases.filter((x) => x.status === 'skipped').length;
    const counts = [`${p} passed`, ...(f ? [c.red(`${f} failed`)] : []), ...(sk ? [`${sk} skipped`] : [])].join(', ');
    const base = s.file.split(/[\\/]/).pop() ?? '';
    const name = s.name === base || s.name === base.replace(/\.[^.]+$/, '') ? '' : ` ${c.dim(`(${s.name})`)}`;
    io.out(`${f ? c.red('✗') : c.green('✓')} ${s.file}${name}: ${counts}`);
    for (const cr of s.cases) {
      if (cr.status === 'passed') {
        if (verbose) io.out(`  ${c.green('✓')} ${cr.name}`);
        continue;
      }
      if (cr.status === 'skipped') {
        if (verbose) io.out(`  ${c.yellow('-')} ${cr.name} ${c.dim('(skipped)')}`);
        continue;
      }
      io.out(`  ${c.red('✗')} ${c.bold(cr.name)} ${c.dim(`(${s.file}:${cr.line})`)}`);
      const width = Math.max(...cr.failures.map((x) => x.field.length));
      for (const x of cr.failures) io.out(`      ${x.field.padEnd(width)}  ${x.message}`);
      if (cr.details)
        io.out(
          c.dim(
            cr.details
              .split('\n')
              .map((l) => `      ${l}`)
              .join('\n'),
          ),
        );
    }
  }
}

// ------------------------------------------------------------------ expectations

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint') return Number(a) === Number(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

const list = (xs: string[]) => (xs.length ? xs.join(', ') : '(none)');
const q = (s: string) => `\`${s}\``;

/** What differs between the expectation and the decision; empty when the case passes. */
export function compare(exp: Expectation, d: Decision): Failure[] {
  const out: Failure[] = [];
  const matched = d.matched.map((m) => `${m.policy}/${m.rule}`);
  if (exp.effect !== undefined && exp.effect !== d.effect) {
    out.push({ field: 'effect', message: `expected ${exp.effect}, got ${d.effect}`, expected: exp.effect, actual: d.effect });
  }
  if (exp.rules !== undefined) {
    if (exp.rules.length === 0 && d.matched.length > 0) {
      out.push({ field: 'rules', message: `expected no rule to match, matched: ${list(matched.map(q))}`, expected: [], actual: matched });
    }
    const missing = exp.rules.filter((id) => !d.matched.some((m) => ruleMatches(m, id)));
    if (missing.length) {
      out.push({
        field: 'rules',
        message: `expected ${list(missing.map(q))} to match, matched: ${list(matched.map(q))}`,
        expected: exp.rules,
        actual: matched,
      });
    }
  }
  if (exp.notRules !== undefined) {
    const hit = exp.notRules.filter((id) => d.matched.some((m) => ruleMatches(m, id)));
    if (hit.length)
      out.push({
        field: 'notRules',
        message: `expected ${list(hit.map(q))} not to match, but ${hit.length === 1 ? 'it' : 'they'} did`,
        expected: exp.notRules,
        actual: matched,
      });
  }
  if (exp.reasons !== undefined) {
    const got = d.reasons.map((r) => JSON.stringify(r));
    if (exp.reasons.length === 0 && d.reasons.length > 0)
      out.push({ field: 'reasons', message: `expected no reasons, got ${list(got)}`, expected: [], actual: d.reasons });
    const missing = exp.reasons.filter((r) => !d.reasons.includes(r));
    if (missing.length)
      out.push({
        field: 'reasons',
        message: `missing ${list(missing.map((r) => JSON.stringify(r)))}; got ${list(got)}`,
        expected: exp.reasons,
        actual: d.reasons,
      });
  }
  if (exp.obligations !== undefined) {
    const got = d.obligations.map(show);
    if (exp.obligations.length === 0 && d.obligations.length > 0)
      out.push({ field: 'obligations', message: `expected none, got ${list(got)}`, expected: [], actual: d.obligations });
    const missing = exp.obligations.filter((o) => !d.obligations.some((x) => deepEqual(x, o)));
    if (missing.length)
      out.push({
        field: 'obligations',
        message: `missing ${list(missing.map(show))}; got ${list(got)}`,
        expected: exp.obligations,
        actual: d.obligations,
      });
  }
  if (exp.errors !== undefined) {
    const codes = d.errors.map((e) => e.code);
    const got = d.errors.map((e) => `${e.code} (${e.policy}${e.rule ? `/${e.rule}` : ''}: ${e.message})`);
    if (exp.errors.length === 0 && codes.length > 0)
      out.push({ field: 'errors', message: `expected no evaluation errors, got ${list(got)}`, expected: [], actual: codes });
    const missing = exp.errors.filter((c) => !codes.includes(c));
    if (missing.length)
      out.push({ field: 'errors', message: `missing ${list(missing.map(q))}; got ${list(got)}`, expected: exp.errors, actual: codes });
  }
  return out;
}
