// Replayed diffs: the same inputs decided by two policy sets (before and after a change),
// counted per effect transition (allow → deny, ...) and per rule, with a few examples each.
// `llm-policy diff` prints it; `diffPolicies` is the same for a host's own tests and scripts.
//
// Runtime-neutral, and like the rest of this entry it imports no engine code: the caller
// brings the two engines (anything with `evaluate`). `parseReplay` reads the inputs from JSON
// Lines or from an audit log written by the FileAuditSink.

import type { Decision, Effect } from '../decide/engine.js';
import { canonicalJson } from '../util/canonical.js';
import type { DecisionSource, FixedClock } from './index.js';

/** What one rule did for one input: matched with an effect, failed, or neither. */
export type RuleOutcome = Effect | 'error' | 'none';

export interface DiffExample {
  /** Position of the input in the replay (0-based). */
  index: number;
  /** Where the input came from (`file:line`), when known. */
  origin?: string;
  input: unknown;
  from: { effect: Effect; reasons: string[] };
  to: { effect: Effect; reasons: string[] };
}

export interface EffectTransition {
  from: Effect;
  to: Effect;
  count: number;
  /** The first few inputs that made this transition (`examples`, default 3). */
  examples: DiffExample[];
}

export interface RuleTransition {
  from: RuleOutcome;
  to: RuleOutcome;
  count: number;
  examples: DiffExample[];
}

export interface RuleDiff {
  /** `policy/rule`, or `namespace/policy/rule` outside the default namespace. */
  rule: string;
  /** Inputs for which this rule's outcome changed. */
  changed: number;
  transitions: RuleTransition[];
}

/** An input that could not be replayed (a bad JSON line), or an engine that threw. */
export interface DiffError {
  message: string;
  /** `file:line`, when the input came from a file. */
  origin?: string;
  file?: string;
  line?: number;
  column?: number;
  index?: number;
}

export interface PolicyDiff {
  /** Inputs replayed through both sets. */
  inputs: number;
  /** Inputs whose effect, or some rule's outcome, differs. */
  changed: number;
  /** Effect transitions that happened, largest first (unchanged effects are not listed). */
  effects: EffectTransition[];
  /** Rules whose outcome changed for some input, most changes first. */
  rules: RuleDiff[];
  /** Audit records that could not be replayed because they hold no input (see parseReplay). */
  skipped: number;
  errors: DiffError[];
}

export interface DiffOptions {
  /** The policies before the change: an engine, or anything that decides like one. */
  from: DecisionSource;
  /** The policies after the change. */
  to: DecisionSource;
  inputs: Iterable<unknown>;
  /** Where each input came from (`file:line`), shown with examples. */
  origins?: readonly (string | undefined)[];
  /** When each input was decided (epoch ms), to replay it at that time on `clock`. */
  times?: readonly (number | undefined)[];
  /** The clock both engines were made with (`fixedClock`): moved to each input's time. */
  clock?: FixedClock;
  /** Examples kept per transition. Default 3. */
  examples?: number;
  /** Problems found while reading the inputs (parseReplay's), carried into the result. */
  errors?: readonly DiffError[];
  /** Records skipped while reading the inputs (parseReplay's). */
  skipped?: number;
}

function ruleName(namespace: string, policy: string, rule: string | undefined): string {
  return `${namespace === 'default' ? '' : `${namespace}/`}${policy}/${rule ?? '*'}`;
}

/** Each rule's outcome in a decision: `error` when it failed, else its effect when it matched. */
function outcomes(d: Decision): Map<string, RuleOutcome> {
  const out = new Map<string, RuleOutcome>();
  for (const m of d.matched) out.set(ruleName(m.namespace, m.policy, m.rule), m.effect);
  for (const e of d.errors) {
    if (e.rule === undefined || e.policy === '') continue; // the decision's own (a limit): its effect says it
    // errors name the policy by key (`namespace/name`)
    const slash = e.policy.indexOf('/');
    const name = slash < 0 ? ruleName('default', e.policy, e.rule) : ruleName(e.policy.slice(0, slash), e.policy.slice(slash + 1), e.rule);
    out.set(name, 'error'); // a failed rule with `onError: deny` is also in `matched`
  }
  return out;
}

