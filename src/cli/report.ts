// Reports of `llm-policy test`: JUnit XML and the coverage summary.

import type { CoverageReport } from '../testing/coverage.js';
import type { Colors } from './io.js';

export interface CaseResult {
  name: string;
  line: number;
  status: 'passed' | 'failed' | 'error' | 'skipped';
  durationMs: number;
  failures: Failure[];
  /** Decision and trace text, for failures. */
  details?: string;
}

export interface Failure {
  field: string;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

export interface SuiteResult {
  file: string;
  name: string;
  cases: CaseResult[];
  durationMs: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 does not allow
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

function xml(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

/** JUnit XML (the dialect Jenkins, GitLab and GitHub reporters read). */
export function junit(suites: SuiteResult[]): string {
  const all = suites.flatMap((s) => s.cases);
  const count = (cs: CaseResult[], st: CaseResult['status']) => cs.filter((c) => c.status === st).length;
  const total = suites.reduce((s, x) => s + x.durationMs, 0);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="llm-policy" tests="${all.length}" failures="${count(all, 'failed')}" errors="${count(all, 'error')}" skipped="${count(all, 'skipped')}" time="${secs(total)}">`,
  );
  for (const s of suites) {
    out.push(
      `  <testsuite name="${xml(s.name)}" file="${xml(s.file)}" tests="${s.cases.length}" failures="${count(s.cases, 'failed')}" errors="${count(s.cases, 'error')}" skipped="${count(s.cases, 'skipped')}" time="${secs(s.durationMs)}">`,
    );
    for (const c of s.cases) {
      const open = `    <testcase name="${xml(c.name)}" classname="${xml(s.name)}" file="${xml(s.file)}" line="${c.line}" time="${secs(c.durationMs)}"`;
      if (c.status === 'passed') {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (c.status === 'skipped') out.push('      <skipped/>');
      else {
        const tag = c.status === 'error' ? 'error' : 'failure';
        const first = c.failures[0]?.message ?? c.status;
        const body = [...c.failures.map((f) => `${f.field}: ${f.message}`), ...(c.details ? ['', c.details] : [])].join('\n');
        out.push(`      <${tag} message="${xml(first)}" type="${tag === 'error' ? 'LoadError' : 'AssertionError'}">${xml(body)}</${tag}>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** What is missing for one coverage point, or undefined when it is covered. */
function missing(t: number, f: number, whenTrue: string, whenFalse: string): string | undefined {
  if (t > 0 && f > 0) return undefined;
  if (t === 0 && f === 0) return 'never evaluated';
  return t === 0 ? whenTrue : whenFalse;
}

function pct(p: number): string {
  return `${p.toFixed(1)}%`;
}

/** The coverage summary: a line per policy, then what was never exercised. */
export function formatCoverage(r: CoverageReport, c: Colors, verbose: boolean): string {
  const lines: string[] = [];
  const paint = (p: number, s: string) => (p >= 100 ? c.green(s) : p >= 80 ? c.yellow(s) : c.red(s));
  lines.push(`${c.bold('coverage:')} ${paint(r.percent, pct(r.percent))} (${r.covered}/${r.points} outcomes)`);
  let lastFile: string | undefined;
  for (const p of r.policies) {
    if (p.file !== lastFile) {
      lines.push(`  ${p.file ?? '<policies>'}`);
      lastFile = p.file;
    }
    lines.push(`    ${p.policy.padEnd(36)} ${paint(p.percent, pct(p.percent).padStart(6))} (${p.covered}/${p.points})`);
    const gaps: string[] = [];
    if (p.target) {
      const m = missing(p.target.true, p.target.false, 'never true', 'never false');
      if (m) gaps.push(`target (line ${p.target.line})  ${m}`);
      else if (verbose)
        lines.push(
          c.dim(`      target: true ${p.target.true}, false ${p.target.false}${p.target.error ? `, error ${p.target.error}` : ''}`),
        );
    }
    for (const rule of p.rules) {
      const m = rule.conditional
        ? missing(rule.true, rule.false, 'never true (never fired)', 'never false')
        : rule.evaluated
          ? undefined
          : 'never evaluated';
      if (m) gaps.push(`rule ${rule.rule} (line ${rule.line})  ${m}`);
      else if (verbose)
        lines.push(
          c.dim(
            `      rule ${rule.rule}: true ${rule.true}, false ${rule.false}${rule.error ? `, error ${rule.error}` : ''}, fired ${rule.fired}`,
          ),
        );
    }
    for (const b of p.branches) {
      const m =
        b.kind === '?:'
          ? missing(b.true, b.false, 'first branch never taken', 'second branch never taken')
          : missing(b.true, b.false, 'never true', 'never false');
      const where = `${b.in}, line ${b.line}:${b.column}`;
      if (m) gaps.push(`${b.kind === '?:' ? '?: on' : b.kind} ${b.expr} (${where})  ${m}`);
      else if (verbose)
        lines.push(c.dim(`      ${b.kind} ${b.expr} (${where}): true ${b.true}, false ${b.false}${b.error ? `, error ${b.error}` : ''}`));
    }
    for (const g of gaps) lines.push(`      ${c.red('✗')} ${g}`);
  }
  return lines.join('\n');
}
