// Regex dispatch: a pattern that a static check proves cannot make a backtracking engine do
// more than linear work runs on V8's own RegExp (compiled to machine code, several times
// faster than re2js on short texts); every other pattern runs on the RE2 engine. The syntax
// accepted and the results stay RE2's:
//  - every pattern is compiled by the RE2 engine first, so RE2 decides what is valid and how
//    an invalid pattern is reported;
//  - only a subset of the syntax is translated (literals, classes, the ASCII escapes \d \w \s
//    \b, groups, alternation, repetition), each construct to the JavaScript construct with
//    the same meaning (`.` excludes only \n, \s is RE2's five spaces, ...); anything else (flags,
//    Unicode classes, POSIX classes, octal) stays on RE2;
//  - a capture group inside a repetition stays on RE2 (JavaScript clears captures on each
//    iteration, RE2 keeps the last one), and so do a case-insensitive pattern (the case
//    folding of \w and \b differs) and a pattern that can match the empty string (V8 may
//    report an empty match inside a surrogate pair).
// test/builtins/regex-dispatch.test.ts checks both engines agree on random patterns and texts.
//
// The check (linearSafe) is conservative. Work per start position is bounded by the pattern
// when every repetition is bounded and the pattern's paths are few; an unbounded repetition
// is allowed only over a single character set C, at the top level of the pattern, where
//  - it is entered at the start of a run of C: the character before it cannot be in C (or it
//    begins the pattern, and `(?<![C])` keeps the search from starting inside a run: the
//    leftmost match never does), so each run is scanned from one entry only;
//  - backtracking into it is cheap: what follows has no unbounded repetition, or starts with
//    a character outside C (so the run is never given back), or is `x D+` at the end of the
//    pattern with x in C and not in D (the scans of D after each x are disjoint: an email's
//    domain).

import type { CompiledRegex, RegexEngine, RegexFlags, RegexMatch } from './index.js';

type Range = [lo: number, hi: number];

type Node =
  | { t: 'set'; ranges: Range[] }
  | { t: 'assert'; kind: '^' | '$' | '\\b' | '\\B' }
  | { t: 'group'; capture: boolean; body: Node }
  | { t: 'alt'; alts: Node[] }
  | { t: 'seq'; items: Node[] }
  | { t: 'rep'; body: Node; min: number; max: number; lazy: boolean };

const MAX_CP = 0x10ffff;
/** The most paths through the bounded parts of a pattern, per start position. */
const MAX_PATHS = 10_000;
const MAX_REPEAT = 1000;

// ------------------------------------------------------------------ character sets

