// Normalization for injection matching. One pass over the text builds three views, each with a
// map back to UTF-16 offsets of the original text:
//
//   folded   per code point: compatibility decomposition (NFKD) with combining marks removed,
//            lower case, Latin look-alikes folded (confusables.ts), invisible characters removed
//            (counted), white space collapsed (' ', '\n', or '\n\n' for a blank line). Keeps
//            punctuation: the delimiter checks read this view.
//   tokens   the words of `folded`, with leetspeak decoded towards the rule vocabulary
//            (`1gn0r3` -> `ignore`, `a11` -> `all`), in-word apostrophes dropped (`don't` ->
//            `dont`, `openai's` -> `openai`), and boundary tokens for sentence ends ('.'),
//            questions ('?') and colons (':'). The phrase rules read this view.
//   compact  the letters of every token run together, leetspeak decoded and `l` merged into `i`,
//            for the few strong phrases that attackers split (`ig nore`, `i.g.n.o.r.e`).
//
// Per-character flags record what was folded (a homoglyph, a character after an invisible one),
// so a phrase found through obfuscation adds its own signal.

import { isSpace } from '../../strings/text.js';
import { CONFUSABLES, EXPANSIONS, NATIVE_LETTERS, PUNCTUATION } from './confusables.js';

export const F_HOMOGLYPH = 1;
export const F_INVISIBLE = 2;
export const F_LEET = 4;
/** With F_HOMOGLYPH: one of confusables.ts's NATIVE_LETTERS. */
const F_NATIVE = 8;

export interface Folded {
  text: string;
  /** folded index -> original UTF-16 index of the character it came from. */
  map: Int32Array;
  flags: Uint8Array;
  /** Invisible characters between two Latin letters (zero-width space/joiners, word joiner, BOM...). */
  invisibleInWord: number;
  /** Bidirectional override/isolate controls. */
  bidi: number;
  /** Original offsets of the first and last counted invisible character (-1 if none). */
  invisibleStart: number;
  invisibleEnd: number;
  /** Text smuggled in Unicode tag characters (U+E0020-E007E), decoded to ASCII, with its span. */
  hidden: string;
  hiddenStart: number;
  hiddenEnd: number;
}

/** A string from UTF-16 units (a plain array: `apply` is much faster on one than on a typed array). */
function fromCodes(codes: number[], len: number): string {
  if (len <= 8192) return String.fromCharCode.apply(null, codes);
  let out = '';
  for (let k = 0; k < len; k += 8192) out += String.fromCharCode.apply(null, codes.slice(k, k + 8192));
  return out;
}

// ------------------------------------------------------------------ per-code-point folding

interface Fold {
  s: string;
  flag: number;
}

const foldCache = new Map<number, Fold>();
const FOLD_CACHE_MAX = 8192;

function isMark(c: number): boolean {
  return (
    (c >= 0x300 && c <= 0x36f) ||
    (c >= 0x1ab0 && c <= 0x1aff) ||
    (c >= 0x1dc0 && c <= 0x1dff) ||
    (c >= 0x20d0 && c <= 0x20ff) ||
    (c >= 0xfe20 && c <= 0xfe2f)
  );
}

function stripMarks(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) if (!isMark(s.charCodeAt(i))) out += s[i];
  return out;
}

function isAsciiLetter(s: string): boolean {
  if (s.length !== 1) return false;
  const c = s.charCodeAt(0);
  return c >= 97 && c <= 122;
}

function foldCodePoint(cp: number): Fold {
  const hit = foldCache.get(cp);
  if (hit) return hit;
  let f: Fold;
  const p = PUNCTUATION.get(cp);
  const c = CONFUSABLES.get(cp);
  const e = EXPANSIONS.get(cp);
  if (p !== undefined) f = { s: p, flag: 0 };
  else if (c !== undefined) f = { s: c, flag: NATIVE_LETTERS.has(cp) ? F_HOMOGLYPH | F_NATIVE : F_HOMOGLYPH };
  else if (e !== undefined) f = { s: e, flag: 0 };
  else {
    const ch = String.fromCodePoint(cp);
    const compat = stripMarks(ch.normalize('NFKD')).toLowerCase();
    let s = '';
    for (const x of compat) s += CONFUSABLES.get(x.codePointAt(0)!) ?? x;
    // A compatibility character that becomes one ASCII letter (full-width, mathematical,
    // circled letters) is a look-alike; an accented letter (canonical decomposition) is not.
    const canonical = stripMarks(ch.normalize('NFD')).toLowerCase();
    f = { s, flag: isAsciiLetter(s) && canonical !== s ? F_HOMOGLYPH : 0 };
  }
  if (foldCache.size >= FOLD_CACHE_MAX) foldCache.clear();
  foldCache.set(cp, f);
  return f;
}

