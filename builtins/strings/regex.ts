// `regex.*`: RE2 regular expressions beyond `matches`. regex.replace, regex.extract and
// regex.extractAll follow CEL's regex extension (cel-go ext/regex.go, cel-java
// CelRegexExtensions); regex.find, regex.findAll and regex.matches (with flags) are ours.
//
// Every pattern compiles through builtins/regex (RE2 semantics, so matching is linear in
// the input: no backtracking, no catastrophic patterns), cached; a constant pattern is
// compiled once at load by `specialize`, and an invalid one is a load error there.
//
// Match iteration follows Go's regexp (what cel-go uses): an empty match right after the
// previous match is skipped, so `regex.findAll('baaac', 'a*')` is ['', 'aaa', ''], not
// JavaScript's ['', 'aaa', '', ''].
//
// CEL's regex.extract returns optional(string); this engine has no optional values, so it
// returns '' when there is no match (use `matches` first when '' is a possible match).

import { kindMatches, type FunctionDecl, type OverloadDecl } from '../../src/lang/library.js';
import { EvaluationError } from '../../src/lang/library.js';
import { kindOf, noOverload } from '../../src/lang/library.js';
import { compileRegex, type CompiledRegex, type RegexMatch } from '../regex/index.js';

function invalid(message: string): EvaluationError {
  return new EvaluationError('invalid_argument', message);
}

/** Count/limit argument: negative means no limit. */
function limitOf(n: bigint): number {
  return n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(n);
}

/** Non-overlapping matches left to right, Go's way (see the header), at most `limit`. */
export function goMatches(re: CompiledRegex, s: string, limit = Infinity): RegexMatch[] {
  if (limit <= 0) return [];
  // Each skipped empty match follows an accepted one, so 2 * limit + 1 raw matches suffice.
  const raw = re.matchAll(s, limit === Infinity ? Infinity : 2 * limit + 1);
  const out: RegexMatch[] = [];
  let prevEnd = -1;
  for (const m of raw) {
    const skip = m.index === m.end && m.index === prevEnd;
    prevEnd = m.end;
    if (skip) continue;
    out.push(m);
    if (out.length >= limit) break;
  }
  return out;
}

function checkString(fn: string, args: unknown[]): void {
  for (const a of args) if (typeof a !== 'string') throw noOverload(fn, args);
}

// ------------------------------------------------------------------ find, findAll

function find(re: CompiledRegex, s: string): string {
  return re.exec(s)?.groups[0] ?? '';
}

function findAll(re: CompiledRegex, s: string, limit = Infinity): string[] {
  return goMatches(re, s, limit).map((m) => m.groups[0]!);
}

// ------------------------------------------------------------------ replace

/** A parsed replacement: literal text and group numbers. */
type Template = (string | number)[];

/**
 * CEL's regex.replace replacement syntax: `\1`..`\9` insert a capture group (`\0` the whole
 * match), `\\` a backslash; any other backslash is an error, as is a group the pattern does
 * not have (checked when the group count is known).
 */
export function parseTemplate(rep: string, groups: number | undefined): Template {
  const out: Template = [];
  let text = '';
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i]!;
    if (c !== '\\') {
      text += c;
      continue;
    }
    if (i + 1 >= rep.length) throw invalid(`invalid replacement string \`${rep}\`: \\ not allowed at the end`);
    const d = rep[++i]!;
    if (d === '\\') {
      text += '\\';
      continue;
    }
    if (d < '0' || d > '9') {
      throw invalid(`invalid replacement string \`${rep}\`: \\ must be followed by a digit or another \\`);
    }
    const g = d.charCodeAt(0) - 48;
    if (groups !== undefined && g > groups) {
      throw invalid(
        `replacement string \`${rep}\` references group ${g} but the pattern has only ${groups} group${groups === 1 ? '' : 's'}`,
      );
    }
    if (text) out.push(text);
    text = '';
    out.push(g);
  }
  if (text) out.push(text);
  return out;
}

