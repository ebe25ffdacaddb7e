// The native `re2` addon (Google RE2 through N-API) as a RegexEngine. It is an optional
// dependency: it compiles with node-gyp at install time, and where it is missing or cannot
// load (no compiler, an edge runtime) the engine keeps the pure-JS re2js. Both are RE2, so
// both run in linear time; the addon is faster on long texts.

import { createRequire } from 'node:module';
import { RegexSyntaxError, type CompiledRegex, type RegexEngine, type RegexFlags, type RegexMatch } from '../../../builtins/regex/index.js';

interface NativeRe2 {
  lastIndex: number;
  test(s: string): boolean;
  exec(s: string): RegExpExecArray | null;
}
type NativeRe2Ctor = new (source: string, flags?: string) => NativeRe2;

/** Loads the addon, or returns undefined (with the reason) when it is not installed or fails to load. */
export function loadNativeRe2(): { engine?: RegexEngine; reason?: string } {
  let RE2: NativeRe2Ctor;
  try {
    RE2 = createRequire(import.meta.url)('re2') as NativeRe2Ctor;
  } catch (e) {
    return { reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
  return { engine: nativeEngine(RE2) };
}

function nativeEngine(RE2: NativeRe2Ctor): RegexEngine {
  return {
    name: 're2',
    compile(source: string, flags?: RegexFlags): CompiledRegex {
      const f = flags?.ignoreCase ? 'iu' : 'u';
      let once: NativeRe2;
      let global: NativeRe2;
      try {
        once = new RE2(source, f);
        global = new RE2(source, `g${f}`);
      } catch (e) {
        throw new RegexSyntaxError(source, e instanceof Error ? e.message : String(e));
      }
      return {
        source,
        test: (s) => once.test(s),
        exec: (s) => {
          const m = once.exec(s);
          return m === null ? null : toMatch(m);
        },
        matchAll: (s, limit = Number.POSITIVE_INFINITY) => {
          const out: RegexMatch[] = [];
          global.lastIndex = 0;
          while (out.length < limit) {
            const m = global.exec(s);
            if (m === null) break;
            out.push(toMatch(m));
            if (m[0].length === 0) {
              // an empty match would be found again at the same place: step over one code point
              if (m.index >= s.length) break;
              global.lastIndex = m.index + (s.codePointAt(m.index)! > 0xffff ? 2 : 1);
            }
          }
          return out;
        },
      };
    },
  };
}

function toMatch(m: RegExpExecArray): RegexMatch {
  return { index: m.index, end: m.index + m[0].length, groups: Array.from(m) };
}