function normalize(rs: Range[]): Range[] {
  const s = rs.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Range[] = [];
  for (const r of s) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function complement(rs: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [a, b] of normalize(rs)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

function disjoint(a: Range[], b: Range[]): boolean {
  for (const [x, y] of a) for (const [p, q] of b) if (x <= q && p <= y) return false;
  return true;
}

const DIGIT: Range[] = [[0x30, 0x39]];
const WORD: Range[] = normalize([
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
]);
const SPACE: Range[] = normalize([
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
]);
const ESCAPED: Record<string, number> = { n: 0x0a, t: 0x09, r: 0x0d, f: 0x0c, v: 0x0b, a: 0x07 };

// ------------------------------------------------------------------ parser (the translatable subset)

class Unsupported extends Error {}

/** Parses the subset of RE2 syntax this module translates; throws Unsupported for anything else. */
class Parser {
  private i = 0;
  private readonly cps: number[];
  groups = 0;

  constructor(source: string) {
    this.cps = Array.from(source, (c) => c.codePointAt(0)!);
  }

  parse(): Node {
    const n = this.alt();
    if (this.i < this.cps.length) throw new Unsupported();
    return n;
  }

  private peek(k = 0): number | undefined {
    return this.cps[this.i + k];
  }

  private eat(c: string): boolean {
    if (this.peek() === c.codePointAt(0)) {
      this.i++;
      return true;
    }
    return false;
  }

  private alt(): Node {
    const alts = [this.seq()];
    while (this.eat('|')) alts.push(this.seq());
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  private seq(): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === 0x7c /* | */ || c === 0x29 /* ) */) break;
      if (c === 0x5c && this.peek(1) === 0x51 /* \Q */) {
        this.i += 2;
        while (this.i < this.cps.length && !(this.peek() === 0x5c && this.peek(1) === 0x45)) items.push(this.single(this.cps[this.i++]!));
        if (this.i < this.cps.length) this.i += 2;
        continue;
      }
      items.push(this.repeat(this.atom()));
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  }

  private repeat(body: Node): Node {
    let min: number;
    let max: number;
    const c = this.peek();
    if (c === 0x2a /* * */) [min, max] = [0, Infinity];
    else if (c === 0x2b /* + */) [min, max] = [1, Infinity];
    else if (c === 0x3f /* ? */) [min, max] = [0, 1];
    else if (c === 0x7b /* { */) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(String.fromCodePoint(...this.cps.slice(this.i, this.i + 12)));
      if (!m) throw new Unsupported(); // RE2 reads `{` that starts no repetition as a literal
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (min > MAX_REPEAT || (max !== Infinity && (max > MAX_REPEAT || max < min))) throw new Unsupported();
      this.i += m[0].length - 1;
    } else return body;
    this.i++;
    const lazy = this.eat('?');
    if (body.t === 'assert') throw new Unsupported();
    const next = this.peek();
    if (next === 0x2a || next === 0x2b || next === 0x3f || next === 0x7b) throw new Unsupported();
    return { t: 'rep', body, min, max, lazy };
  }

  private atom(): Node {
    const c = this.cps[this.i++]!;
    switch (c) {
      case 0x28 /* ( */:
        {
          let capture = true;
          if (this.eat('?')) {
            if (this.eat(':')) capture = false;
            else {
              // (?P<name>...) and (?<name>...): a numbered group to JavaScript (names are not used)
              this.eat('P');
              if (!this.eat('<')) throw new Unsupported(); // flags: (?i), (?s), ...
              while (this.peek() !== undefined && this.peek() !== 0x3e) this.i++;
              if (!this.eat('>')) throw new Unsupported();
            }
          }
          if (capture) this.groups++;
          const body = this.alt();
          if (!this.eat(')')) throw new Unsupported();
          return { t: 'group', capture, body };
        }
      case 0x5b /* [ */:
        return this.charClass();
      case 0x2e /* . */:
        return { t: 'set', ranges: complement([[0x0a, 0x0a]]) };
      case 0x5e /* ^ */:
        return { t: 'assert', kind: '^' };
      case 0x24 /* $ */:
        return { t: 'assert', kind: '$' };
      case 0x5c /* \ */:
        return this.escape(false);
      case 0x29:
      case 0x2a:
      case 0x2b:
      case 0x3f:
      case 0x7b:
        throw new Unsupported();
      default:
        return this.single(c);
    }
  }

  private single(c: number): Node {
    return { t: 'set', ranges: [[c, c]] };
  }

  /** After a backslash; inClass: inside [...], where \b is not a boundary and \A \z do not exist. */
  private escape(inClass: boolean): Node {
    const c = this.cps[this.i++];
    if (c === undefined) throw new Unsupported();
    const ch = String.fromCodePoint(c);
    switch (ch) {
      case 'd':
        return { t: 'set', ranges: DIGIT };
      case 'D':
        return { t: 'set', ranges: complement(DIGIT) };
      case 'w':
        return { t: 'set', ranges: WORD };
      case 'W':
        return { t: 'set', ranges: complement(WORD) };
      case 's':
        return { t: 'set', ranges: SPACE };
      case 'S':
        return { t: 'set', ranges: complement(SPACE) };
      case 'b':
      case 'B':
        if (inClass) throw new Unsupported();
        return { t: 'assert', kind: ch === 'b' ? '\\b' : '\\B' };
      case 'A':
        if (inClass) throw new Unsupported();
        return { t: 'assert', kind: '^' };
      case 'z':
        if (inClass) throw new Unsupported();
        return { t: 'assert', kind: '$' };
      case 'x': {
        const rest = String.fromCodePoint(...this.cps.slice(this.i, this.i + 10));
        const m = /^\{([0-9A-Fa-f]{1,6})\}/.exec(rest) ?? /^([0-9A-Fa-f]{2})/.exec(rest);
        if (!m) throw new Unsupported();
        const v = Number.parseInt(m[1]!, 16);
        if (v > MAX_CP) throw new Unsupported();
        this.i += m[0].length;
        return this.single(v);
      }
    }
    if (ESCAPED[ch] !== undefined) return this.single(ESCAPED[ch]);
    // an escaped ASCII punctuation character is itself; RE2 rejects other escapes
    if (c < 0x80 && !/[0-9A-Za-z]/.test(ch)) return this.single(c);
    throw new Unsupported();
  }

  private charClass(): Node {
    const negate = this.eat('^');
    const ranges: Range[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new Unsupported();
      if (c === 0x5d /* ] */ && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === 0x5b && this.peek(1) === 0x3a) throw new Unsupported(); // [:alpha:]
      const lo = this.classAtom();
      if (this.peek() === 0x2d /* - */ && this.peek(1) !== 0x5d && this.peek(1) !== undefined) {
        if (lo.length !== 1 || lo[0]![0] !== lo[0]![1]) throw new Unsupported();
        this.i++;
        const hi = this.classAtom();
        if (hi.length !== 1 || hi[0]![0] !== hi[0]![1] || hi[0]![0] < lo[0]![0]) throw new Unsupported();
        ranges.push([lo[0]![0], hi[0]![0]]);
      } else ranges.push(...lo);
    }
    const set = normalize(ranges);
    return { t: 'set', ranges: negate ? complement(set) : set };
  }

  private classAtom(): Range[] {
    const c = this.cps[this.i++]!;
    if (c !== 0x5c) return [[c, c]];
    const n = this.escape(true);
    if (n.t !== 'set') throw new Unsupported();
    return n.ranges;
  }
}