/**
 * Decides every input with both policy sets and counts what changed: per effect transition
 * and per rule, with up to `examples` inputs each. An engine that throws is an error of the
 * result, not of the call.
 */
export function diffPolicies(options: DiffOptions): PolicyDiff {
  const { from, to, origins, times, clock } = options;
  const keep = options.examples ?? 3;
  const effects = new Map<string, EffectTransition>();
  const rules = new Map<string, { changed: number; transitions: Map<string, RuleTransition> }>();
  const errors: DiffError[] = [...(options.errors ?? [])];
  let n = 0;
  let changed = 0;
  let index = -1;
  for (const input of options.inputs) {
    index++;
    const origin = origins?.[index];
    const time = times?.[index];
    if (clock && time !== undefined) clock.set(time);
    let a: Decision;
    let b: Decision;
    try {
      a = from.evaluate(input);
      b = to.evaluate(input);
    } catch (e) {
      errors.push({ message: `deciding failed: ${e instanceof Error ? e.message : String(e)}`, index, ...(origin ? { origin } : {}) });
      continue;
    }
    n++;
    let example: DiffExample | undefined;
    const ex = (): DiffExample =>
      (example ??= {
        index,
        ...(origin ? { origin } : {}),
        input,
        from: { effect: a.effect, reasons: a.reasons },
        to: { effect: b.effect, reasons: b.reasons },
      });
    let differs = false;
    if (a.effect !== b.effect) {
      differs = true;
      const k = `${a.effect}>${b.effect}`;
      let t = effects.get(k);
      if (!t) effects.set(k, (t = { from: a.effect, to: b.effect, count: 0, examples: [] }));
      t.count++;
      if (t.examples.length < keep) t.examples.push(ex());
    }
    const oa = outcomes(a);
    const ob = outcomes(b);
    for (const name of new Set([...oa.keys(), ...ob.keys()])) {
      const x = oa.get(name) ?? 'none';
      const y = ob.get(name) ?? 'none';
      if (x === y) continue;
      differs = true;
      let r = rules.get(name);
      if (!r) rules.set(name, (r = { changed: 0, transitions: new Map() }));
      r.changed++;
      const k = `${x}>${y}`;
      let t = r.transitions.get(k);
      if (!t) r.transitions.set(k, (t = { from: x, to: y, count: 0, examples: [] }));
      t.count++;
      if (t.examples.length < keep) t.examples.push(ex());
    }
    if (differs) changed++;
  }
  const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
  return {
    inputs: n,
    changed,
    effects: [...effects.values()].sort(byCount),
    rules: [...rules]
      .map(([rule, r]) => ({ rule, changed: r.changed, transitions: [...r.transitions.values()].sort(byCount) }))
      .sort((a, b) => b.changed - a.changed || (a.rule < b.rule ? -1 : 1)),
    skipped: options.skipped ?? 0,
    errors,
  };
}

// ------------------------------------------------------------------ reading inputs

export interface ReplayInputs {
  inputs: unknown[];
  origins: string[];
  /** The decision time of each audit record (undefined for plain inputs). */
  times: (number | undefined)[];
  /** What the file turned out to be. */
  kind: 'inputs' | 'audit';
  /** Decision records without an `input` (the engine ran without `audit.includeInput`). */
  skipped: number;
  /** Lines that are not JSON, with file, line and column. */
  errors: DiffError[];
}

function isAuditRecord(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return r.v === 1 && (r.kind === 'decision' || r.kind === 'usage') && typeof r.id === 'string' && typeof r.seq === 'number';
}

/**
 * The inputs of a file for `diffPolicies`: JSON Lines of inputs (blank lines and `//` lines
 * ignored), a JSON array of inputs, or an audit log of the FileAuditSink (recognised by its
 * first record). From an audit log, each decision record's `input` is replayed at its `time`;
 * records hold an input only when the engine ran with `audit.includeInput`, and then the
 * redacted copy (`[REDACTED]` in place of redacted values). Usage records are ignored.
 */
