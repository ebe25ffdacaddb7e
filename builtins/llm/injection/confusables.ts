// Latin look-alikes: characters from other scripts (and Latin letter variants without a
// compatibility decomposition) that render like a Latin letter, folded to that letter before
// matching. A subset of Unicode's confusables.txt (UTS #39) restricted to what maps to a-z:
// Cyrillic, Greek, Armenian and Cherokee look-alikes, small capitals, dotless i, and a few
// punctuation look-alikes. Full-width, mathematical and circled letters need no entry: their
// compatibility decomposition (NFKD) already gives the ASCII letter.

const PAIRS: [string, string][] = [
  // Cyrillic lower case
  ['а', 'a'],
  ['в', 'b'],
  ['с', 'c'],
  ['ԁ', 'd'],
  ['е', 'e'],
  ['ё', 'e'],
  ['һ', 'h'],
  ['і', 'i'],
  ['ї', 'i'],
  ['ј', 'j'],
  ['к', 'k'],
  ['ӏ', 'l'],
  ['м', 'm'],
  ['н', 'h'],
  ['о', 'o'],
  ['р', 'p'],
  ['ԛ', 'q'],
  ['г', 'r'],
  ['ѕ', 's'],
  ['т', 't'],
  ['у', 'y'],
  ['ү', 'y'],
  ['ԝ', 'w'],
  ['х', 'x'],
  ['ѵ', 'v'],
  ['ɡ', 'g'],
  ['ԍ', 'g'],
  ['ь', 'b'],
  ['п', 'n'],
  ['и', 'u'],
  // Cyrillic upper case (lower-cased before lookup, so these catch what toLowerCase leaves)
  ['А', 'a'],
  ['В', 'b'],
  ['С', 'c'],
  ['Е', 'e'],
  ['Н', 'h'],
  ['І', 'i'],
  ['Ј', 'j'],
  ['К', 'k'],
  ['М', 'm'],
  ['О', 'o'],
  ['Р', 'p'],
  ['Ѕ', 's'],
  ['Т', 't'],
  ['У', 'y'],
  ['Х', 'x'],
  ['Ԝ', 'w'],
  ['Ӏ', 'l'],
  // Greek
  ['α', 'a'],
  ['β', 'b'],
  ['ε', 'e'],
  ['η', 'n'],
  ['ι', 'i'],
  ['κ', 'k'],
  ['ν', 'v'],
  ['ο', 'o'],
  ['ρ', 'p'],
  ['τ', 't'],
  ['υ', 'u'],
  ['χ', 'x'],
  ['ω', 'w'],
  ['ϲ', 'c'],
  ['ϳ', 'j'],
  ['Α', 'a'],
  ['Β', 'b'],
  ['Ε', 'e'],
  ['Ζ', 'z'],
  ['Η', 'h'],
  ['Ι', 'i'],
  ['Κ', 'k'],
  ['Μ', 'm'],
  ['Ν', 'n'],
  ['Ο', 'o'],
  ['Ρ', 'p'],
  ['Τ', 't'],
  ['Υ', 'y'],
  ['Χ', 'x'],
  // Armenian
  ['օ', 'o'],
  ['ս', 'u'],
  ['ո', 'n'],
  ['հ', 'h'],
  ['ց', 'g'],
  ['զ', 'q'],
  // Latin small capitals and variants (no NFKD mapping)
  ['ᴀ', 'a'],
  ['ʙ', 'b'],
  ['ᴄ', 'c'],
  ['ᴅ', 'd'],
  ['ᴇ', 'e'],
  ['ꜰ', 'f'],
  ['ɢ', 'g'],
  ['ʜ', 'h'],
  ['ɪ', 'i'],
  ['ᴊ', 'j'],
  ['ᴋ', 'k'],
  ['ʟ', 'l'],
  ['ᴍ', 'm'],
  ['ɴ', 'n'],
  ['ᴏ', 'o'],
  ['ᴘ', 'p'],
  ['ǫ', 'q'],
  ['ʀ', 'r'],
  ['ꜱ', 's'],
  ['ᴛ', 't'],
  ['ᴜ', 'u'],
  ['ᴠ', 'v'],
  ['ᴡ', 'w'],
  ['ʏ', 'y'],
  ['ᴢ', 'z'],
  ['ı', 'i'],
  ['ȷ', 'j'],
  ['ł', 'l'],
  ['ø', 'o'],
  ['đ', 'd'],
  ['ħ', 'h'],
  ['ŧ', 't'],
  ['ƀ', 'b'],
  ['ɑ', 'a'],
  ['ɩ', 'i'],
  ['ʋ', 'u'],
  ['ɣ', 'y'],
  // Cherokee capitals that look Latin
  ['Ꭺ', 'a'],
  ['Ᏼ', 'b'],
  ['Ꮯ', 'c'],
  ['Ꭼ', 'e'],
  ['Ꮋ', 'h'],
  ['Ꭻ', 'j'],
  ['Ꮶ', 'k'],
  ['Ꮇ', 'm'],
  ['Ꮲ', 'p'],
  ['Ꮪ', 's'],
  ['Ꭲ', 't'],
  ['Ꮃ', 'w'],
];

/** Homoglyph code point -> Latin letter. */
export const CONFUSABLES: ReadonlyMap<number, string> = new Map(PAIRS.map(([k, v]) => [k.codePointAt(0)!, v]));

/**
 * The confusables that are letters of a Latin-script alphabet (Turkish ı, Polish ł, Danish and
 * Norwegian ø, đ, ħ, ŧ): a look-alike in an English word ("ıgnore"), not in a word of their own language.
 */
export const NATIVE_LETTERS: ReadonlySet<number> = new Set(['ı', 'ł', 'ø', 'đ', 'ħ', 'ŧ'].map((c) => c.codePointAt(0)!));

/** Letters that are not homoglyphs but fold to more than one letter. */
export const EXPANSIONS: ReadonlyMap<number, string> = new Map([
  [0xdf, 'ss'], // ß
  [0x1e9e, 'ss'], // ẞ
  [0xe6, 'ae'], // æ
  [0x153, 'oe'], // œ
  [0xfe, 'th'], // þ
]);

/** Punctuation look-alikes folded to their ASCII form (quotes, dashes, angle brackets, pipes). */
export const PUNCTUATION: ReadonlyMap<number, string> = new Map(
  (
    [
      ['\u2018', "'"],
      ['\u2019', "'"],
      ['\u201a', "'"],
      ['\u201b', "'"],
      ['\u2032', "'"],
      ['\u02bc', "'"],
      ['\u201c', '"'],
      ['\u201d', '"'],
      ['\u201e', '"'],
      ['\u00ab', '"'],
      ['\u00bb', '"'],
      ['\u2010', '-'],
      ['\u2011', '-'],
      ['\u2012', '-'],
      ['\u2013', '-'],
      ['\u2014', '-'],
      ['\u2212', '-'],
      ['\u2039', '<'],
      ['\u203a', '>'],
      ['\u27e8', '<'],
      ['\u27e9', '>'],
      ['\u2329', '<'],
      ['\u232a', '>'],
      ['\u2223', '|'],
      ['\u01c0', '|'],
      ['\u2502', '|'],
      ['\u00a6', '|'],
    ] as [string, string][]
  ).map(([k, v]) => [k.codePointAt(0)!, v]),
);
