// The `encoding` library: base64 and hex, JSON, hashes, IP addresses and CIDR ranges, URLs.
// Node's Buffer, JSON, crypto and net modules are the references, in this test only: the
// library itself is runtime-neutral.

import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  base64Decode,
  base64Encode,
  base64UrlDecode,
  base64UrlEncode,
  encodingLibrary,
  fnv1a32,
  hexDecode,
  hexEncode,
  jsonParse,
  jsonStringify,
  sha256,
} from '../../builtins/encoding/index.js';
import { cidrContains, formatIp, parseCidr, parseIp, tryParseIp } from '../../builtins/encoding/net.js';
import { stdLibrary } from '../../builtins/std/index.js';
import { parseDuration, parseTimestamp } from '../../builtins/std/time.js';
import { compileExpression } from '../../src/compile/expression.js';
import { EvaluationError, PolicyError } from '../../src/lang/errors.js';
import { Registry } from '../../src/lang/registry.js';
import { CelType, CelUint } from '../../src/lang/values.js';
import { fails } from './agree.js';

// The standard library and this one only, so that this file does not depend on the others.
const registry = new Registry([...stdLibrary, ...encodingLibrary]);

function run(expr: string, bindings: Record<string, unknown> = {}): unknown {
  return compileExpression(expr, { registry }).evaluate(bindings);
}

function loadFails(expr: string, message: RegExp): void {
  let thrown: unknown;
  try {
    compileExpression(expr, { registry });
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected \`${expr}\` to fail at load`).toBeInstanceOf(PolicyError);
  expect((thrown as PolicyError).issues[0]!.message).toMatch(message);
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytes = fc.uint8Array({ maxLength: 300 });

// ------------------------------------------------------------------ base64 and hex

describe('base64', () => {
  test('RFC 4648 test vectors, both ways', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, enc] of vectors) {
      expect(base64Encode(utf8(plain))).toBe(enc);
      expect(base64Decode(enc)).toEqual(utf8(plain));
      expect(base64Decode(enc.replace(/=+$/, ''))).toEqual(utf8(plain));
      expect(base64UrlEncode(utf8(plain))).toBe(enc.replace(/=+$/, ''));
    }
  });

  test('property: agrees with Buffer and round-trips, in both alphabets', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const std = base64Encode(b);
        const url = base64UrlEncode(b);
        expect(std).toBe(Buffer.from(b).toString('base64'));
        expect(url).toBe(Buffer.from(b).toString('base64url'));
        expect(base64Decode(std)).toEqual(b);
        expect(base64UrlDecode(url)).toEqual(b);
        expect(base64UrlDecode(url + '='.repeat((4 - (url.length % 4)) % 4))).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  test('property: decoding accepts exactly the canonical encodings (padded or not)', () => {
    const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 12 }), (s) => {
        let out: Uint8Array | undefined;
        try {
          out = base64Decode(s);
        } catch (e) {
          expect((e as EvaluationError).code).toBe('invalid_argument');
        }
        const canonical = (b: Uint8Array) => Buffer.from(b).toString('base64');
        if (out !== undefined) expect([canonical(out), canonical(out).replace(/=+$/, '')]).toContain(s);
        else {
          // Buffer is lenient; when it decodes, re-encoding must differ from s in some way.
          const lenient = Buffer.from(s, 'base64');
          expect([canonical(lenient), canonical(lenient).replace(/=+$/, '')]).not.toContain(s);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('strict decoding: clear errors', () => {
    fails(() => base64Decode('aGVs bG8='), 'invalid_argument', /invalid base64 `aGVs bG8=`: character not in the standard alphabet at 4/);
    fails(() => base64Decode('aGVsbG8=\n'), 'invalid_argument');
    fails(() => base64Decode('aGVsbG8-'), 'invalid_argument', /not in the standard alphabet/);
    fails(() => base64UrlDecode('aGVsbG8+'), 'invalid_argument', /not in the URL-safe alphabet/);
    fails(() => base64Decode('a'), 'invalid_argument', /wrong length/);
    fails(() => base64Decode('aGVsbG8=='), 'invalid_argument', /wrong padding/);
    fails(() => base64Decode('aGVsbA='), 'invalid_argument', /wrong padding/);
    fails(() => base64Decode('aG=sbG8='), 'invalid_argument', /padding inside the data at 2/);
    fails(() => base64Decode('===='), 'invalid_argument');
    fails(() => base64Decode('='), 'invalid_argument');
    fails(() => base64Decode('aGVsbG9='), 'invalid_argument', /non-zero trailing bits/);
    fails(() => base64Decode('aGVsbH=='), 'invalid_argument', /non-zero trailing bits/);
    fails(() => base64Decode('aGVsbG8é'), 'invalid_argument');
    fails(() => base64Decode('aGVsbG8\u{1F600}'), 'invalid_argument');
    expect(base64Decode('')).toEqual(new Uint8Array(0));
  });

  test('strings are encoded as UTF-8; large inputs', () => {
    expect(run("base64.encode('🎉')")).toBe(Buffer.from('🎉').toString('base64'));
    const big = new Uint8Array(3_000_001).map((_, i) => (i * 7919) & 255);
    const enc = base64Encode(big);
    expect(enc === Buffer.from(big).toString('base64')).toBe(true);
    expect(Buffer.compare(base64Decode(enc), big)).toBe(0);
  });

  test('through the engine, as cel-spec encoders_ext has it', () => {
    expect(run("base64.encode(b'hello')")).toBe('aGVsbG8=');
    expect(run("base64.decode('aGVsbG8=')")).toEqual(utf8('hello'));
    expect(run("base64.decode('aGVsbG8')")).toEqual(utf8('hello'));
    expect(run("base64.decode(base64.encode(b'Hello World!'))")).toEqual(utf8('Hello World!'));
    expect(run('base64.decodeUrl(base64.encodeUrl(x))', { x: 'a?b>c' })).toEqual(utf8('a?b>c'));
    fails(() => run('base64.decode(x)', { x: 'not base64!' }), 'invalid_argument');
    fails(() => run('base64.encode(x)', { x: 42 }), 'no_matching_overload');
  });
});

describe('hex', () => {
  test('property: agrees with Buffer, round-trips, either case decodes', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        const h = hexEncode(b);
        expect(h).toBe(Buffer.from(b).toString('hex'));
        expect(hexDecode(h)).toEqual(b);
        expect(hexDecode(h.toUpperCase())).toEqual(b);
      }),
    );
  });
  test('errors', () => {
    fails(() => hexDecode('abc'), 'invalid_argument', /invalid hex `abc`: odd length/);
    fails(() => hexDecode('0g'), 'invalid_argument', /not a hex digit at 1/);
    fails(() => hexDecode('g0'), 'invalid_argument', /not a hex digit at 0/);
    fails(() => hexDecode(' 0'), 'invalid_argument');
    expect(hexDecode('')).toEqual(new Uint8Array(0));
  });
});

