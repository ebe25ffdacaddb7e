// A deterministic corpus of texts for comparing exact tokenizers (bench/tokenizers.mjs and
// test/adapters/tokenizers.test.ts): prose, code, JSON, CJK, emoji (with ZWJ sequences, skin
// tones, flags), other scripts, long repeats, whitespace runs, digits, URLs, base64,
// special-token text and lone surrogates. The same seed gives the same texts on every machine.

/** mulberry32: a small seeded PRNG. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS =
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part policy engine token budget request model allow deny warn rule'.split(
    ' ',
  );
const CODE = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: source code as text, to count its tokens
  'const x = await fetch(`https://api.example.com/v1/items?id=${id}`);',
  'function add(a: number, b: number): number { return a + b; }',
  'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n',
  'SELECT id, name FROM users WHERE created_at > NOW() - INTERVAL 7 DAY ORDER BY id DESC;',
  'for (let i = 0; i < arr.length; i++) {\n\tif (arr[i] === null) continue;\n}',
  'import { PolicyEngine } from "llm-policy-engine";\nexport default new PolicyEngine();',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); return 0; }',
  '  - id: over-budget\n    when: budget.spent_usd + est > budget.limit_usd\n    effect: deny\n',
  'fn main() { let v: Vec<u8> = vec![1, 2, 3]; println!("{:?}", v); }',
  'camelCaseIdentifier snake_case_identifier SCREAMING_CASE kebab-case-id XMLHttpRequest',
];
const SCRIPTS = [
  [0x4e00, 0x9fff], // CJK ideographs
  [0x3040, 0x30ff], // kana
  [0xac00, 0xd7a3], // Hangul
  [0x0400, 0x04ff], // Cyrillic
  [0x0600, 0x06ff], // Arabic
  [0x0900, 0x097f], // Devanagari
  [0x0370, 0x03ff], // Greek
  [0x0e00, 0x0e7f], // Thai
];
const EMOJI = ['😀', '🎉', '👍🏽', '👩‍💻', '👨‍👩‍👧‍👦', '🇫🇷', '🇯🇵', '❤️', '🔥', '🤖', '🧑🏿‍🚀', '✅', '🏳️‍🌈', '😂😂😂'];
const SPECIAL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|fim_prefix|>', '<|endofprompt|>'];

/**
 * `n` texts (default 1,200). Each kind appears about equally often; lengths run from a few
 * characters to a few thousand. Runs without whitespace stay under 1,000 characters, where
 * js-tiktoken's quadratic merge is still fast enough to compare on every text.
 */
export function tokenCorpus(n = 1200, seed = 20261206) {
  const r = rng(seed);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = (a) => a[Math.floor(r() * a.length)];
  const words = (k) => Array.from({ length: k }, () => pick(WORDS)).join(' ');
  const script = (k) => {
    const [lo, hi] = pick(SCRIPTS);
    let s = '';
    for (let i = 0; i < k; i++) s += String.fromCodePoint(int(lo, hi)) + (r() < 0.15 ? ' ' : '');
    return s;
  };
  const kinds = [
    ['prose', () => `${words(int(3, 400))}.`.replace(/^./, (c) => c.toUpperCase())],
    ['code', () => Array.from({ length: int(1, 30) }, () => pick(CODE)).join(pick(['\n', '\n\n', ' ']))],
    [
      'json',
      () =>
        JSON.stringify(
          { id: int(0, 1e9), tags: words(int(1, 8)).split(' '), nested: { ok: r() < 0.5, n: r() * 1e6 } },
          null,
          pick([0, 2, 4]),
        ),
    ],
    ['cjk', () => script(int(1, 600))],
    ['emoji', () => Array.from({ length: int(1, 80) }, () => (r() < 0.6 ? pick(EMOJI) : pick(WORDS))).join(pick(['', ' ']))],
    ['repeat', () => pick(['a', 'ab', '=', '-', '.', 'ha', '0', 'xyz ', 'の', '😀', '\n', 'word ']).repeat(int(1, 900))],
    [
      'whitespace',
      () => Array.from({ length: int(1, 40) }, () => pick([' ', '  ', '\t', '\n', '\r\n', '    ', '\u00a0', words(1)])).join(''),
    ],
    ['digits', () => Array.from({ length: int(1, 30) }, () => String(int(0, 10 ** int(1, 15)))).join(pick([' ', ',', '', '.']))],
    [
      'url',
      () => `https://example.com/${words(int(1, 6)).replace(/ /g, '/')}?q=${int(0, 99999)}&lang=${pick(['en', 'fr', 'ja'])}#${pick(WORDS)}`,
    ],
    [
      'base64',
      () => {
        const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        let s = '';
        for (let i = int(4, 900); i > 0; i--) s += abc[int(0, 63)];
        return s;
      },
    ],
    ['special', () => `${words(int(1, 20))} ${pick(SPECIAL)} ${words(int(1, 20))}`],
    ['mixed', () => [words(int(1, 30)), script(int(1, 40)), pick(EMOJI), pick(CODE), String(int(0, 1e6))].sort(() => r() - 0.5).join(' ')],
    ['surrogates', () => `${words(int(1, 5))}\ud83d${words(int(1, 5))}\ude00 end`],
  ];
  const out = [];
  for (let i = 0; i < n; i++) {
    const [kind, make] = kinds[i % kinds.length];
    out.push({ kind, text: make() });
  }
  return out;
}