function expand(t: Template, m: RegexMatch, rep: string): string {
  let out = '';
  for (const p of t) {
    if (typeof p === 'string') out += p;
    else {
      if (p >= m.groups.length) {
        throw invalid(`replacement string \`${rep}\` references group ${p} but the pattern has only ${m.groups.length - 1}`);
      }
      out += m.groups[p] ?? '';
    }
  }
  return out;
}

function replace(re: CompiledRegex, s: string, t: Template, rep: string, count = Infinity): string {
  const ms = goMatches(re, s, count);
  if (ms.length === 0) return s;
  let out = '';
  let last = 0;
  for (const m of ms) {
    out += s.slice(last, m.index) + expand(t, m, rep);
    last = m.end;
  }
  return out + s.slice(last);
}

// ------------------------------------------------------------------ extract, extractAll

function checkExtractGroups(fn: string, re: CompiledRegex, groups: number | undefined): void {
  if (groups !== undefined && groups > 1) {
    throw invalid(`regular expression \`${re.source}\` has ${groups} capturing groups; ${fn} takes a pattern with at most one`);
  }
}

function extract(re: CompiledRegex, s: string): string {
  checkExtractGroups('regex.extract', re, re.groupCount);
  const m = re.exec(s);
  if (m === null) return '';
  checkExtractGroups('regex.extract', re, m.groups.length - 1);
  return (m.groups.length > 1 ? m.groups[1] : m.groups[0]) ?? '';
}

function extractAll(re: CompiledRegex, s: string): string[] {
  checkExtractGroups('regex.extractAll', re, re.groupCount);
  const out: string[] = [];
  for (const m of goMatches(re, s)) {
    checkExtractGroups('regex.extractAll', re, m.groups.length - 1);
    if (m.groups.length === 1) out.push(m.groups[0]!);
    else if (m.groups[1] !== undefined) out.push(m.groups[1]);
  }
  return out;
}

// ------------------------------------------------------------------ matches with flags

/** Compiles a pattern with regex.matches flags: i (ignore case), m (multi-line ^ $), s (. matches \n). */
function compileWithFlags(pattern: string, flags: string): CompiledRegex {
  let inline = '';
  for (const f of flags) {
    if (f !== 'i' && f !== 'm' && f !== 's') throw invalid(`unknown regex flag \`${f}\`: the flags are i, m and s`);
    if (f !== 'i' && !inline.includes(f)) inline += f;
  }
  return compileRegex(inline ? `(?${inline})${pattern}` : pattern, { ignoreCase: flags.includes('i') });
}

// ------------------------------------------------------------------ declarations

/**
 * An overload whose pattern is argument 1: `run(re, s, ...rest)`. A constant pattern is
 * compiled at load (`prepare` may check more); otherwise per call, through the cache.
 */
function patternOverload(
  fn: string,
  id: string,
  params: string[],
  result: string,
  // biome-ignore lint/suspicious/noExplicitAny: implementations declare their own parameter types; `unknown[]` would reject them (parameters are contravariant)
  run: (re: CompiledRegex, s: string, ...rest: any[]) => unknown,
  prepare?: (re: CompiledRegex) => void,
): OverloadDecl {
  return {
    id,
    params,
    result,
    impl: (s: string, pattern: string, ...rest: unknown[]) => run(compileRegex(pattern), s, ...rest),
    specialize: (constArgs: unknown[]) => {
      const pattern = constArgs[1];
      if (typeof pattern !== 'string') return undefined;
      const re = compileRegex(pattern);
      prepare?.(re);
      return (...args: unknown[]) => {
        // The specialized call skips the dispatcher's kind test: check the kinds here.
        for (let i = 0; i < params.length; i++) if (!kindMatches(params[i]!, kindOf(args[i]))) throw noOverload(fn, args);
        return run(re, args[0] as string, ...args.slice(2));
      };
    },
  };
}

