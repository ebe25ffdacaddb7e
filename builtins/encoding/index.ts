// The `encoding` library: base64 and hex, JSON, hashes, IP addresses and CIDR ranges, URLs.
// All pure and runtime-neutral (no node:*, no Buffer, no crypto: hand-written code and the
// URL global, which edge runtimes have), linear in their input. Where CEL has the function
// (base64.encode/decode, from cel-go's encoders extension) the names, ids and semantics are
// CEL's. Constant CIDR ranges and IP addresses are parsed once, at load, and an invalid one is
// a load error at the call.

import { EvaluationError } from '../../src/lang/library.js';
import type { FunctionDecl, OverloadDecl } from '../../src/lang/library.js';
import { kindMatches } from '../../src/lang/library.js';
import { kindOf, noOverload } from '../../src/lang/library.js';
import { encodeUtf8 } from '../std/numbers.js';
import { base64Decode, base64Encode, base64UrlDecode, base64UrlEncode, hexDecode, hexEncode } from './base64.js';
import { fnv1a32, sha256 } from './hash.js';
import { jsonParse, jsonStringify, JSON_MAX_DEPTH, JSON_MAX_LENGTH } from './json.js';
import { cachedCidr, cidrContains, formatIp, isPrivate, parseCidr, parseIp, tryParseIp, type Cidr, type Ip } from './net.js';
import { parseUrl, urlMap } from './url.js';

export { base64Decode, base64Encode, base64UrlDecode, base64UrlEncode, hexDecode, hexEncode } from './base64.js';
export { fnv1a32, sha256 } from './hash.js';
export { jsonParse, jsonStringify } from './json.js';

/** A bytes overload and a string overload (hashed or encoded as UTF-8) of one function. */
function bytesOrString(idPrefix: string, result: string, impl: (b: Uint8Array) => unknown): OverloadDecl[] {
  return [
    { id: `${idPrefix}_bytes`, params: ['bytes'], result, impl: (b: Uint8Array) => impl(b) },
    { id: `${idPrefix}_string`, params: ['string'], result, impl: (s: string) => impl(encodeUtf8(s)) },
  ];
}

const b = (s: string): Uint8Array => encodeUtf8(s);

// ------------------------------------------------------------------ base64 and hex

export const base64EncodeFn: FunctionDecl = {
  name: 'base64.encode',
  category: 'encoding',
  description: 'Base64 (RFC 4648, standard alphabet, padded) of bytes, or of a string as UTF-8',
  purity: 'pure',
  overloads: bytesOrString('base64_encode', 'string', base64Encode),
  examples: [
    { expr: "base64.encode(b'hello')", result: 'aGVsbG8=' },
    { expr: "base64.encode('héllo')", result: 'aMOpbGxv' },
    { expr: "base64.encode(b'')", result: '' },
  ],
};

export const base64DecodeFn: FunctionDecl = {
  name: 'base64.decode',
  category: 'encoding',
  description:
    'Bytes from base64 (standard alphabet); the padding may be left out, anything else is strict (no whitespace, no URL-safe characters, zero trailing bits)',
  purity: 'pure',
  overloads: [{ id: 'base64_decode_string', params: ['string'], result: 'bytes', impl: base64Decode }],
  examples: [
    { expr: "base64.decode('aGVsbG8=')", result: b('hello') },
    { expr: "base64.decode('aGVsbG8')", result: b('hello') },
    { expr: "base64.decode('aGVs bG8=')", result: { error: 'invalid_argument' } },
  ],
};

export const base64EncodeUrlFn: FunctionDecl = {
  name: 'base64.encodeUrl',
  category: 'encoding',
  description: "URL-safe base64 (RFC 4648 section 5: '-' and '_', no padding, as in JWTs) of bytes, or of a string as UTF-8",
  purity: 'pure',
  overloads: bytesOrString('base64_encode_url', 'string', base64UrlEncode),
  examples: [
    { expr: "base64.encodeUrl(b'\\xfb\\xff')", result: '-_8' },
    { expr: 'base64.encodeUrl(\'{"alg":"none"}\')', result: 'eyJhbGciOiJub25lIn0' },
  ],
};

export const base64DecodeUrlFn: FunctionDecl = {
  name: 'base64.decodeUrl',
  category: 'encoding',
  description: "Bytes from URL-safe base64 ('-' and '_'), padding optional, otherwise strict",
  purity: 'pure',
  overloads: [{ id: 'base64_decode_url_string', params: ['string'], result: 'bytes', impl: base64UrlDecode }],
  examples: [
    { expr: "base64.decodeUrl('-_8')", result: new Uint8Array([0xfb, 0xff]) },
    { expr: "string(base64.decodeUrl('eyJhbGciOiJub25lIn0'))", result: '{"alg":"none"}' },
    { expr: "base64.decodeUrl('+/8=')", result: { error: 'invalid_argument' } },
  ],
};

