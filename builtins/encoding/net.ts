// IP addresses and CIDR ranges, parsed by hand (strictly, in linear time).
//
//   IPv4: dotted decimal, four parts 0-255, no leading zeros ('010.0.0.1' is rejected: some
//         parsers read it as octal, a classic way to slip an address past a check).
//   IPv6: RFC 4291 text forms: eight groups of 1-4 hex digits, one '::', an optional dotted
//         IPv4 tail ('::ffff:10.0.0.1'). Zone indexes ('fe80::1%eth0') are rejected.
//   Canonical text (net.ip): IPv4 as is; IPv6 per RFC 5952 (lowercase, no leading zeros, the
//         longest run of two or more zero groups as '::', the first one on a tie), with an
//         IPv4-mapped address written '::ffff:a.b.c.d'.
//   CIDR: 'address/length', 0-32 for IPv4, 0-128 for IPv6, no leading zeros in the length.
//         Bits set past the prefix are allowed and ignored ('10.1.2.3/8' is 10.0.0.0/8), as
//         Go's net.ParseCIDR does.
//   Families: an IPv4-mapped IPv6 address (::ffff:a.b.c.d, what dual-stack sockets report for
//         IPv4 clients) is matched against IPv4 ranges as a.b.c.d, so a deny-list of IPv4
//         ranges cannot be side-stepped by writing the address in its IPv6 form. Otherwise an
//         IPv4 range never contains an IPv6 address, nor the reverse.

import { EvaluationError } from '../../src/lang/library.js';

export interface Ip {
  /** 4 bytes (IPv4) or 16 (IPv6). */
  bytes: Uint8Array;
}

function invalidIp(s: string, why?: string): EvaluationError {
  const shown = s.length > 64 ? `${s.slice(0, 64)}...` : s;
  return new EvaluationError('invalid_argument', `invalid IP address \`${shown}\`${why ? `: ${why}` : ''}`);
}

/** A dotted-decimal IPv4 address from s[start, end), or undefined. */
function parseV4(s: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let i = start;
  while (part < 4) {
    const from = i;
    let v = 0;
    while (i < end && i - from < 3) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
      i++;
    }
    const len = i - from;
    if (len === 0 || v > 255 || (len > 1 && s.charCodeAt(from) === 48)) return false;
    out[at + part] = v;
    part++;
    if (part < 4) {
      if (i >= end || s.charCodeAt(i) !== 46) return false;
      i++;
    }
  }
  return i === end;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseV6(s: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  const n = s.length;
  if (n < 2 || n > 45) return undefined;
  let i = 0;
  let group = 0; // groups written
  let gap = -1; // group index of '::'
  if (s.startsWith('::')) {
    gap = 0;
    i = 2;
    if (i === n) return out;
  } else if (s.charCodeAt(0) === 58) return undefined;
  while (i < n) {
    if (group >= 8) return undefined;
    // A dotted IPv4 tail takes the last two groups.
    let j = i;
    let v = 0;
    while (j < n && j - i < 5) {
      const h = hexVal(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      if (group > 6 || !parseV4(s, i, n, out, group * 2)) return undefined;
      group += 2;
      i = n;
      break;
    }
    if (j === i || j - i > 4) return undefined;
    out[group * 2] = v >>> 8;
    out[group * 2 + 1] = v & 255;
    group++;
    i = j;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return undefined;
    i++;
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined; // a second '::'
      gap = group;
      i++;
      if (i === n) break;
    } else if (i === n) return undefined; // a trailing single ':'
  }
  if (gap < 0) return group === 8 ? out : undefined;
  if (group >= 8) return undefined; // '::' must stand for at least one group
  // Move the groups after the gap to the end.
  const tail = (group - gap) * 2;
  const moved = out.slice(gap * 2, gap * 2 + tail);
  out.fill(0, gap * 2);
  out.set(moved, 16 - tail);
  return out;
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. */
export function tryParseIp(s: string): Ip | undefined {
  if (s.length > 45) return undefined;
  if (s.includes(':')) {
    const b = parseV6(s);
    return b && { bytes: b };
  }
  const b = new Uint8Array(4);
  return parseV4(s, 0, s.length, b, 0) ? { bytes: b } : undefined;
}

export function parseIp(s: string): Ip {
  const ip = tryParseIp(s);
  if (ip === undefined) {
    if (s.includes('%')) throw invalidIp(s, 'zone indexes are not supported');
    if (/^0\d|\.0\d/.test(s)) throw invalidIp(s, 'leading zeros are not allowed');
    throw invalidIp(s);
  }
  return ip;
}

function isV4Mapped(b: Uint8Array): boolean {
  if (b.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** The IPv4 address of an IPv4-mapped IPv6 address, else the address itself. */
export function unmap(ip: Ip): Ip {
  return isV4Mapped(ip.bytes) ? { bytes: ip.bytes.subarray(12) } : ip;
}

/** Canonical text: dotted decimal, or RFC 5952 for IPv6. */
export function formatIp(ip: Ip): string {
  const b = ip.bytes;
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (isV4Mapped(b)) return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[2 * i]! << 8) | b[2 * i + 1]!);
  // The longest run of zero groups, two or more long.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (best < 0) return hex(0, 8);
  return `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}

// ------------------------------------------------------------------ CIDR

export interface Cidr {
  /** The network address, its bits past the prefix cleared. */
  bytes: Uint8Array;
  prefix: number;
}

function invalidCidr(s: string, why: string): EvaluationError {
  const shown = s.length > 64 ? `${s.slice(0, 64)}...` : s;
  return new EvaluationError('invalid_argument', `invalid CIDR \`${shown}\`: ${why}`);
}