export const findDecl: FunctionDecl = {
  name: 'regex.find',
  category: 'regex',
  description: 'The leftmost match of an RE2 pattern in the string, or an empty string when there is none',
  purity: 'pure',
  overloads: [patternOverload('regex.find', 'regex_find_string_string', ['string', 'string'], 'string', find)],
  examples: [
    { expr: "regex.find('order #12345 shipped', '[0-9]+')", result: '12345' },
    { expr: "regex.find('no digits', '[0-9]+')", result: '' },
    { expr: "regex.find('key=sk-abc123', 'sk-[a-z0-9]+')", result: 'sk-abc123' },
  ],
};

export const findAllDecl: FunctionDecl = {
  name: 'regex.findAll',
  category: 'regex',
  description: 'Every non-overlapping match of an RE2 pattern, left to right; an optional limit caps the count (negative means no limit)',
  purity: 'pure',
  overloads: [
    patternOverload('regex.findAll', 'regex_find_all_string_string', ['string', 'string'], 'list(string)', (re, s) => findAll(re, s)),
    patternOverload('regex.findAll', 'regex_find_all_string_string_int', ['string', 'string', 'int'], 'list(string)', (re, s, n: bigint) =>
      findAll(re, s, limitOf(n)),
    ),
  ],
  examples: [
    { expr: "regex.findAll('a1 b22 c333', '[0-9]+')", result: ['1', '22', '333'] },
    { expr: "regex.findAll('a1 b22 c333', '[0-9]+', 2)", result: ['1', '22'] },
    { expr: "regex.findAll('none', '[0-9]+')", result: [] },
    { expr: "regex.findAll('baaac', 'a*')", result: ['', 'aaa', ''] },
  ],
};

/** regex.replace: a constant replacement is parsed (and checked against a constant pattern) at load. */
function replaceOverload(withCount: boolean) {
  const run = (re: CompiledRegex, s: string, rep: string, n?: bigint) =>
    replace(re, s, parseTemplate(rep, re.groupCount), rep, n === undefined ? Infinity : limitOf(n));
  return {
    impl: (s: string, pattern: string, rep: string, n?: bigint) => run(compileRegex(pattern), s, rep, n),
    specialize: (constArgs: unknown[]) => {
      const pattern = constArgs[1];
      const rep = constArgs[2];
      const re = typeof pattern === 'string' ? compileRegex(pattern) : undefined;
      const t = typeof rep === 'string' ? parseTemplate(rep, re?.groupCount) : undefined;
      if (re === undefined && t === undefined) return undefined;
      return (s: unknown, p: unknown, r: unknown, n?: unknown) => {
        checkString('regex.replace', [s, p, r]);
        if (withCount && typeof n !== 'bigint') throw noOverload('regex.replace', [s, p, r, n]);
        const rx = re ?? compileRegex(p as string);
        const tt = t ?? parseTemplate(r as string, rx.groupCount);
        return replace(rx, s as string, tt, r as string, n === undefined ? Infinity : limitOf(n as bigint));
      };
    },
  };
}

export const replaceDecl: FunctionDecl = {
  name: 'regex.replace',
  category: 'regex',
  description:
    'Replaces matches of an RE2 pattern (all, or at most the optional count; negative means all); in the replacement `\\1` to `\\9` insert a group, `\\0` the whole match, `\\\\` a backslash',
  purity: 'pure',
  overloads: [
    { id: 'regex_replace_string_string_string', params: ['string', 'string', 'string'], result: 'string', ...replaceOverload(false) },
    {
      id: 'regex_replace_string_string_string_int',
      params: ['string', 'string', 'string', 'int'],
      result: 'string',
      ...replaceOverload(true),
    },
  ],
  examples: [
    { expr: "regex.replace('hello world hello', 'hello', 'hi')", result: 'hi world hi' },
    { expr: "regex.replace('banana', 'a', 'x', 2)", result: 'bxnxna' },
    { expr: "regex.replace('foo bar', '(fo)o (ba)r', '\\\\2 \\\\1')", result: 'ba fo' },
    { expr: "regex.replace('card 4111-1111-1111-1111', '[0-9]{4}-', '****-')", result: 'card ****-****-****-1111' },
    { expr: "regex.replace('x', 'x', rep)", result: { error: 'invalid_argument' }, bindings: { rep: '\\2' } },
  ],
};