export const hexEncodeFn: FunctionDecl = {
  name: 'hex.encode',
  category: 'encoding',
  description: 'Lowercase hexadecimal of bytes, or of a string as UTF-8, two digits a byte',
  purity: 'pure',
  overloads: bytesOrString('hex_encode', 'string', hexEncode),
  examples: [
    { expr: "hex.encode(b'\\x00\\xff')", result: '00ff' },
    { expr: "hex.encode('hi')", result: '6869' },
  ],
};

export const hexDecodeFn: FunctionDecl = {
  name: 'hex.decode',
  category: 'encoding',
  description: 'Bytes from hexadecimal digits (either case, an even number of them)',
  purity: 'pure',
  overloads: [{ id: 'hex_decode_string', params: ['string'], result: 'bytes', impl: hexDecode }],
  examples: [
    { expr: "hex.decode('00FF')", result: new Uint8Array([0, 255]) },
    { expr: "hex.decode('abc')", result: { error: 'invalid_argument' } },
  ],
};

// ------------------------------------------------------------------ JSON

export const jsonParseFn: FunctionDecl = {
  name: 'json.parse',
  category: 'encoding',
  description: `A JSON text as a CEL value: objects are maps, arrays lists, numbers doubles; strict RFC 8259, no duplicate keys, at most ${JSON_MAX_DEPTH} levels deep and ${JSON_MAX_LENGTH} characters long`,
  purity: 'pure',
  overloads: [{ id: 'json_parse_string', params: ['string'], result: 'dyn', impl: jsonParse }],
  examples: [
    { expr: 'json.parse(\'{"tier": "pro", "limits": [10, 20]}\').limits[1]', result: 20 },
    { expr: 'json.parse(\'{"a": 1}\')', result: { a: 1 } },
    { expr: 'json.parse(\'[true, null, "x"]\')', result: [true, null, 'x'] },
    { expr: 'json.parse(\'{"a": 1, "a": 2}\')', result: { error: 'invalid_argument' } },
    { expr: "json.parse('[1,]')", result: { error: 'invalid_argument' } },
  ],
};

export const jsonStringifyFn: FunctionDecl = {
  name: 'json.stringify',
  category: 'encoding',
  description:
    'A value as canonical JSON: keys sorted, no whitespace; bytes as base64, timestamps and durations as strings, NaN and infinities are errors',
  purity: 'pure',
  overloads: [{ id: 'json_stringify_dyn', params: ['dyn'], result: 'string', impl: jsonStringify }],
  examples: [
    { expr: "json.stringify({'b': 1, 'a': [true, null, 1.5, 'x']})", result: '{"a":[true,null,1.5,"x"],"b":1}' },
    { expr: "json.stringify(timestamp('2026-01-05T10:00:00Z'))", result: '"2026-01-05T10:00:00Z"' },
    { expr: "json.stringify({1: b'hi'})", result: '{"1":"aGk="}' },
    { expr: 'json.stringify(1.0 / 0.0)', result: { error: 'invalid_argument' } },
  ],
};

// ------------------------------------------------------------------ hashes