/** 0: visible; 1: invisible, counted in a word; 2: invisible, not counted (joiners, selectors, soft hyphen); 3: bidi control. */
function invisibleKind(c: number): number {
  if (c < 0xad) return 0;
  if (c === 0xad) return 2; // soft hyphen: common in pasted web text
  if (c === 0x34f || c === 0x61c || c === 0x115f || c === 0x1160 || c === 0x17b4 || c === 0x17b5) return 1;
  if (c >= 0x180b && c <= 0x180d) return 2;
  if (c === 0x180e) return 1;
  if (c === 0x200b) return 1;
  if (c === 0x200c || c === 0x200d) return 1; // counted only between two Latin letters
  if (c === 0x200e || c === 0x200f) return 3;
  if (c >= 0x202a && c <= 0x202e) return 3;
  if (c >= 0x2060 && c <= 0x2064) return 1;
  if (c >= 0x2066 && c <= 0x2069) return 3;
  if (c >= 0x206a && c <= 0x206f) return 1;
  if (c === 0x3164 || c === 0xffa0) return 1;
  if (c >= 0xfe00 && c <= 0xfe0f) return 2; // variation selectors (emoji presentation)
  if (c === 0xfeff) return 1;
  if (c >= 0xfff9 && c <= 0xfffb) return 1;
  if (c >= 0x1bca0 && c <= 0x1bca3) return 1;
  if (c >= 0x1d173 && c <= 0x1d17a) return 1;
  if (c >= 0xe0100 && c <= 0xe01ef) return 2;
  return 0;
}

function isLatin(c: number): boolean {
  return c >= 97 && c <= 122;
}