// ------------------------------------------------------------------ JSON

/** A parsed value with its null-prototype objects turned into ordinary ones, for toEqual. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('json.parse', () => {
  test('values: objects with a null prototype, numbers as doubles', () => {
    const v = jsonParse('{"a": [1, 2.5, -0.5e2, true, false, null, "x"], "b": {}} ') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(null);
    expect(plain(v)).toEqual({ a: [1, 2.5, -50, true, false, null, 'x'], b: {} });
    expect(typeof (v.a as unknown[])[0]).toBe('number');
    expect(jsonParse('"\\u00e9\\n\\"\\\\\\/\\b\\f\\r\\t"')).toBe('é\n"\\/\b\f\r\t');
    expect(jsonParse('"\\ud83c\\udf89"')).toBe('🎉');
    expect(jsonParse('"\\ud800"')).toBe('\ud800');
    expect(jsonParse(' \t\r\n42 ')).toBe(42);
    expect(jsonParse('12345678901234567890')).toBe(12345678901234567000);
    expect(Object.is(jsonParse('-0'), -0)).toBe(true);
  });

  test('property: agrees with JSON.parse on what JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        expect(plain(jsonParse(text))).toEqual(JSON.parse(text));
        expect(plain(jsonParse(JSON.stringify(v, null, 2)))).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  // a number JSON.parse turns into Infinity (`1e400`, `4E684`) is an error for us
  const hasNonFinite = (v: unknown): boolean =>
    typeof v === 'number' ? !Number.isFinite(v) : typeof v === 'object' && v !== null && Object.values(v).some(hasNonFinite);
  test('property: rejects what JSON.parse rejects (and only that, duplicate keys and huge numbers aside)', () => {
    const unit = fc.constantFrom(
      ...'{}[]:,"\\ 0123456789.eE+-tfnulrsa\n\t\u00e9\u0001'.split(''),
      'true',
      'null',
      'false',
      '\\u00',
      '1e400',
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 16 }), (s) => {
        let ours: unknown;
        let ok = true;
        try {
          ours = jsonParse(s);
        } catch (e) {
          ok = false;
          expect(e).toBeInstanceOf(EvaluationError);
        }
        let theirs: unknown;
        let theirsOk = true;
        try {
          theirs = JSON.parse(s);
        } catch {
          theirsOk = false;
        }
        if (ok) expect(plain(ours)).toEqual(theirs);
        else if (theirsOk) expect(/"\s*:[\s\S]*"/.test(s) || hasNonFinite(theirs), s).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  test('syntax errors name the offset', () => {
    const bad: [string, RegExp][] = [
      ['', /offset 0: unexpected end of input/],
      ['[1,]', /offset 3: unexpected character `\]`/],
      ['{"a":1,}', /offset 7: expected a string key/],
      ["{'a':1}", /offset 1: expected a string key/],
      ['{"a" 1}', /offset 5: expected `:`/],
      ['[1 2]', /offset 3: expected `,` or `\]`/],
      ['01', /offset 1: unexpected data after the value/],
      ['1.', /offset 1: unexpected data/],
      ['.5', /unexpected character `\.`/],
      ['+1', /unexpected character `\+`/],
      ['NaN', /unexpected character `N`/],
      ['tru', /unexpected word/],
      ['"abc', /offset 0: unterminated string/],
      ['"a\nb"', /offset 2: control character/],
      ['"\\x41"', /offset 1: invalid escape/],
      ['"\\u12"', /invalid \\u escape/],
      ['\uFEFF{}', /unexpected character/],
      ['[1] [2]', /unexpected data after the value/],
      ['1e400', /number `1e400` is out of range/],
      ['{"a":1,"a":2}', /offset 7: duplicate key `a`/],
      ['{"__proto__":1,"__proto__":2}', /duplicate key `__proto__`/],
    ];
    for (const [s, msg] of bad) fails(() => jsonParse(s), 'invalid_argument', msg);
  });

  test('limits: 64 levels, 10,000,000 characters; deep input is an error, not a stack overflow', () => {
    expect(() => jsonParse('['.repeat(64) + ']'.repeat(64))).not.toThrow();
    expect(() => jsonParse(`${'{"a":'.repeat(64)}1${'}'.repeat(64)}`)).not.toThrow();
    fails(() => jsonParse('['.repeat(65) + ']'.repeat(65)), 'limit_exceeded', /deeper than 64 levels/);
    fails(() => jsonParse(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`), 'limit_exceeded');
    fails(() => jsonParse('['.repeat(1_000_000)), 'limit_exceeded');
    fails(() => jsonParse(' '.repeat(10_000_001)), 'limit_exceeded', /more than 10000000/);
    const big = JSON.stringify(Array.from({ length: 200_000 }, (_, i) => ({ id: i, name: `n${i}` })));
    expect((jsonParse(big) as unknown[]).length).toBe(200_000);
  });

  test('no prototype pollution: __proto__ and constructor are ordinary keys', () => {
    const v = jsonParse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(v, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(v)).toBe(null);
    expect(Object.keys(v)).toEqual(['__proto__', 'constructor']);
    expect(run("json.parse(s)['__proto__'].polluted", { s: '{"__proto__": {"polluted": true}}' })).toBe(true);
    expect(run("'__proto__' in json.parse(s)", { s: '{"__proto__": 1}' })).toBe(true);
    expect(run("'toString' in json.parse(s)", { s: '{}' })).toBe(false);
    expect(run('json.parse(s).size()', { s: '{"__proto__": 1, "constructor": 2}' })).toBe(2n);
    fails(() => run('json.parse(s).toString', { s: '{}' }), 'no_such_field');
    expect(run('json.stringify(json.parse(s))', { s: '{"__proto__":{"x":1}}' })).toBe('{"__proto__":{"x":1}}');
  });

  test('through the engine: maps, lists and doubles as CEL sees them', () => {
    const s = '{"user": {"tier": "pro", "tags": ["a", "b"]}, "n": 3}';
    expect(run("json.parse(s).user.tier == 'pro'", { s })).toBe(true);
    expect(run("'b' in json.parse(s).user.tags", { s })).toBe(true);
    expect(run('json.parse(s).n == 3', { s })).toBe(true);
    expect(run('type(json.parse(s).n) == double', { s })).toBe(true);
    expect(run('has(json.parse(s).user.tier)', { s })).toBe(true);
    expect(run('has(json.parse(s).user.plan)', { s })).toBe(false);
  });
});

describe('json.stringify', () => {
  test('canonical: sorted keys, no whitespace, numbers as JavaScript writes them', () => {
    const m = new Map<unknown, unknown>([
      ['b', 1n],
      ['a', [true, null, 1.5, 'x', -0, 1e21, 0.1]],
      ['é', 'é'],
      ['Z', new CelUint(18446744073709551615n)],
    ]);
    expect(jsonStringify(m)).toBe('{"Z":18446744073709551615,"a":[true,null,1.5,"x",0,1e+21,0.1],"b":1,"é":"é"}');
    // UTF-16 code unit order, as RFC 8785 (its section 3.2.3 example): U+1F600 is the surrogate
    // pair D83D DE00, so it sorts before U+FB33 although its code point is higher.
    expect(jsonStringify({ '\uFB33': 2, '\u{1F600}': 1, '\u20AC': 3 })).toBe('{"\u20AC":3,"\u{1F600}":1,"\uFB33":2}');
    expect(jsonStringify('a"\\\n\u0001\ud800')).toBe('"a\\"\\\\\\n\\u0001\\ud800"');
    expect(jsonStringify([])).toBe('[]');
    expect(jsonStringify(new Map())).toBe('{}');
  });

  test('CEL values without a JSON type', () => {
    expect(jsonStringify(utf8('hi'))).toBe('"aGk="');
    expect(jsonStringify(parseTimestamp('2026-01-05T10:00:00.5Z'))).toBe('"2026-01-05T10:00:00.500Z"'.replace('.500', '.5'));
    expect(jsonStringify(parseDuration('90m'))).toBe('"5400s"');
    expect(
      jsonStringify(
        new Map<unknown, unknown>([
          [1n, 'a'],
          [true, 'b'],
          [new CelUint(2n), 'c'],
        ]),
      ),
    ).toBe('{"1":"a","2":"c","true":"b"}');
  });

  test('errors', () => {
    fails(() => jsonStringify(NaN), 'invalid_argument', /cannot write NaN as JSON/);
    fails(() => jsonStringify([Infinity]), 'invalid_argument');
    fails(() => jsonStringify(CelType.of('int')), 'invalid_argument', /cannot write the type int/);
    fails(
      () =>
        jsonStringify(
          new Map<unknown, unknown>([
            [1n, 'a'],
            ['1', 'b'],
          ]),
        ),
      'invalid_argument',
      /same JSON key `1`/,
    );
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    fails(() => jsonStringify(cyclic), 'limit_exceeded');
    let deep: unknown = 1;
    for (let i = 0; i < 64; i++) deep = [deep];
    expect(() => jsonStringify(deep)).not.toThrow();
    fails(() => jsonStringify([deep]), 'limit_exceeded');
  });

  test('property: canonical output is stable and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const parsed = jsonParse(JSON.stringify(v));
        const once = jsonStringify(parsed);
        expect(plain(jsonParse(once))).toEqual(plain(parsed));
        expect(jsonStringify(jsonParse(once))).toBe(once);
        expect(once).not.toMatch(/\n/);
      }),
      { numRuns: 500 },
    );
  });
});

// ------------------------------------------------------------------ hashes

describe('hash.sha256', () => {
  const hex = (b: Uint8Array) => hexEncode(sha256(b));
  const node = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

  test('FIPS 180 test vectors', () => {
    expect(hex(utf8(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(utf8('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(
      hex(utf8('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu')),
    ).toBe('cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1');
    expect(hex(new Uint8Array(1_000_000).fill(0x61))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  test('property: agrees with node:crypto at every length around the block boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 31 + n) & 255);
      expect(hex(b), `length ${n}`).toBe(node(b));
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (b) => {
        expect(hex(b)).toBe(node(b));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(run('hash.sha256(s)', { s })).toBe(node(s));
      }),
      { numRuns: 200 },
    );
  });

  test('1 MB of random bytes, and strings as UTF-8', () => {
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (Math.imul(i, 2654435761) >>> 24) & 255;
    expect(hex(big)).toBe(node(big));
    expect(run("hash.sha256('héllo 🎉') == hash.sha256(b'h\\xc3\\xa9llo \\xf0\\x9f\\x8e\\x89')")).toBe(true);
  });
});

describe('hash.fnv1a32', () => {
  test('reference vectors (FNV-1a 32-bit)', () => {
    expect(fnv1a32(utf8(''))).toBe(0x811c9dc5);
    expect(fnv1a32(utf8('a'))).toBe(0xe40c292c);
    expect(fnv1a32(utf8('foobar'))).toBe(0xbf9cf968);
    expect(run("hash.fnv1a32('foobar')")).toBe(0xbf9cf968n);
    expect(run("hash.fnv1a32(b'foobar') == hash.fnv1a32('foobar')")).toBe(true);
  });
});

// ------------------------------------------------------------------ IP addresses

describe('net: addresses', () => {
  test('canonical forms (RFC 5952)', () => {
    const cases: [string, string][] = [
      ['10.0.0.1', '10.0.0.1'],
      ['0.0.0.0', '0.0.0.0'],
      ['255.255.255.255', '255.255.255.255'],
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['2001:db8::0:1', '2001:db8::1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
      ['::FFFF:a00:1', '::ffff:10.0.0.1'],
      ['::10.0.0.1', '::a00:1'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ];
    for (const [s, want] of cases) expect(formatIp(parseIp(s)), s).toBe(want);
  });

  test('invalid addresses', () => {
    for (const s of [
      '',
      '1',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.256',
      '01.2.3.4',
      '1.2.3.04',
      '1.2.3.-4',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1.2.3.4/32',
      '１.2.3.4',
      ':',
      ':::',
      '1:2',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '1:2:3:4:5:6:7:8::',
      '::1:2:3:4:5:6:7:8',
      '12345::',
      ':1::',
      '1::2:',
      'g::',
      '::1.2.3',
      '::1.2.3.4:5',
      '1:2:3:4:5:6:7:1.2.3.4',
      'fe80::1%eth0',
      '[::1]',
      '::ffff:01.2.3.4',
    ]) {
      expect(tryParseIp(s), s).toBeUndefined();
      fails(() => parseIp(s), 'invalid_argument', /^invalid IP address `/);
    }
    fails(() => parseIp('fe80::1%eth0'), 'invalid_argument', /zone indexes are not supported/);
    fails(() => parseIp('010.0.0.1'), 'invalid_argument', /leading zeros/);
  });

  test('property: validity agrees with node:net isIP (zones aside), canonical text with the WHATWG URL parser', () => {
    const unit = fc.constantFrom(...'0123456789abcdefABCDEF:.'.split(''), '::', 'ffff', '255', '1.2.3.4');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 14 }), (s) => {
        expect(tryParseIp(s) !== undefined, s).toBe(isIP(s) !== 0);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (s) => {
        const ip = parseIp(s);
        const text = formatIp(ip);
        expect(parseIp(text).bytes).toEqual(ip.bytes);
        expect(formatIp(parseIp(text))).toBe(text);
        if (ip.bytes.length === 16 && !text.startsWith('::ffff:')) expect(`[${text}]`).toBe(new URL(`http://[${s}]/`).hostname);
        if (ip.bytes.length === 4) expect(text).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  test('isIP, isIPv4, isIPv6, isCIDR through the engine', () => {
    expect(run("net.isIP('1.2.3.4') && net.isIPv4('1.2.3.4') && !net.isIPv6('1.2.3.4')")).toBe(true);
    expect(run("net.isIP('::1') && !net.isIPv4('::1') && net.isIPv6('::1')")).toBe(true);
    expect(run("net.isIP('') || net.isIP('localhost') || net.isIPv4('1.2.3') || net.isIPv6('1.2.3.4')")).toBe(false);
    expect(run("net.isCIDR('0.0.0.0/0') && net.isCIDR('::/0') && net.isCIDR('::1/128') && net.isCIDR('10.1.2.3/8')")).toBe(true);
    expect(
      run("net.isCIDR('10.0.0.0/33') || net.isCIDR('10.0.0.0/08') || net.isCIDR('10.0.0.0/') || net.isCIDR('/8') || net.isCIDR('::/129')"),
    ).toBe(false);
  });
});

describe('net: CIDR ranges', () => {
  const toBig = (b: Uint8Array) => b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
  /** The reference: compare the top `prefix` bits as integers. */
  function refContains(net: string, prefix: number, ip: string): boolean {
    const a = parseIp(net).bytes;
    let b = parseIp(ip).bytes;
    if (a.length === 4 && b.length === 16 && formatIp({ bytes: b }).startsWith('::ffff:') && b.slice(0, 10).every((x) => x === 0))
      b = b.slice(12);
    if (a.length !== b.length) return false;
    const shift = BigInt(a.length * 8 - prefix);
    return toBig(a) >> shift === toBig(b) >> shift;
  }

  test('property: containment agrees with integer prefix comparison, for both families', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), fc.boolean(), (net, p, ip, mapped) => {
        // Half the time, an address inside the range (same top bits).
        const addr = Math.random() < 0.5 ? ip : net;
        const text = mapped ? `::ffff:${addr}` : addr;
        expect(cidrContains(parseCidr(`${net}/${p}`), parseIp(text))).toBe(refContains(net, p, text));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.ipV6(), (net, p, ip) => {
        expect(cidrContains(parseCidr(`${net}/${p}`), parseIp(ip))).toBe(refContains(net, p, ip));
        expect(cidrContains(parseCidr(`${net}/${p}`), parseIp(net))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('edges: /0, full length, host bits, families', () => {
    expect(run("net.cidrContains('0.0.0.0/0', '255.255.255.255')")).toBe(true);
    expect(run("net.cidrContains('0.0.0.0/0', '::1')")).toBe(false);
    expect(run("net.cidrContains('::/0', '10.0.0.1')")).toBe(false);
    expect(run("net.cidrContains('::/0', '::ffff:10.0.0.1')")).toBe(true);
    expect(run("net.cidrContains('10.0.0.1/32', '10.0.0.1')")).toBe(true);
    expect(run("net.cidrContains('10.0.0.1/32', '10.0.0.2')")).toBe(false);
    expect(run("net.cidrContains('10.1.2.3/8', '10.200.0.1')")).toBe(true);
    expect(run("net.cidrContains('172.16.0.0/12', '172.31.255.255')")).toBe(true);
    expect(run("net.cidrContains('172.16.0.0/12', '172.32.0.0')")).toBe(false);
    expect(run("net.cidrContains('2001:db8::/33', '2001:db8:7fff::1')")).toBe(true);
    expect(run("net.cidrContains('2001:db8::/33', '2001:db8:8000::1')")).toBe(false);
    expect(run("net.cidrContains([], '10.0.0.1')")).toBe(false);
  });

  test('invalid ranges and addresses: errors at run time, load errors when constant', () => {
    for (const c of [
      '10.0.0.0',
      '10.0.0.0/33',
      '10.0.0.0/-1',
      '10.0.0.0/08',
      '10.0.0.0/',
      '/8',
      '::/129',
      '10.0.0/8',
      '10.0.0.0/8/8',
      ' 10.0.0.0/8',
    ]) {
      fails(() => run('net.cidrContains(c, ip)', { c, ip: '10.0.0.1' }), 'invalid_argument', /^invalid CIDR `/);
      loadFails(`net.cidrContains('${c}', ip)`, /invalid CIDR/);
    }
    fails(() => run("net.cidrContains('10.0.0.0/8', ip)", { ip: '10.0.0.256' }), 'invalid_argument', /invalid IP address `10.0.0.256`/);
    fails(() => run('net.cidrContains(cs, ip)', { cs: ['10.0.0.0/8', 7], ip: '10.0.0.1' }), 'invalid_argument', /must be strings/);
    loadFails("net.cidrContains('10.0.0.0/8', '10.0.0.300')", /invalid IP address `10.0.0.300`/);
    loadFails("net.cidrContains(['10.0.0.0/8', 'nope'], ip)", /invalid CIDR `nope`/);
    // A specialized call still checks its argument kinds.
    fails(() => run("net.cidrContains('10.0.0.0/8', ip)", { ip: 10 }), 'no_matching_overload');
    fails(() => run("net.cidrContains(['10.0.0.0/8'], ip)", { ip: true }), 'no_matching_overload');
    expect(run("net.cidrContains(['192.168.0.0/16', '10.0.0.0/8'], ip)", { ip: '10.9.9.9' })).toBe(true);
    expect(run("net.cidrContains(cs, '10.9.9.9')", { cs: ['192.168.0.0/16'] })).toBe(false);
  });
});

describe('net.isPrivate', () => {
  test('private, loopback, link-local and unique-local ranges', () => {
    const yes = [
      '10.0.0.1',
      '10.255.255.255',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '127.255.0.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'febf::1',
      'fc00::1',
      'fdff::1',
      '::ffff:192.168.0.1',
      '::ffff:127.0.0.1',
    ];
    const no = [
      '8.8.8.8',
      '172.15.255.255',
      '172.32.0.0',
      '192.169.0.1',
      '11.0.0.1',
      '100.64.0.1',
      '0.0.0.0',
      '::',
      '2001:db8::1',
      'fec0::1',
      '::ffff:8.8.8.8',
      '::2',
    ];
    for (const ip of yes) expect(run('net.isPrivate(ip)', { ip }), ip).toBe(true);
    for (const ip of no) expect(run('net.isPrivate(ip)', { ip }), ip).toBe(false);
    fails(() => run('net.isPrivate(ip)', { ip: 'localhost' }), 'invalid_argument');
  });
});

// ------------------------------------------------------------------ URLs

describe('url', () => {
  test('host as fetch sees it', () => {
    const cases: [string, string][] = [
      ['https://api.openai.com/v1/chat/completions', 'api.openai.com'],
      ['HTTPS://API.OpenAI.COM:443', 'api.openai.com'],
      ['https://user:pass@example.com/', 'example.com'],
      ['https://trusted.example@evil.example/', 'evil.example'],
      ['https://trusted.example\\@evil.example/', 'trusted.example'],
      ['http://[2001:DB8::1]:8080/', '2001:db8::1'],
      ['http://0x7f.1/', '127.0.0.1'],
      ['https://bücher.example/', 'xn--bcher-kva.example'],
      ['https://example.com./', 'example.com.'],
      ['mailto:someone@example.com', ''],
    ];
    for (const [u, host] of cases) expect(run('url.host(u)', { u }), u).toBe(host);
  });

  test('parse: the parts, default ports', () => {
    expect(run('url.parse(u)', { u: 'https://api.example.com/v1/chat?stream=true&x=1#frag' })).toEqual(
      Object.assign(Object.create(null), {
        scheme: 'https',
        host: 'api.example.com',
        port: 443n,
        path: '/v1/chat',
        query: 'stream=true&x=1',
        fragment: 'frag',
      }),
    );
    expect(run('url.parse(u).port', { u: 'http://a.example' })).toBe(80n);
    expect(run('url.parse(u).port', { u: 'wss://a.example' })).toBe(443n);
    expect(run('url.parse(u).port', { u: 'http://a.example:80' })).toBe(80n);
    expect(run('url.parse(u).port', { u: 'redis://a.example' })).toBe(0n);
    expect(run('url.parse(u).port', { u: 'redis://a.example:6379' })).toBe(6379n);
    expect(run('url.parse(u).path', { u: 'https://a.example/a/./b/../c%20d' })).toBe('/a/c%20d');
    expect(run("url.parse(u).scheme == 'file'", { u: 'file:///etc/passwd' })).toBe(true);
  });

  test('relative and malformed URLs are errors; very long ones too', () => {
    for (const u of ['', '/path', 'example.com', 'http://', 'http://exa mple.com/', 'https://[::1/', 'http://300.1.1.1/']) {
      fails(() => run('url.host(u)', { u }), 'invalid_argument', /^invalid URL `.*`: expected an absolute URL/);
    }
    fails(() => run('url.parse(u)', { u: `https://a.example/${'x'.repeat(70_000)}` }), 'limit_exceeded');
  });
});

// ------------------------------------------------------------------ declarations

test('every function of the library is pure and declared with CEL ids where CEL has the function', () => {
  for (const d of encodingLibrary) expect(d.purity).toBe('pure');
  const ids = encodingLibrary.flatMap((d) => d.overloads.map((o) => o.id));
  expect(ids).toContain('base64_encode_bytes');
  expect(ids).toContain('base64_decode_string');
});