export const sha256Fn: FunctionDecl = {
  name: 'hash.sha256',
  category: 'hash',
  description: 'The SHA-256 digest of bytes, or of a string as UTF-8, as 64 lowercase hex digits',
  purity: 'pure',
  overloads: bytesOrString('hash_sha256', 'string', (x) => hexEncode(sha256(x))),
  examples: [
    { expr: "hash.sha256('abc')", result: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
    { expr: "hash.sha256(b'')", result: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  ],
};

export const fnv1a32Fn: FunctionDecl = {
  name: 'hash.fnv1a32',
  category: 'hash',
  description:
    'The 32-bit FNV-1a hash of bytes, or of a string as UTF-8, as an int from 0 to 4294967295: stable buckets for sampling and rollouts, not for security',
  purity: 'pure',
  overloads: bytesOrString('hash_fnv1a32', 'int', (x) => BigInt(fnv1a32(x))),
  examples: [
    { expr: "hash.fnv1a32('a')", result: 3826002220n },
    { expr: "hash.fnv1a32('user-42') % 100", result: 99n },
    { expr: "hash.fnv1a32(b'')", result: 2166136261n },
  ],
};

// ------------------------------------------------------------------ IP addresses

export const ipFn: FunctionDecl = {
  name: 'net.ip',
  category: 'net',
  description:
    "An IPv4 or IPv6 address in canonical form (IPv6 per RFC 5952: lowercase, shortest, '::ffff:a.b.c.d' for IPv4-mapped); an error for anything else, leading zeros and zone indexes included",
  purity: 'pure',
  overloads: [{ id: 'net_ip_string', params: ['string'], result: 'string', impl: (s: string) => formatIp(parseIp(s)) }],
  examples: [
    { expr: "net.ip('2001:DB8:0:0:0:0:0:1')", result: '2001:db8::1' },
    { expr: "net.ip('192.168.001.1')", result: { error: 'invalid_argument' } },
    { expr: "net.ip('::FFFF:10.0.0.1')", result: '::ffff:10.0.0.1' },
  ],
};

function isFamily(s: string, len: number | undefined): boolean {
  const ip = tryParseIp(s);
  return ip !== undefined && (len === undefined || ip.bytes.length === len);
}

export const isIpFn: FunctionDecl = {
  name: 'net.isIP',
  category: 'net',
  description: 'Whether a string is an IPv4 or IPv6 address (as net.ip accepts it)',
  purity: 'pure',
  overloads: [{ id: 'net_is_ip_string', params: ['string'], result: 'bool', impl: (s: string) => isFamily(s, undefined) }],
  examples: [
    { expr: "net.isIP('10.0.0.1')", result: true },
    { expr: "net.isIP('fe80::1')", result: true },
    { expr: "net.isIP('10.0.0.256')", result: false },
  ],
};

export const isIpv4Fn: FunctionDecl = {
  name: 'net.isIPv4',
  category: 'net',
  description: 'Whether a string is an IPv4 address in dotted decimal, without leading zeros',
  purity: 'pure',
  overloads: [{ id: 'net_is_ipv4_string', params: ['string'], result: 'bool', impl: (s: string) => isFamily(s, 4) }],
  examples: [
    { expr: "net.isIPv4('10.0.0.1')", result: true },
    { expr: "net.isIPv4('::ffff:10.0.0.1')", result: false },
  ],
};

export const isIpv6Fn: FunctionDecl = {
  name: 'net.isIPv6',
  category: 'net',
  description: 'Whether a string is an IPv6 address (IPv4-mapped ones included)',
  purity: 'pure',
  overloads: [{ id: 'net_is_ipv6_string', params: ['string'], result: 'bool', impl: (s: string) => isFamily(s, 16) }],
  examples: [
    { expr: "net.isIPv6('::1')", result: true },
    { expr: "net.isIPv6('10.0.0.1')", result: false },
  ],
};

export const isCidrFn: FunctionDecl = {
  name: 'net.isCIDR',
  category: 'net',
  description: "Whether a string is a CIDR range, 'address/length' (0-32 for IPv4, 0-128 for IPv6)",
  purity: 'pure',
  overloads: [
    {
      id: 'net_is_cidr_string',
      params: ['string'],
      result: 'bool',
      impl: (s: string) => {
        try {
          parseCidr(s);
          return true;
        } catch {
          return false;
        }
      },
    },
  ],
  examples: [
    { expr: "net.isCIDR('10.0.0.0/8')", result: true },
    { expr: "net.isCIDR('2001:db8::/129')", result: false },
    { expr: "net.isCIDR('10.0.0.1')", result: false },
  ],
};

function cidrList(v: unknown[]): Cidr[] {
  return v.map((c) => {
    if (typeof c !== 'string') throw new EvaluationError('invalid_argument', 'CIDR ranges must be strings');
    return cachedCidr(c);
  });
}

function containsAny(cidrs: Cidr[], ip: Ip): boolean {
  for (const c of cidrs) if (cidrContains(c, ip)) return true;
  return false;
}

function checkKinds(params: string[], args: unknown[]): void {
  for (let i = 0; i < args.length; i++) if (!kindMatches(params[i]!, kindOf(args[i]))) throw noOverload('net.cidrContains', args);
}

export const cidrContainsFn: FunctionDecl = {
  name: 'net.cidrContains',
  category: 'net',
  description:
    'Whether an IP address is in a CIDR range, or in any of a list of them; an IPv4-mapped IPv6 address matches IPv4 ranges as its IPv4 address; an invalid range or address is an error',
  purity: 'pure',
  overloads: [
    {
      id: 'net_cidr_contains_string_string',
      params: ['string', 'string'],
      result: 'bool',
      impl: (c: string, ip: string) => cidrContains(cachedCidr(c), parseIp(ip)),
      specialize: ([c, ip]) => {
        const range = typeof c === 'string' ? parseCidr(c) : undefined;
        const addr = typeof ip === 'string' ? parseIp(ip) : undefined;
        if (range === undefined && addr === undefined) return undefined;
        return (x: unknown, y: unknown) => {
          checkKinds(['string', 'string'], [x, y]);
          return cidrContains(range ?? cachedCidr(x as string), addr ?? parseIp(y as string));
        };
      },
    },
    {
      id: 'net_cidr_contains_list_string',
      params: ['list(string)', 'string'],
      result: 'bool',
      impl: (cs: unknown[], ip: string) => containsAny(cidrList(cs), parseIp(ip)),
      specialize: ([cs, ip]) => {
        const ranges = Array.isArray(cs) ? cs.map((c) => (typeof c === 'string' ? parseCidr(c) : cidrList([c])[0]!)) : undefined;
        const addr = typeof ip === 'string' ? parseIp(ip) : undefined;
        if (ranges === undefined && addr === undefined) return undefined;
        return (x: unknown, y: unknown) => {
          checkKinds(['list(string)', 'string'], [x, y]);
          return containsAny(ranges ?? cidrList(x as unknown[]), addr ?? parseIp(y as string));
        };
      },
    },
  ],
  examples: [
    { expr: "net.cidrContains('10.0.0.0/8', '10.1.2.3')", result: true },
    { expr: "net.cidrContains('2001:db8::/32', '2001:db9::1')", result: false },
    { expr: "net.cidrContains(['192.168.0.0/16', '10.0.0.0/8'], '::ffff:10.0.0.1')", result: true },
    { expr: 'net.cidrContains(range, ip)', bindings: { range: '10.0.0.0/33', ip: '10.0.0.1' }, result: { error: 'invalid_argument' } },
  ],
};

export const isPrivateFn: FunctionDecl = {
  name: 'net.isPrivate',
  category: 'net',
  description:
    'Whether an IP address is private (RFC 1918), loopback or link-local (IPv4), or loopback, link-local or unique local (IPv6), IPv4-mapped addresses included',
  purity: 'pure',
  overloads: [{ id: 'net_is_private_string', params: ['string'], result: 'bool', impl: (s: string) => isPrivate(parseIp(s)) }],
  examples: [
    { expr: "net.isPrivate('172.20.1.1')", result: true },
    { expr: "net.isPrivate('8.8.8.8')", result: false },
    { expr: "net.isPrivate('::ffff:127.0.0.1')", result: true },
    { expr: "net.isPrivate('fd12:3456::1')", result: true },
  ],
};

// ------------------------------------------------------------------ URLs

export const urlHostFn: FunctionDecl = {
  name: 'url.host',
  category: 'net',
  description:
    'The host of an absolute URL as fetch reads it (WHATWG URL): lowercase, punycode, IPv6 without brackets, no port or user info',
  purity: 'pure',
  overloads: [{ id: 'url_host_string', params: ['string'], result: 'string', impl: (s: string) => parseUrl(s).host }],
  examples: [
    { expr: "url.host('https://API.OpenAI.com:443/v1/chat')", result: 'api.openai.com' },
    { expr: "url.host('https://trusted.example@evil.example/x')", result: 'evil.example' },
    { expr: "url.host('http://[::1]:8080/')", result: '::1' },
    { expr: "url.host('/relative/path')", result: { error: 'invalid_argument' } },
  ],
};

export const urlParseFn: FunctionDecl = {
  name: 'url.parse',
  category: 'net',
  description:
    "An absolute URL as a map: scheme, host (as url.host), port (int: explicit, else the scheme's default, else 0), path, query and fragment (without '?' and '#')",
  purity: 'pure',
  overloads: [{ id: 'url_parse_string', params: ['string'], result: 'map(string, dyn)', impl: urlMap }],
  examples: [
    { expr: "url.parse('https://api.example.com/v1/chat?stream=true').port", result: 443n },
    {
      expr: "url.parse('HTTP://Example.com:8080/a/../b?q=1#top')",
      result: { scheme: 'http', host: 'example.com', port: 8080n, path: '/b', query: 'q=1', fragment: 'top' },
    },
    { expr: "url.parse('https://example.com').path", result: '/' },
  ],
};

export const encodingLibrary: FunctionDecl[] = [
  base64EncodeFn,
  base64DecodeFn,
  base64EncodeUrlFn,
  base64DecodeUrlFn,
  hexEncodeFn,
  hexDecodeFn,
  jsonParseFn,
  jsonStringifyFn,
  sha256Fn,
  fnv1a32Fn,
  ipFn,
  isIpFn,
  isIpv4Fn,
  isIpv6Fn,
  isCidrFn,
  cidrContainsFn,
  isPrivateFn,
  urlHostFn,
  urlParseFn,
];