/** Builds the folded view. */
export function fold(s: string): Folded {
  const n = s.length;
  let cap = n + 16;
  const buf: number[] = [];
  let map = new Int32Array(cap);
  let flags = new Uint8Array(cap);
  let len = 0;
  let invisibleInWord = 0;
  let bidi = 0;
  let invisibleStart = -1;
  let invisibleEnd = -1;
  let hidden = '';
  let hiddenStart = -1;
  let hiddenEnd = -1;
  // Pending white space: 0 none, 1 space, 2 newline, 3 blank line; and where it started.
  let ws = 0;
  let wsAt = 0;
  // Invisible characters seen since the last visible one.
  let pendingInvisible = 0;
  let pendingAt = -1;
  let lastCode = 0; // last emitted folded char code
  let afterFlag = false; // the black flag emoji, whose tag sequence spells a region (not smuggling)

  const grow = () => {
    cap *= 2;
    const m2 = new Int32Array(cap);
    m2.set(map);
    map = m2;
    const f2 = new Uint8Array(cap);
    f2.set(flags);
    flags = f2;
  };
  const emitCode = (c: number, at: number, flag: number) => {
    if (len >= cap) grow();
    buf.push(c);
    map[len] = at;
    flags[len] = flag;
    len++;
    lastCode = c;
  };
  const emit = (str: string, at: number, flag: number) => {
    for (let k = 0; k < str.length; k++) emitCode(str.charCodeAt(k), at, flag);
  };

  for (let i = 0; i < n; ) {
    let cp = s.charCodeAt(i);
    let width = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    const at = i;
    i += width;

    // ASCII fast path.
    if (cp < 0x80) {
      if (cp === 0x20 || cp === 0x09 || cp === 0x0b || cp === 0x0c) {
        if (ws === 0) wsAt = at;
        if (ws < 1) ws = 1;
        continue;
      }
      if (cp === 0x0a || cp === 0x0d) {
        if (ws === 0) wsAt = at;
        // CR LF is one line break.
        if (cp === 0x0d && i < n && s.charCodeAt(i) === 0x0a) continue;
        ws = ws >= 2 ? 3 : 2;
        continue;
      }
      const lc = cp >= 65 && cp <= 90 ? cp + 32 : cp;
      afterFlag = false;
      if (ws === 0 && pendingAt < 0) {
        // The common case: nothing pending, no flag.
        if (len >= cap) grow();
        buf.push(lc);
        map[len] = at;
        flags[len] = 0;
        len++;
        lastCode = lc;
        continue;
      }
      flush(cp);
      emitCode(lc, at, pendingFlag());
      continue;
    }
    // Tag characters: invisible ASCII. A region-flag emoji (U+1F3F4 + tags + U+E007F) is not smuggling.
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      if (!afterFlag && cp >= 0xe0020 && cp <= 0xe007e) {
        if (hiddenStart < 0) hiddenStart = at;
        hiddenEnd = at + width;
        if (hidden.length < 65536) hidden += String.fromCharCode(cp - 0xe0000);
      }
      continue;
    }
    afterFlag = cp === 0x1f3f4;
    if (isSpace(cp)) {
      if (ws === 0) wsAt = at;
      if (cp === 0x2028 || cp === 0x2029 || cp === 0x85) ws = ws >= 2 ? 3 : 2;
      else if (ws < 1) ws = 1;
      continue;
    }
    const inv = invisibleKind(cp);
    if (inv !== 0) {
      if (inv === 3) {
        bidi++;
        if (invisibleStart < 0) invisibleStart = at;
        invisibleEnd = at + width;
      } else if (inv === 1) {
        pendingInvisible++;
        if (pendingAt < 0) pendingAt = at;
      } else {
        // Uncounted, but a phrase split by it is still obfuscated.
        if (pendingAt < 0) pendingAt = at;
      }
      continue;
    }
    if (isMark(cp)) continue;
    const f = foldCodePoint(cp);
    if (f.s.length === 0) continue;
    flush(f.s.charCodeAt(0));
    emit(f.s, at, f.flag | pendingFlag());
  }
  const text = fromCodes(buf, len);

  return {
    text,
    map: map.subarray(0, len),
    flags: flags.subarray(0, len),
    invisibleInWord,
    bidi,
    invisibleStart,
    invisibleEnd,
    hidden,
    hiddenStart,
    hiddenEnd,
  };

  // Emits pending white space, and settles pending invisible characters against the next char.
  function flush(nextCode: number): void {
    if (ws !== 0) {
      if (len > 0) {
        if (ws === 1) emitCode(32, wsAt, 0);
        else {
          emitCode(10, wsAt, 0);
          if (ws === 3) emitCode(10, wsAt, 0);
        }
      }
      ws = 0;
      pendingInvisible = 0;
      pendingAt = -1;
      return;
    }
    if (pendingInvisible > 0 && isLatin(lastCode) && isLatin(nextCode | 0x20)) {
      invisibleInWord += pendingInvisible;
      if (invisibleStart < 0) invisibleStart = pendingAt;
      invisibleEnd = pendingAt + 1;
    }
  }

  function pendingFlag(): number {
    const had = pendingAt >= 0 && isLatin(lastCode);
    pendingInvisible = 0;
    pendingAt = -1;
    return had ? F_INVISIBLE : 0;
  }
}

// ------------------------------------------------------------------ tokens

export interface Tokens {
  /** Token strings: decoded words and boundary tokens ('.', '?', ':'). */
  words: string[];
  /** Folded-view offsets [start, end) of each token. */
  start: number[];
  end: number[];
  /** F_* flags of each token (union over its characters, plus F_LEET when leetspeak was decoded). */
  flags: number[];
  /** Tokens mixing look-alike and plain Latin letters, or made only of look-alikes and spelling a rule word. */
  homoglyphWords: number;
  homoglyphStart: number;
  homoglyphEnd: number;
}

function isWordCode(c: number): boolean {
  if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) return true;
  if (c < 0xc0) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false; // punctuation, symbols, arrows, math operators
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xd800 && c <= 0xdfff) return false; // emoji and other astral symbols (surrogates)
  if (c >= 0xfe30 && c <= 0xfe4f) return false;
  return true;
}

function isAlnum(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
}

