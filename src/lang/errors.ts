// Errors. The core records raw offsets; line, column and the caret are computed only
// when an issue is reported against a source text (see SourceText).
//
// Message wording: lowercase, no final period, user input in backticks.

import { meter } from '../util/meter.js';

/** The closed set of load-time issue codes; docs/errors.md explains each and how to fix it. */
export const ISSUE_CODES = [
  'yaml_syntax',
  'schema',
  'duplicate_policy',
  'duplicate_rule',
  'duplicate_let',
  'syntax',
  'unknown_function',
  'unknown_variable',
  'unknown_field',
  'wrong_arity',
  'type_mismatch',
  'invalid_literal',
  'invalid_regex',
  'let_cycle',
  'limit_exceeded',
  'invalid_template',
  'invalid_option',
  'invalid_prebuilt',
  'needs_main_entry',
  'unknown_import',
  'import_cycle',
  'name_clash',
  'invalid_extends',
  'weakens_base',
  'signature_invalid',
] as const;
export type IssueCode = (typeof ISSUE_CODES)[number];

export interface Issue {
  code: IssueCode;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** Offset into the file (or expression) text; line and column are derived from it. */
  offset?: number;
  length?: number;
  /** Likely fix, when there is one. */
  hint?: string;
}

const POLICY_ERROR = Symbol.for('llm-policy-engine.PolicyError');
const EVALUATION_ERROR = Symbol.for('llm-policy-engine.EvaluationError');

/** Everything wrong with one load, reported together. */
export class PolicyError extends Error {
  readonly issues: Issue[];
  /** Source texts by file name, kept to print the offending lines. */
  private readonly sources: Map<string | undefined, string>;
  constructor(issues: Issue[], sources: Map<string | undefined, string> = new Map()) {
    super(summary(issues));
    this.name = 'PolicyError';
    this.issues = issues;
    this.sources = sources;
    Object.defineProperty(this, POLICY_ERROR, { value: true });
  }
  static override [Symbol.hasInstance](v: unknown): boolean {
    return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[POLICY_ERROR] === true;
  }
  /** Every issue with `file:line:column`, the source line and a caret under the culprit. */
  format(): string {
    return this.issues.map((i) => formatIssue(i, this.sources.get(i.file))).join('\n\n');
  }
}

function summary(issues: Issue[]): string {
  if (issues.length === 0) return 'policy error';
  const first = issues[0]!;
  const where = first.file !== undefined ? `${first.file}:${first.line ?? 1}:${first.column ?? 1}: ` : '';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${where}${first.message}${more}`;
}

export function formatIssue(issue: Issue, text?: string): string {
  const loc = issue.line !== undefined ? `${issue.file ?? '<input>'}:${issue.line}:${issue.column ?? 1}` : (issue.file ?? '<input>');
  let out = `${loc}: error[${issue.code}]: ${issue.message}`;
  if (text !== undefined && issue.line !== undefined) {
    const lineText = text.split(/\r?\n/)[issue.line - 1];
    if (lineText !== undefined) {
      const gutter = String(issue.line);
      const col = Math.max(1, issue.column ?? 1);
      const width = Math.max(1, Math.min(issue.length ?? 1, lineText.length - col + 1));
      out += `\n ${gutter} | ${lineText}\n ${' '.repeat(gutter.length)} | ${' '.repeat(col - 1)}${'^'.repeat(width)}`;
    }
  }
  if (issue.hint) out += `\n  hint: ${issue.hint}`;
  return out;
}

/** Line starts of a text, for offset -> line/column (1-based, columns in UTF-16 units). */
export class SourceText {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    meter.scanned += text.length;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** Runtime error codes (CEL's error conditions, plus the engine's limits). */
export const EVALUATION_ERROR_CODES = [
  'no_matching_overload',
  'no_such_field',
  'no_such_key',
  'unknown_variable',
  'index_out_of_bounds',
  'division_by_zero',
  'modulus_by_zero',
  'overflow',
  'invalid_argument',
  'limit_exceeded',
  'unsupported_value',
  'invalid_state',
  'unavailable',
  'internal',
] as const;
export type EvaluationErrorCode = (typeof EVALUATION_ERROR_CODES)[number];

export class EvaluationError extends Error {
  /** Offset of the failing sub-expression within the expression text, when known. */
  offset: number | undefined;
  constructor(
    readonly code: EvaluationErrorCode,
    message: string,
    offset?: number,
  ) {
    super(message);
    this.name = 'EvaluationError';
    this.offset = offset;
    Object.defineProperty(this, EVALUATION_ERROR, { value: true });
  }
  static override [Symbol.hasInstance](v: unknown): boolean {
    return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[EVALUATION_ERROR] === true;
  }
}

/** Turns anything thrown inside a builtin into an EvaluationError, keeping the first known position. */
export function toEvaluationError(e: unknown, offset?: number): EvaluationError {
  if (e instanceof EvaluationError) {
    if (e.offset === undefined) e.offset = offset;
    return e;
  }
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new EvaluationError('limit_exceeded', 'expression nesting too deep', offset);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new EvaluationError('internal', msg, offset);
}