export function parseReplay(text: string, file: string): ReplayInputs {
  const out: ReplayInputs = { inputs: [], origins: [], times: [], kind: 'inputs', skipped: 0, errors: [] };
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const arr = JSON.parse(trimmed) as unknown;
      if (Array.isArray(arr)) {
        out.inputs = arr;
        out.origins = arr.map((_, i) => `${file}[${i}]`);
        out.times = arr.map(() => undefined);
        return out;
      }
    } catch {
      // JSON Lines after all, which reports the line
    }
  }
  let line = 0;
  let decided = false;
  for (const raw of text.split('\n')) {
    line++;
    const t = raw.trim();
    if (t === '' || t.startsWith('//')) continue;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0]!;
      const at = /position (\d+)/.exec(msg);
      const column = (at ? Number(at[1]) : 0) + (raw.length - raw.trimStart().length) + 1;
      out.errors.push({
        message: `invalid JSON: ${msg.replace(/ in JSON at position \d+.*$/, '').replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase())}`,
        origin: `${file}:${line}`,
        file,
        line,
        column,
      });
      if (out.errors.length >= 20) break;
      continue;
    }
    if (!decided) {
      decided = true;
      if (isAuditRecord(v)) out.kind = 'audit';
    }
    if (out.kind === 'audit') {
      const r = v as Record<string, unknown>;
      if (!isAuditRecord(v)) {
        out.errors.push({ message: 'not an audit record, in an audit log', origin: `${file}:${line}`, file, line, column: 1 });
        continue;
      }
      if (r.kind !== 'decision') continue;
      if (!('input' in r)) {
        out.skipped++;
        continue;
      }
      out.inputs.push(r.input);
      out.times.push(typeof r.time === 'number' ? r.time : undefined);
    } else {
      out.inputs.push(v);
      out.times.push(undefined);
    }
    out.origins.push(`${file}:${line}`);
  }
  if (out.kind === 'audit' && out.inputs.length === 0 && out.skipped > 0)
    out.errors.push({
      message: `the audit log holds no inputs: its ${out.skipped} decision records were written without \`audit.includeInput\``,
      origin: file,
      file,
    });
  return out;
}

/** An input as one short line: canonical JSON, cut at `max` characters. */
function inputLine(input: unknown, max = 100): string {
  const s = canonicalJson(input);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Plain text of a diff, as `llm-policy diff` prints it. */
export function formatDiff(d: PolicyDiff): string {
  const lines: string[] = [];
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  lines.push(
    `${plural(d.inputs, 'input')} replayed: ${d.changed} changed, ${d.inputs - d.changed} unchanged` +
      (d.skipped ? ` (${plural(d.skipped, 'audit record')} without an input skipped)` : ''),
  );
  const example = (e: DiffExample, indent: string) => {
    lines.push(`${indent}${e.origin ?? `#${e.index + 1}`}  ${inputLine(e.input)}`);
    const why = (r: string[]) => (r.length ? `: ${r[0]}${r.length > 1 ? ` (+${r.length - 1})` : ''}` : '');
    lines.push(`${indent}  before ${e.from.effect}${why(e.from.reasons)}`);
    lines.push(`${indent}  after  ${e.to.effect}${why(e.to.reasons)}`);
  };
  if (d.effects.length) {
    lines.push('', 'effects:');
    for (const t of d.effects) {
      lines.push(`  ${t.from} → ${t.to}: ${t.count}`);
      for (const e of t.examples) example(e, '    ');
    }
  }
  if (d.rules.length) {
    lines.push('', 'rules:');
    for (const r of d.rules) {
      lines.push(`  ${r.rule}: ${r.transitions.map((t) => `${t.from} → ${t.to} ${t.count}`).join(', ')}`);
      for (const t of r.transitions) {
        if (r.transitions.length > 1) lines.push(`    ${t.from} → ${t.to}:`);
        for (const e of t.examples) example(e, r.transitions.length > 1 ? '      ' : '    ');
      }
    }
  }
  if (d.errors.length) {
    lines.push('', 'errors:');
    for (const e of d.errors) lines.push(`  ${e.origin ? `${e.origin}: ` : ''}${e.message}`);
  }
  return lines.join('\n');
}