/** Leet characters: the letters they may stand for (ambiguous ones list two). */
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'il',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '6': 'g',
  '@': 'a',
  $: 's',
  '|': 'il',
  '!': 'il',
  '+': 't',
};

/**
 * Decodes leetspeak in one raw token towards the vocabulary: the token itself if it is a rule
 * word, else the first reading (trying both `i` and `l` for `1`, `|`, `!`, at most 2^4
 * combinations) that is one; else the raw token.
 */
function isLeetCode(c: number): boolean {
  return (c >= 48 && c <= 57 && c !== 50) || c === 64 || c === 36 || c === 124 || c === 33 || c === 43;
}

function deleet(raw: string, vocab: Vocabulary): string {
  let hasLetter = false;
  let hasLeet = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 97 && c <= 122) hasLetter = true;
    else if (isLeetCode(c)) hasLeet = true;
  }
  // Numbers stay numbers; words without leet characters stay as they are.
  if (!hasLeet || !hasLetter || raw.length > 24 || vocab.has(raw)) return raw;
  const choices: string[] = [];
  let ambiguous = 0;
  for (const ch of raw) {
    const l = LEET[ch];
    if (l === undefined) choices.push(ch);
    else {
      choices.push(l);
      if (l.length > 1) ambiguous++;
    }
  }
  if (ambiguous > 4) return raw;
  const combos = 1 << ambiguous;
  for (let m = 0; m < combos; m++) {
    let out = '';
    let bit = 0;
    for (const c of choices) {
      if (c.length === 1) out += c;
      else out += c[(m >> bit++) & 1];
    }
    if (vocab.has(out)) return out;
  }
  return raw;
}

/** The words leetspeak decodes towards; asked only about leetspeak and look-alike tokens, so it may be built on first use. */
export interface Vocabulary {
  has(word: string): boolean;
}