export function parseCidr(s: string): Cidr {
  const slash = s.indexOf('/');
  if (slash < 0) throw invalidCidr(s, 'expected an address, a slash and a prefix length, like 10.0.0.0/8');
  const ip = tryParseIp(s.slice(0, slash));
  if (ip === undefined) throw invalidCidr(s, 'invalid address');
  const len = s.slice(slash + 1);
  const max = ip.bytes.length * 8;
  if (!/^(?:0|[1-9]\d{0,2})$/.test(len) || +len > max) throw invalidCidr(s, `prefix length must be 0 to ${max}`);
  const prefix = +len;
  const bytes = ip.bytes.slice();
  for (let bit = prefix; bit < max; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { bytes, prefix };
}

const CIDR_CACHE_SIZE = 256;
const cidrCache = new Map<string, Cidr>();

/** parseCidr with a small cache, for ranges that arrive at run time. */
export function cachedCidr(s: string): Cidr {
  const hit = cidrCache.get(s);
  if (hit !== undefined) return hit;
  const c = parseCidr(s);
  if (cidrCache.size >= CIDR_CACHE_SIZE) cidrCache.clear();
  cidrCache.set(s, c);
  return c;
}

function sameFamilyContains(c: Cidr, b: Uint8Array): boolean {
  if (c.bytes.length !== b.length) return false;
  const whole = c.prefix >> 3;
  for (let i = 0; i < whole; i++) if (c.bytes[i] !== b[i]) return false;
  const rest = c.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (b[whole]! & mask) === c.bytes[whole];
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  if (sameFamilyContains(c, ip.bytes)) return true;
  return c.bytes.length === 4 && isV4Mapped(ip.bytes) && sameFamilyContains(c, ip.bytes.subarray(12));
}

// ------------------------------------------------------------------ special ranges

/** RFC 1918, loopback and link-local (IPv4); loopback, link-local and unique local (IPv6). */
const PRIVATE_RANGES = [
  '10.0.0.0/8', // RFC 1918
  '172.16.0.0/12', // RFC 1918
  '192.168.0.0/16', // RFC 1918
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local
  '::1/128', // loopback
  'fe80::/10', // link-local
  'fc00::/7', // unique local (RFC 4193)
];
// parsed on first use: at import it would compile the address parser for nothing
let privateCidrs: Cidr[] | undefined;

export function isPrivate(ip: Ip): boolean {
  const u = unmap(ip);
  return (privateCidrs ??= PRIVATE_RANGES.map(parseCidr)).some((c) => cidrContains(c, u));
}