export const extractDecl: FunctionDecl = {
  name: 'regex.extract',
  category: 'regex',
  description:
    "The first match's capture group (or the whole match if the pattern has no group); '' when nothing matches (CEL returns an optional); a pattern with two or more groups is an error",
  purity: 'pure',
  overloads: [
    patternOverload('regex.extract', 'regex_extract_string_string', ['string', 'string'], 'string', extract, (re) =>
      checkExtractGroups('regex.extract', re, re.groupCount),
    ),
  ],
  examples: [
    { expr: "regex.extract('hello world', 'hello(.*)')", result: ' world' },
    { expr: "regex.extract('item-A, item-B', 'item-(\\\\w+)')", result: 'A' },
    { expr: "regex.extract('HELLO', 'hello')", result: '' },
    { expr: "regex.extract('user@example.com', p)", result: { error: 'invalid_argument' }, bindings: { p: '(.*)@(.*)' } },
  ],
};

export const extractAllDecl: FunctionDecl = {
  name: 'regex.extractAll',
  category: 'regex',
  description:
    "Every match's capture group (or whole match if the pattern has no group), left to right; groups that took no part are skipped; two or more groups is an error",
  purity: 'pure',
  overloads: [
    patternOverload('regex.extractAll', 'regex_extract_all_string_string', ['string', 'string'], 'list(string)', extractAll, (re) =>
      checkExtractGroups('regex.extractAll', re, re.groupCount),
    ),
  ],
  examples: [
    { expr: "regex.extractAll('id:123, id:456', 'id:\\\\d+')", result: ['id:123', 'id:456'] },
    { expr: "regex.extractAll('id:123, id:456', 'id:(\\\\d+)')", result: ['123', '456'] },
    { expr: "regex.extractAll('id:123, id:456', 'assa')", result: [] },
  ],
};

export const matchesDecl: FunctionDecl = {
  name: 'regex.matches',
  category: 'regex',
  description:
    'Like matches, with flags: i ignores case (Unicode simple folding), m makes ^ and $ match at line breaks, s lets . match a newline; an empty string means no flags',
  purity: 'pure',
  overloads: [
    {
      id: 'regex_matches_string_string_string',
      params: ['string', 'string', 'string'],
      result: 'bool',
      impl: (s: string, pattern: string, flags: string) => compileWithFlags(pattern, flags).test(s),
      specialize: (constArgs) => {
        const [, pattern, flags] = constArgs;
        if (typeof pattern !== 'string' || typeof flags !== 'string') return undefined;
        const re = compileWithFlags(pattern, flags);
        return (s: unknown, p: unknown, f: unknown) => {
          checkString('regex.matches', [s, p, f]);
          return re.test(s as string);
        };
      },
    },
  ],
  examples: [
    { expr: "regex.matches('Ignore Previous Instructions', 'ignore previous', 'i')", result: true },
    { expr: "regex.matches('Ignore Previous Instructions', 'ignore previous', '')", result: false },
    { expr: "regex.matches('line one\\nline two', '^line two$', 'm')", result: true },
    { expr: "regex.matches('a\\nb', 'a.b', 's')", result: true },
    { expr: "regex.matches('x', 'x', flags)", result: { error: 'invalid_argument' }, bindings: { flags: 'g' } },
  ],
};

export const regexFunctions: FunctionDecl[] = [findDecl, findAllDecl, replaceDecl, extractDecl, extractAllDecl, matchesDecl];