export function tokenize(f: Folded, vocab: Vocabulary): Tokens {
  const t = f.text;
  const n = t.length;
  const words: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const flags: number[] = [];
  let homoglyphWords = 0;
  let homoglyphStart = -1;
  let homoglyphEnd = -1;

  const boundary = (b: string, at: number) => {
    const last = words.length - 1;
    if (last >= 0 && (words[last] === '.' || words[last] === '?' || words[last] === ':')) {
      if (b === '?') words[last] = '?';
      return;
    }
    if (last < 0) return;
    words.push(b);
    start.push(at);
    end.push(at + 1);
    flags.push(0);
  };

  let i = 0;
  while (i < n) {
    const c = t.charCodeAt(i);
    const word =
      isWordCode(c) || ((c === 64 || c === 36) && i + 1 < n && isAlnum(t.charCodeAt(i + 1)) && !(c === 36 && isDigit(t.charCodeAt(i + 1))));
    if (word) {
      const s0 = i;
      // The raw token is a slice of the text unless an apostrophe was dropped from its middle.
      let raw = '';
      let from = i;
      let fl = 0;
      let homo = 0;
      let native = 0;
      let plainLatin = 0;
      let stop = -1;
      let leetish = false;
      while (i < n) {
        const d = t.charCodeAt(i);
        if (d >= 97 && d <= 122) {
          const g = f.flags[i]!;
          fl |= g;
          if (g & F_HOMOGLYPH) homo++;
          else plainLatin++;
          if (g & F_NATIVE) native++;
          i++;
          continue;
        }
        if (isWordCode(d)) {
          const g = f.flags[i]!;
          fl |= g;
          if (g & F_HOMOGLYPH) homo++;
          if (g & F_NATIVE) native++;
          if (d < 128) leetish = true; // a digit
          i++;
          continue;
        }
        const next = i + 1 < n ? t.charCodeAt(i + 1) : 0;
        const prev = i > 0 ? t.charCodeAt(i - 1) : 0;
        // Leet symbols inside a word: @ $ anywhere next to a letter/digit; | ! + between two.
        if ((d === 64 || d === 36) && (isAlnum(next) || isAlnum(prev))) {
          fl |= f.flags[i]!;
          leetish = true;
          i++;
          continue;
        }
        if ((d === 124 || d === 33 || d === 43) && isAlnum(prev) && isAlnum(next)) {
          leetish = true;
          i++;
          continue;
        }
        // In-word apostrophe: dropped; a possessive 's goes with it.
        if (d === 39 && isAlnum(prev) && isAlnum(next)) {
          raw += t.slice(from, i);
          if (next === 115 && (i + 2 >= n || !isWordCode(t.charCodeAt(i + 2)))) {
            from = i;
            stop = i;
            i += 2;
            break;
          }
          i++;
          from = i;
          continue;
        }
        break;
      }
      raw += t.slice(from, stop >= 0 ? stop : i);
      const w = leetish ? deleet(raw, vocab) : raw;
      if (w !== raw) fl |= F_LEET;
      // A Turkish "talimatlarımı" mixes ı with plain letters as its language does; "ıgnore" is an English word in disguise.
      if (homo > 0 && ((homo > native && plainLatin > 0) || (w.length >= 4 && vocab.has(w)))) {
        homoglyphWords++;
        if (homoglyphStart < 0) homoglyphStart = f.map[s0]!;
        homoglyphEnd = f.map[i - 1]! + 1;
      }
      words.push(w);
      start.push(s0);
      end.push(i);
      flags.push(fl);
      continue;
    }
    // Punctuation and white space.
    const next = i + 1 < n ? t.charCodeAt(i + 1) : 32;
    const endish =
      next === 32 || next === 10 || next === 34 || next === 39 || next === 41 || next === 93 || next === 42 || next === 96 || i + 1 >= n;
    if (c === 46 || c === 33 || c === 59) {
      // . ! ; end a sentence when followed by white space, a quote or a bracket (not in "e.g" or "evil.com").
      if (endish) boundary('.', i);
    } else if (c === 63) {
      // A question mark ends a sentence, but not inside a regex or a URL: `(all )?previous`,
      // `(all\s+)?(previous|prior)`, `\?`, `/log?d=`. Its sentence would be cut in two there,
      // and the quote around the phrase missed.
      if (!inCode(i > 0 ? t.charCodeAt(i - 1) : 32, next)) boundary('?', i);
    } else if (c === 58) {
      if (endish) boundary(':', i);
    } else if (c === 10) {
      // A blank line, or a new line that starts a list item, a heading or a slash command, ends a sentence.
      if (next === 10 || next === 45 || next === 42 || next === 35 || next === 62 || next === 47 || next === 0x2022 || isDigit(next))
        boundary('.', i);
    }
    i++;
  }
  return { words, start, end, flags, homoglyphWords, homoglyphStart, homoglyphEnd };
}

/**
 * Whether a `?` between `prev` and `next` is code rather than punctuation: a regex quantifier or
 * group, an escaped `\?`, a URL's query. Text follows a question mark after a space, or in
 * Chinese and Japanese (any non-ASCII character) directly.
 */
export function inCode(prev: number, next: number): boolean {
  if (prev === 92) return true;
  if (next >= 128) return false;
  return (
    isAlnum(next) ||
    next === 40 ||
    next === 91 ||
    next === 92 ||
    next === 124 ||
    next === 61 ||
    next === 38 ||
    next === 41 ||
    next === 93 ||
    next === 123 ||
    next === 47 ||
    next === 58 ||
    next === 95
  );
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

// ------------------------------------------------------------------ compact view

const COMPACT: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '9': 'g',
  '6': 'g',
  '@': 'a',
  $: 's',
  '|': 'i',
  '!': 'i',
  '+': 't',
  l: 'i',
};

/** The compact form of a plain phrase, as the compact view reads text (letters only, leet decoded, `l` -> `i`). */
export function compactPhrase(p: string): string {
  let out = '';
  for (const ch of p.toLowerCase()) {
    const m = COMPACT[ch];
    if (m !== undefined) out += m;
    else if (ch >= 'a' && ch <= 'z') out += ch;
  }
  return out;
}

// Compact-view character codes: leet digits and symbols to letters, `l` to `i`, other letters
// kept, everything else (0) dropped.
export const COMPACT_CODE = new Uint8Array(128);
for (let c = 97; c <= 122; c++) COMPACT_CODE[c] = c;
for (const [k, v] of Object.entries(COMPACT)) COMPACT_CODE[k.charCodeAt(0)] = v.charCodeAt(0);