// ------------------------------------------------------------------ the linear-time check

function hasUnbounded(n: Node): boolean {
  switch (n.t) {
    case 'rep':
      return n.max === Infinity || hasUnbounded(n.body);
    case 'group':
      return hasUnbounded(n.body);
    case 'alt':
      return n.alts.some(hasUnbounded);
    case 'seq':
      return n.items.some(hasUnbounded);
    default:
      return false;
  }
}

function hasCapture(n: Node): boolean {
  switch (n.t) {
    case 'group':
      return n.capture || hasCapture(n.body);
    case 'rep':
      return hasCapture(n.body);
    case 'alt':
      return n.alts.some(hasCapture);
    case 'seq':
      return n.items.some(hasCapture);
    default:
      return false;
  }
}

/** Paths a backtracking matcher may take through a bounded node, per start (saturating). */
function paths(n: Node): number {
  switch (n.t) {
    case 'set':
    case 'assert':
      return 1;
    case 'group':
      return paths(n.body);
    case 'alt':
      return Math.min(
        MAX_PATHS + 1,
        n.alts.reduce((s, a) => s + paths(a), 0),
      );
    case 'seq':
      return Math.min(
        MAX_PATHS + 1,
        n.items.reduce((s, a) => s * paths(a), 1),
      );
    case 'rep': {
      if (n.max === Infinity) return 1; // checked by the run rules
      const p = paths(n.body);
      let total = 0;
      for (let k = n.min; k <= n.max && total <= MAX_PATHS; k++) total += p ** k;
      return Math.min(MAX_PATHS + 1, total);
    }
  }
}

/** The top-level items, with groups that hold a sequence opened up (they do not change what is tried). */
function flatten(n: Node): Node[] {
  if (n.t === 'seq') return n.items.flatMap(flatten);
  if (n.t === 'group' && n.body.t !== 'alt') return flatten(n.body);
  return [n];
}

/** The single character set a node matches exactly once, if it is one. */
function setOf(n: Node): Range[] | undefined {
  if (n.t === 'set') return n.ranges;
  if (n.t === 'group' && !n.capture) return setOf(n.body);
  return undefined;
}

/** The set of an unbounded repetition over one character set. */
function runOf(n: Node): Range[] | undefined {
  return n.t === 'rep' && n.max === Infinity ? setOf(n.body) : undefined;
}

const consuming = (n: Node) => n.t !== 'assert';

/**
 * Whether a backtracking engine runs the pattern in time linear in the text (see the header),
 * and whether a leading `(?<![C])` must keep the search from starting inside a run.
 */
export function linearSafe(root: Node): { safe: boolean; lookbehind?: Range[] } {
  if (hasCapture(root) && repeatsCapture(root)) return { safe: false };
  // an empty match V8 may report inside a surrogate pair (`/\B/u` on 'a🐱' at 2), where RE2,
  // and the specification, step over the pair
  if (nullable(root) || repeatsEmpty(root)) return { safe: false };
  const items = flatten(root);
  if (paths({ t: 'seq', items: items.map((x) => (runOf(x) ? { t: 'assert', kind: '^' } : x)) }) > MAX_PATHS) return { safe: false };
  let lookbehind: Range[] | undefined;
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    const c = runOf(item);
    if (!c) {
      if (hasUnbounded(item)) return { safe: false };
      continue;
    }
    // entered at the start of a run of C
    const before = items.slice(0, k).filter(consuming);
    if (before.length === 0) {
      // `^C+`: anchored; `C+` first: the lookbehind (a match found starting inside a run could
      // start where the run does, so the leftmost one does); another assertion first: no
      const anchored =
        k > 0 && items.slice(0, k).every((x) => x.t === 'assert') && items.slice(0, k).some((x) => x.t === 'assert' && x.kind === '^');
      if (k === 0) lookbehind = c;
      else if (!anchored) return { safe: false };
    } else {
      const prev = before[before.length - 1]!;
      const p = setOf(prev) ?? (prev.t === 'rep' && prev.min >= 1 ? setOf(prev.body) : undefined);
      if (!p || !disjoint(p, c)) return { safe: false };
    }
    // backtracking into it is cheap
    const after = items.slice(k + 1);
    const next = after.filter(consuming);
    if (!next.some(hasUnbounded)) continue;
    const first = next[0]!;
    const f = setOf(first) ?? (first.t === 'rep' && first.min >= 1 ? setOf(first.body) : undefined);
    if (f && disjoint(f, c)) continue;
    const x = setOf(first);
    const d = next[1] && runOf(next[1]);
    if (x && d && next.length === 2 && disjoint(x, d) && after.slice(after.indexOf(next[1]!) + 1).every((n) => n.t === 'assert')) continue;
    return { safe: false };
  }
  return lookbehind ? { safe: true, lookbehind } : { safe: true };
}

/** Whether the node can match the empty string. */
function nullable(n: Node): boolean {
  switch (n.t) {
    case 'set':
      return false;
    case 'assert':
      return true;
    case 'group':
      return nullable(n.body);
    case 'alt':
      return n.alts.some(nullable);
    case 'seq':
      return n.items.every(nullable);
    case 'rep':
      return n.min === 0 || nullable(n.body);
  }
}

/** A repetition of something that can match the empty string (JavaScript and RE2 end such loops differently). */
function repeatsEmpty(n: Node): boolean {
  switch (n.t) {
    case 'rep':
      return nullable(n.body) || repeatsEmpty(n.body);
    case 'group':
      return repeatsEmpty(n.body);
    case 'alt':
      return n.alts.some(repeatsEmpty);
    case 'seq':
      return n.items.some(repeatsEmpty);
    default:
      return false;
  }
}

/** A capture group inside a repetition that may run more than once. */
function repeatsCapture(n: Node, inRep = false): boolean {
  switch (n.t) {
    case 'group':
      return (n.capture && inRep) || repeatsCapture(n.body, inRep);
    case 'rep':
      return repeatsCapture(n.body, inRep || n.max > 1);
    case 'alt':
      return n.alts.some((a) => repeatsCapture(a, inRep));
    case 'seq':
      return n.items.some((a) => repeatsCapture(a, inRep));
    default:
      return false;
  }
}

// ------------------------------------------------------------------ translation

const hex = (c: number) => `\\u{${c.toString(16)}}`;

function setSource(rs: Range[]): string {
  if (rs.length === 1 && rs[0]![0] === rs[0]![1]) return hex(rs[0]![0]);
  return `[${rs.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join('')}]`;
}

function emit(n: Node): string {
  switch (n.t) {
    case 'set':
      return setSource(n.ranges);
    case 'assert':
      return n.kind;
    case 'group':
      return `(${n.capture ? '' : '?:'}${emit(n.body)})`;
    case 'alt':
      return n.alts.map(emit).join('|');
    case 'seq':
      return n.items.map((x) => (x.t === 'alt' ? `(?:${emit(x)})` : emit(x))).join('');
    case 'rep': {
      const body = n.body.t === 'set' || n.body.t === 'group' ? emit(n.body) : `(?:${emit(n.body)})`;
      const q =
        n.max === Infinity
          ? n.min === 0
            ? '*'
            : n.min === 1
              ? '+'
              : `{${n.min},}`
          : n.min === 0 && n.max === 1
            ? '?'
            : n.min === n.max
              ? `{${n.min}}`
              : `{${n.min},${n.max}}`;
      return `${body}${q}${n.lazy ? '?' : ''}`;
    }
  }
}

/**
 * The JavaScript translation of an RE2 pattern, when it is in the translated subset and
 * linear-safe: `source` for a search, and `plain` without the leading lookbehind (for a
 * match that must start exactly where a previous one ended).
 */
export function translate(source: string): { source: string; plain: string; groups: number } | undefined {
  let root: Node;
  const p = new Parser(source);
  try {
    root = p.parse();
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
  const check = linearSafe(root);
  if (!check.safe) return undefined;
  const plain = emit(root.t === 'alt' ? { t: 'group', capture: false, body: root } : root);
  const lead = check.lookbehind ? `(?<!${setSource(check.lookbehind)})` : '';
  return { source: lead + plain, plain, groups: p.groups };
}

// ------------------------------------------------------------------ the engine

class JsRegex implements CompiledRegex {
  private readonly once: RegExp;
  private readonly global: RegExp;
  /** Without the lookbehind, sticky: a match right where the previous one ended. */
  private readonly sticky: RegExp | undefined;

  constructor(
    readonly source: string,
    t: { source: string; plain: string },
    readonly groupCount: number,
  ) {
    this.once = new RegExp(t.source, 'u');
    this.global = new RegExp(t.source, 'gu');
    this.sticky = t.source !== t.plain ? new RegExp(t.plain, 'uy') : undefined;
  }

  test(s: string): boolean {
    return this.once.test(s);
  }

  exec(s: string): RegexMatch | null {
    const m = this.once.exec(s);
    return m === null ? null : toMatch(m);
  }

  matchAll(s: string, limit = Number.POSITIVE_INFINITY): RegexMatch[] {
    const out: RegexMatch[] = [];
    let pos = 0;
    while (out.length < limit && pos <= s.length) {
      let m: RegExpExecArray | null = null;
      if (this.sticky !== undefined && pos > 0) {
        this.sticky.lastIndex = pos;
        m = this.sticky.exec(s);
      }
      if (m === null) {
        this.global.lastIndex = pos;
        m = this.global.exec(s);
      }
      if (m === null) break;
      out.push(toMatch(m));
      pos = m.index + m[0].length;
      // after an empty match, the next one starts a code point further
      if (m[0].length === 0) pos += (s.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1;
    }
    return out;
  }
}

function toMatch(m: RegExpExecArray): RegexMatch {
  return { index: m.index, end: m.index + m[0].length, groups: Array.from(m) };
}

/**
 * An engine that compiles every pattern with `re2` (which decides validity) and runs the
 * linear-safe ones on V8's RegExp, the rest on `re2`.
 */
export function dispatching(re2: RegexEngine): RegexEngine {
  return {
    name: re2.name,
    compile(source: string, flags?: RegexFlags): CompiledRegex {
      const compiled = re2.compile(source, flags);
      if (flags?.ignoreCase) return compiled;
      const t = translate(source);
      return t ? new JsRegex(source, t, compiled.groupCount ?? t.groups) : compiled;
    },
  };
}
