// PII and secret detection: one linear scan of a text, findings with scores, memoized per text.
//
// How a text is scanned (each step is linear in the text; docs/pii.md has the details):
//
//   1. Candidates are found by hand-written loops that read each character a bounded number
//      of times. One pass over every character (scanChars) finds the keywords (a table
//      lookup per pair of characters), the word tokens (API keys, AWS keys, JWTs, IBANs) and
//      the runs of digits and separators (phone, SSN, card, IPv4); short loops around each '@'
//      (email), each ':' (IPv6), each "://" (URL credentials) and each "-----BEGIN " (PEM)
//      do the rest, and each keyword hit reads a bounded window after it (passwords, generic
//      secrets, dates of birth, passports, driving licences). Prose, most of a prompt, costs
//      a few table lookups per character.
//   2. Each candidate, a short string, is matched against the entity's formats with RE2
//      (builtins/regex: linear, no backtracking), or read by hand where the grammar is tiny
//      (the separator after a keyword, an id token), and checked by a validator (Luhn,
//      mod-97, SSA and NANP numbering rules, issuer prefixes, a JWT header that parses,
//      entropy). JavaScript RegExp is used only on such bounded candidates, with patterns
//      that are single character classes or fixed sequences.
//   3. A score is set as Presidio's recognizers do: a base score per format, raised when a
//      context word ("phone", "SSN", "card", ...) is near, and the candidate dropped when a
//      word saying it is something else ("order", "invoice", "version", ...) is near instead.
//      Candidates under the threshold are dropped, and of overlapping ones the best is kept.
//
// Offsets are UTF-16 code units of the scanned string (JavaScript string indexes).

import { LRUCache } from 'lru-cache';
import { getRegexEngine, type CompiledRegex, type RegexEngine, type RegexMatch } from '../../regex/index.js';
import { tryParseIp } from '../../encoding/net.js';
import { lowerAscii } from '../../strings/text.js';
import {
  alnumClasses,
  charClasses,
  digitsOf,
  entropy,
  IBAN_LENGTHS,
  isAlnumCode,
  isCodeReference,
  isDigitCode,
  isFilePath,
  isLetterCode,
  isPlaceholder,
  isWordCode,
  monthNumber,
  plausibleBirthYear,
  validCard,
  validDay,
  validIban,
  validJwt,
  validNanp,
  validSsn,
} from './validators.js';

/** The entity types, stable snake_case ids. */
export const PII_TYPES = [
  'email',
  'phone',
  'us_ssn',
  'credit_card',
  'iban',
  'ip_address',
  'date_of_birth',
  'passport',
  'driver_licence',
  'aws_access_key',
  'api_key',
  'jwt',
  'private_key',
  'password',
] as const;

export type PiiType = (typeof PII_TYPES)[number];

const TYPE_SET: ReadonlySet<string> = new Set(PII_TYPES);

export function isPiiType(s: string): s is PiiType {
  return TYPE_SET.has(s);
}

export interface PiiFinding {
  readonly type: PiiType;
  /**
   * A sub-type where the entity has one, else '': api_key: the provider (openai, anthropic,
   * github, slack, stripe, google, generic); credit_card: the scheme (visa, mastercard, amex,
   * discover, jcb, diners, unionpay); ip_address: ipv4 or ipv6; private_key: rsa, ec, dsa, openssh,
   * pgp, encrypted or pkcs8; password: url for credentials in a URL.
   */
  readonly kind: string;
  /** Offset of the first UTF-16 code unit. */
  readonly start: number;
  /** Offset after the last UTF-16 code unit. */
  readonly end: number;
  /** Confidence, 0 to 1. */
  readonly score: number;
  /** The matched text, text.slice(start, end). */
  readonly text: string;
}

/** Findings scoring below this are dropped. */
export const PII_THRESHOLD = 0.5;

// ------------------------------------------------------------------ regexes

let compiledFor: RegexEngine | undefined;
const compiled = new Map<string, CompiledRegex>();

/** One of this module's patterns, compiled once per regex engine (a fixed, small set). */
function re(source: string): CompiledRegex {
  const engine = getRegexEngine();
  if (engine !== compiledFor) {
    compiled.clear();
    compiledFor = engine;
  }
  let r = compiled.get(source);
  if (r === undefined) {
    r = engine.compile(source);
    compiled.set(source, r);
  }
  return r;
}

// Numbers, matched inside a run of digits and separators (so \b at the ends of the run
// means the run's ends; what lies outside is checked by `isolated`).
const PHONE = [
  // North American: (555) 123-4567, 555-123-4567, 555.123.4567, +1 555 123 4567, 1-800-555-0199
  String.raw`(?:\+1[ .-]?|\b1[ .-])?(?:\(\d{3}\)[ .-]?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b`,
  // International, E.164 with or without grouping: +44 20 7946 0958, +33 1 23 45 67 89, +4915112345678
  String.raw`\+[1-9]\d{0,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,5})){1,7}\b`,
  // National with a trunk 0: 020 7946 0958, 07700 900123, (02) 9876 5432, 01 23 45 67 89
  String.raw`(?:\(0\d{1,4}\)|\b0\d{1,4})(?:[ .-]?\d{2,5}){1,4}\b`,
  // Seven-digit local numbers and ten bare digits: only with a context word.
  String.raw`\b\d{3}[-.]\d{4}\b`,
  String.raw`\b\d{10}\b`,
].join('|');
const SSN = String.raw`\b\d{3}([- ]?)\d{2}([- ]?)\d{4}\b`;
const CARD = String.raw`\b(?:\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{3})?|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19})\b`;
const IPV4 = String.raw`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`;

// Tokens, matched whole.
const AWS_KEY = String.raw`^(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}$`;
const API_KEYS: readonly (readonly [prefix: string, kind: string, source: string])[] = [
  ['sk-ant-', 'anthropic', String.raw`^sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{32,}$`],
  ['sk-', 'openai', String.raw`^sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,}$`],
  ['sk_', 'stripe', String.raw`^sk_(?:live|test)_[A-Za-z0-9]{16,}$`],
  ['rk_', 'stripe', String.raw`^rk_(?:live|test)_[A-Za-z0-9]{16,}$`],
  ['github_pat_', 'github', String.raw`^github_pat_[A-Za-z0-9_]{22,255}$`],
  ['gh', 'github', String.raw`^gh[pousr]_[A-Za-z0-9]{36,251}$`],
  ['xox', 'slack', String.raw`^xox[abposr]-[A-Za-z0-9-]{10,}$`],
  ['AIza', 'google', String.raw`^AIza[0-9A-Za-z_-]{35}$`],
];
const JWT = String.raw`^eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$`;
const IBAN_COMPACT = String.raw`^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$`;
const IBAN_DASHED = String.raw`^[A-Z]{2}\d{2}(?:-[A-Z0-9]{4}){2,7}(?:-[A-Z0-9]{1,3})?$`;

// auth=("user", "password"), HTTPBasicAuth('user', 'password')
const AUTH_TUPLE = String.raw`^[ \t]*=?[ \t]*\(?[ \t]*["'][^"'\r\n]{1,64}["'][ \t]*,[ \t]*["']([^"'\r\n]{1,128})["']`;
// curl -u user:password, --user user:password
const CLI_USER = String.raw`^[ \t]+([^\s:@/"']{1,64}):([^\s"']{1,128})`;
const BEARER = String.raw`^[ \t]+([A-Za-z0-9._~+/=-]{16,512})`;
const URL_CREDENTIALS = String.raw`^[A-Za-z][A-Za-z0-9+.-]{0,20}://[^\s:/@]{1,64}:([^\s/@]{1,128})@[A-Za-z0-9]`;
const PEM_BEGIN = String.raw`^-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----`;
const PEM_END = String.raw`^-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`;

const MONTH =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
/** Finds a date (no capture groups: cheaper); DATE then reads its parts. */
const DATE_FIND = String.raw`(?i)\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})|\d{1,2}(?:st|nd|rd|th)?(?:[ \t]+of)?[ \t]+(?:${MONTH})\.?,?[ \t]+\d{4}|(?:${MONTH})\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+\d{4})\b`;
const DATE = String.raw`(?i)^(?:(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})|(\d{1,2})(?:st|nd|rd|th)?(?:[ \t]+of)?[ \t]+(${MONTH})\.?,?[ \t]+(\d{4})|(${MONTH})\.?[ \t]+(\d{1,2})(?:st|nd|rd|th)?,?[ \t]+(\d{4}))$`;
const DATE_LIKE = String.raw`^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4})$`;

// ------------------------------------------------------------------ context words

/** A word of three letters or fewer must stand alone; longer ones may start a word ("call" in "calling"). */
type Words = readonly string[];

const CONTEXT: Readonly<Partial<Record<PiiType, Words>>> = {
  email: ['email', 'e-mail', 'mail', 'contact', 'write to', 'reach'],
  phone: [
    'phone',
    'tel',
    'telephone',
    'mobile',
    'mob',
    'cell',
    'call',
    'text me',
    'sms',
    'whatsapp',
    'fax',
    'contact',
    'reach',
    'ring',
    'dial',
  ],
  us_ssn: ['ssn', 'ss#', 'social security', 'social sec', 'taxpayer'],
  credit_card: [
    'card',
    'credit',
    'debit',
    'visa',
    'mastercard',
    'amex',
    'american express',
    'discover',
    'jcb',
    'diners',
    'cc',
    'payment',
    'pan',
  ],
  ip_address: [
    'ip',
    'ipv4',
    'ipv6',
    'address',
    'host',
    'server',
    'client',
    'connect',
    'ping',
    'dns',
    'gateway',
    'subnet',
    'firewall',
    'ssh',
    'from',
    'source',
    'remote',
    'proxy',
    'vpn',
    'login',
  ],
};

/** Words that say a number is an identifier of something else: the number is dropped. */
const NOT_PERSONAL: Words = [
  'order',
  'invoice',
  'inv',
  'ref',
  'reference',
  'ticket',
  'tracking',
  'account',
  'acct',
  'id',
  'sku',
  'serial',
  'version',
  'ver',
  'build',
  'po',
  'isbn',
  'receipt',
  'transaction',
  'txn',
  'confirmation',
  'booking',
  'customer',
  'member',
  'policy',
  'claim',
  'item',
  'part',
  'model',
  'batch',
  'lot',
  'release',
  'patch',
  'issue',
  'pr',
  'bug',
  'job',
  'shipment',
  'parcel',
  'case no',
  'case number',
  'reservation',
  'product',
  'request',
  'buffer',
  'bytes',
  'byte',
  'hex',
  'array',
];

const NOT_IP: Words = [
  'version',
  'ver',
  'v',
  'build',
  'release',
  'firmware',
  'chrome',
  'firefox',
  'safari',
  'node',
  'python',
  'ios',
  'android',
  'windows',
  'kernel',
  'sdk',
  'update',
  'upgrade',
  'patch',
  'oid',
  'snmp',
  'semver',
  'package',
  'section',
  'chapter',
  'clause',
  'paragraph',
  'step',
  'rule',
  'figure',
  'table',
  'appendix',
  'mask',
  'netmask',
  'rfc',
];

// ------------------------------------------------------------------ the scan

interface Candidate {
  type: PiiType;
  kind: string;
  start: number;
  end: number;
  score: number;
}

const PRIORITY: Readonly<Record<PiiType, number>> = {
  private_key: 0,
  jwt: 1,
  api_key: 2,
  aws_access_key: 3,
  password: 4,
  iban: 5,
  credit_card: 6,
  us_ssn: 7,
  email: 8,
  ip_address: 9,
  phone: 10,
  date_of_birth: 11,
  passport: 12,
  driver_licence: 13,
};

function round2(x: number): number {
  return Math.round(Math.min(1, x) * 100) / 100;
}

class Scan {
  readonly out: Candidate[] = [];
  /** Offsets of the KEYWORDS in the text (ASCII case-insensitive), filled by scanChars. */
  readonly keywords = new Map<string, number[]>();

  constructor(readonly text: string) {}

  add(type: PiiType, kind: string, start: number, end: number, score: number): void {
    if (end > start) this.out.push({ type, kind, start, end, score: round2(score) });
  }

  /** Whether one of the words occurs in text[from, to), ignoring ASCII case, as a word (see Words). */
  private wordIn(from: number, to: number, words: Words): boolean {
    if (from < 0) from = 0;
    if (to > this.text.length) to = this.text.length;
    if (to <= from) return false;
    const s = this.text;
    const win = lowerAscii(s.slice(from, to));
    for (const w of words) {
      let i = win.indexOf(w);
      while (i >= 0) {
        const a = from + i;
        const b = a + w.length;
        // Not inside a word, nor a redaction label such as [PHONE] or [US_SSN] (a redacted
        // text must not lend context to what is left in it).
        const before = a === 0 ? 32 : s.charCodeAt(a - 1);
        const leftOk = !isLetterCode(before) && before !== 95 && before !== 91;
        const rightOk = w.length > 3 || b >= s.length || !isLetterCode(s.charCodeAt(b));
        if (leftOk && rightOk) return true;
        i = win.indexOf(w, i + 1);
      }
    }
    return false;
  }

  /** A context word in the 48 characters before or the 24 after. */
  near(start: number, end: number, words: Words | undefined): boolean {
    return words !== undefined && (this.wordIn(start - 48, start, words) || this.wordIn(end, end + 24, words));
  }

  /** A word in the 24 characters before, or a '#' right before (an "order #", "No. #"). */
  labelledOther(start: number, words: Words): boolean {
    let k = start - 1;
    while (k >= 0 && (this.text.charCodeAt(k) === 32 || this.text.charCodeAt(k) === 58)) k--;
    if (k >= 0 && this.text.charCodeAt(k) === 35) return true;
    return this.wordIn(start - 24, start, words);
  }

  /**
   * The score of a number: raised by a context word of its type; without one, 0 when a word
   * says the number is something else's identifier.
   */
  numberScore(type: PiiType, start: number, end: number, base: number, boost: number, negative: Words = NOT_PERSONAL): number {
    if (this.near(start, end, CONTEXT[type])) return base + boost;
    if (this.labelledOther(start, negative)) return 0;
    return base;
  }
}

/**
 * Whether text[start, end) stands alone: not glued to a letter, digit or underscore, and not
 * one part of a longer dashed or dotted token ("1-555-123-4567-8", "1.2.3.4.5",
 * "INV-4111111111111111").
 */
function isolated(s: string, start: number, end: number): boolean {
  if (start > 0) {
    const b = s.charCodeAt(start - 1);
    if (isWordCode(b)) return false;
    const first = s.charCodeAt(start);
    if ((b === 45 || b === 46) && start > 1 && isAlnumCode(s.charCodeAt(start - 2)) && first !== 43 && first !== 40) return false;
  }
  if (end < s.length) {
    const a = s.charCodeAt(end);
    if (isWordCode(a)) return false;
    if ((a === 45 || a === 46) && end + 1 < s.length && isAlnumCode(s.charCodeAt(end + 1))) return false;
  }
  return true;
}

// ------------------------------------------------------------------ numbers

function isRunSep(c: number): boolean {
  return c === 32 || c === 45 || c === 46 || c === 40 || c === 41; // space - . ( )
}

/**
 * The run of digits that starts at text[i] (a digit), joined by at most two separators
 * (space, '-', '.', parentheses), with a '+' or '(' just before; returns where it ends.
 */
function numberRunAt(sc: Scan, i: number): number {
  const s = sc.text;
  const n = s.length;
  let start = i;
  if (i > 0) {
    const p = s.charCodeAt(i - 1);
    if (p === 43 || p === 40) start = i - 1;
    if (p === 40 && i > 1 && s.charCodeAt(i - 2) === 43) start = i - 2;
  }
  let j = i;
  let digits = 0;
  let dots = false;
  let seps = start < i;
  for (;;) {
    while (j < n && isDigitCode(s.charCodeAt(j))) {
      j++;
      digits++;
    }
    let k = j;
    while (k < n && k - j < 2 && isRunSep(s.charCodeAt(k))) k++;
    if (k === j || k >= n || !isDigitCode(s.charCodeAt(k))) break;
    for (let q = j; q < k; q++) if (s.charCodeAt(q) === 46) dots = true;
    seps = true;
    j = k;
  }
  if (digits >= 7 || (dots && digits >= 4)) numberRun(sc, start, j, digits, dots, seps);
  return j;
}

function numberRun(sc: Scan, start: number, end: number, digits: number, dots: boolean, seps: boolean): void {
  const s = sc.text;
  const run = s.slice(start, end);
  const each = (source: string, fn: (m: RegexMatch, a: number, b: number, text: string) => void) => {
    for (const m of re(source).matchAll(run)) {
      const a = start + m.index;
      const b = start + m.end;
      if (isolated(s, a, b)) fn(m, a, b, m.groups[0]!);
    }
  };
  // Cheap tests first: a phone needs separators, a '+', or 10-11 bare digits; an SSN
  // separators or 9 bare digits.
  const bare = !seps;
  if (digits >= 7 && (!bare || run.charCodeAt(0) === 43 || digits === 10 || digits === 11))
    each(PHONE, (_m, a, b, t) => phone(sc, a, b, t, b < end));
  if (digits >= 9 && (!bare || digits === 9)) {
    each(SSN, (m, a, b, t) => {
      if (m.groups[1] !== m.groups[2]) return;
      const d = digitsOf(t);
      if (!validSsn(d)) return;
      const base = m.groups[1] === '-' ? 0.6 : m.groups[1] === ' ' ? 0.35 : 0.3;
      sc.add('us_ssn', '', a, b, sc.numberScore('us_ssn', a, b, base, 0.4));
    });
  }
  if (digits >= 13) {
    each(CARD, (_m, a, b, t) => {
      let sep = '';
      for (const ch of t) {
        if (ch === ' ' || ch === '-') {
          if (sep === '') sep = ch;
          else if (sep !== ch) return; // mixed separators: not how a card number is written
        }
      }
      const issuer = validCard(digitsOf(t));
      if (issuer !== undefined) sc.add('credit_card', issuer, a, b, sc.numberScore('credit_card', a, b, 0.9, 0.1));
    });
  }
  if (dots) {
    each(IPV4, (_m, a, b, t) => {
      const ip = tryParseIp(t);
      // 0.0.0.0/8 (this network) and 240.0.0.0/4 (reserved, broadcast, netmasks) are not hosts.
      if (ip === undefined || ip.bytes[0] === 0 || ip.bytes[0]! >= 240) return;
      sc.add('ip_address', 'ipv4', a, b, sc.numberScore('ip_address', a, b, 0.6, 0.3, NOT_IP));
    });
  }
}

/** `more`: the run of digits goes on after the match (then a weak format is not a phone). */
function phone(sc: Scan, a: number, b: number, t: string, more: boolean): void {
  let d = digitsOf(t);
  let base: number;
  const separated = /[ .()-]/.test(t);
  if (t.startsWith('+')) {
    if (t.startsWith('+1')) {
      if (d.length !== 11 || !validNanp(d.slice(1))) return;
      base = 0.7;
    } else {
      // Greedy grouping may take a following number: drop trailing groups past 15 digits.
      while (d.length > 15) {
        const cut = Math.max(t.lastIndexOf(' '), t.lastIndexOf('-'), t.lastIndexOf('.'));
        if (cut <= 0) return;
        t = t.slice(0, cut);
        b = a + cut;
        d = digitsOf(t);
      }
      if (d.length < 8 || /^\+\d{4}-\d{2}-\d{2}$/.test(t)) return; // "+2016-11-01" is an ISO 8601 date
      base = 0.7;
    }
  } else if (t.startsWith('0') || t.startsWith('(0')) {
    if (d.length < 10 || d.length > 11 || d[1] === '0' || more) return;
    base = separated ? 0.5 : 0.3;
  } else if (d.length === 7) {
    if (d.charCodeAt(0) < 50 || more) return;
    base = 0.3;
  } else {
    if (d.length === 11 && d[0] === '1') d = d.slice(1);
    if (!validNanp(d) || (!separated && more)) return;
    base = separated ? 0.6 : 0.3;
  }
  sc.add('phone', '', a, b, sc.numberScore('phone', a, b, base, 0.35));
}

// ------------------------------------------------------------------ email

function isLocalCode(c: number): boolean {
  // A-Z a-z 0-9 . _ % + - '
  return isAlnumCode(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45 || c === 39;
}

function isDomainCode(c: number): boolean {
  return isAlnumCode(c) || c === 46 || c === 45;
}

/** File extensions that follow '@' in names like `icon@2x.png`: not top-level domains. */
const NOT_TLD = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp', 'ico', 'js', 'ts', 'css', 'map', 'json', 'txt', 'pdf']);

/** Around each '@': the local part to the left (64 at most), the domain to the right. */
function scanEmails(sc: Scan): void {
  const s = sc.text;
  const n = s.length;
  let floor = 0; // nothing left of this is read again
  for (let at = s.indexOf('@'); at >= 0; at = s.indexOf('@', at + 1)) {
    let a = at;
    while (a > floor && at - a < 65 && isLocalCode(s.charCodeAt(a - 1))) a--;
    let b = at + 1;
    while (b < n && b - at <= 254 && isDomainCode(s.charCodeAt(b))) b++;
    floor = b;
    while (a < at && (s.charCodeAt(a) === 46 || s.charCodeAt(a) === 39)) a++; // not a leading '.' or quote
    while (b > at + 1 && (s.charCodeAt(b - 1) === 46 || s.charCodeAt(b - 1) === 45)) b--;
    if (a === at || b === at + 1) continue;
    if (a > 0 && isLocalCode(s.charCodeAt(a - 1)) && s.charCodeAt(a - 1) !== 39) continue; // local part longer than 64
    if (a > 0 && s.charCodeAt(a - 1) === 58 && inUrlUserInfo(s, a - 1)) continue; // scheme://user:pass@host
    const local = s.slice(a, at);
    const domain = s.slice(at + 1, b);
    if (local.endsWith('.') || local.includes('..')) continue;
    const labels = domain.split('.');
    if (labels.length < 2) continue;
    if (labels.some((l) => l.length === 0 || l.length > 63 || l.startsWith('-') || l.endsWith('-'))) continue;
    const tld = labels[labels.length - 1]!;
    if (!(/^[A-Za-z]{2,24}$/.test(tld) || /^xn--[a-z0-9-]{2,59}$/i.test(tld)) || NOT_TLD.has(tld.toLowerCase())) continue;
    sc.add('email', '', a, b, sc.near(a, b, CONTEXT.email) ? 1 : 0.9);
  }
}

/** Whether the ':' at c separates user and password in a URL: "//user" right before it. */
function inUrlUserInfo(s: string, c: number): boolean {
  for (let k = c - 1; k > 0 && c - k <= 64; k--) {
    const ch = s.charCodeAt(k);
    if (ch === 47) return s.charCodeAt(k - 1) === 47;
    if (ch === 32 || ch === 10 || ch === 64 || ch === 58) return false;
  }
  return false;
}

// ------------------------------------------------------------------ tokens: keys, JWTs, IBANs

function isTokenCode(c: number): boolean {
  return isWordCode(c) || c === 45 || c === 46; // A-Z a-z 0-9 _ - .
}

/** 1 for the ASCII characters of a token: A-Z a-z 0-9 _ - . */
const TOKEN_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) TOKEN_CHAR[c] = isTokenCode(c) ? 1 : 0;

/**
 * The one pass over every character: keywords (a table lookup on each pair of characters),
 * tokens (maximal runs of [A-Za-z0-9_.-], looked at when long enough to be a key or an
 * IBAN), and runs of digits (from the first digit of a token that has one; a run may go on
 * through separators into the next tokens, which are then not scanned for numbers again).
 */
function scanChars(sc: Scan): void {
  const s = sc.text;
  const n = s.length;
  let prev = 0; // the previous character, folded; 0 after a non-ASCII one
  let tokStart = -1;
  let tokDigit = -1; // first digit of the current token
  let numbersDone = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? s.charCodeAt(i) : 0;
    const f = c < 128 ? FOLD[c]! : 0;
    if (prev !== 0 && f !== 0) {
      const b = KEYWORD_TABLE[prev * 128 + f]!;
      if (b !== 0) matchKeywords(sc, i - 1, b);
    }
    prev = f;
    if (f !== 0 && TOKEN_CHAR[f] === 1) {
      if (tokStart < 0) {
        tokStart = i;
        tokDigit = -1;
      }
      if (tokDigit < 0 && c >= 48 && c <= 57) tokDigit = i;
      continue;
    }
    if (tokStart < 0) continue;
    // A token ended at i.
    let e = i;
    while (e > tokStart && s.charCodeAt(e - 1) === 46) e--; // a sentence's full stop
    const len = e - tokStart;
    if (len >= 15 || (len === 4 && isUpper(s.charCodeAt(tokStart)))) token(sc, tokStart, e);
    for (let d = Math.max(tokDigit, numbersDone); tokDigit >= 0 && d < i; ) {
      if (isDigitCode(s.charCodeAt(d))) {
        d = numbersDone = numberRunAt(sc, d);
      } else d++;
    }
    tokStart = -1;
  }
}

function token(sc: Scan, i: number, e: number): void {
  const s = sc.text;
  const c0 = s.charCodeAt(i);
  const t = s.slice(i, e);
  if (t.length === 4) {
    if (isUpper(c0)) ibanSpaced(sc, i, e, t);
    return;
  }
  if (c0 === 101 /* e */ && t.startsWith('eyJ')) {
    let tok = t;
    let end = e;
    // An unsigned JWT ends with its empty signature: "header.payload."
    if (e < s.length && s.charCodeAt(e) === 46 && countDots(t) === 1) {
      tok = `${t}.`;
      end = e + 1;
    }
    if (re(JWT).test(tok) && validJwt(tok)) sc.add('jwt', '', i, end, 0.95);
    return;
  }
  if (c0 === 65 /* A */ && t.length === 20 && re(AWS_KEY).test(t) && entropy(t.slice(4)) >= 3) {
    sc.add('aws_access_key', '', i, e, 0.95);
    return;
  }
  for (const [prefix, kind, source] of API_KEYS) {
    if (!t.startsWith(prefix)) continue;
    if (re(source).test(t) && secretLooking(t.slice(prefix.length), kind)) sc.add('api_key', kind, i, e, 0.95);
    return;
  }
  if (isUpper(c0) && t.length <= 42) {
    const compact = re(IBAN_COMPACT).test(t) ? t : re(IBAN_DASHED).test(t) ? t.replaceAll('-', '') : undefined;
    if (compact !== undefined && validIban(compact)) sc.add('iban', '', i, e, 1);
  }
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

function countDots(t: string): number {
  let k = 0;
  for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 46) k++;
  return k;
}

/** A key's random part: mixed characters, not a repeated or sequential stand-in. */
function secretLooking(body: string, kind: string): boolean {
  if (kind === 'github' || kind === 'google') return entropy(body) >= 3;
  return entropy(body) >= 3 && charClasses(body) >= 2;
}

/** "GB82 WEST 1234 5698 7654 32": the head token, then groups of four after single spaces. */
function ibanSpaced(sc: Scan, i: number, e: number, head: string): void {
  if (!isUpper(head.charCodeAt(1)) || !isDigitCode(head.charCodeAt(2)) || !isDigitCode(head.charCodeAt(3))) return;
  const len = IBAN_LENGTHS[head.slice(0, 2)];
  if (len === undefined) return;
  const s = sc.text;
  let acc = head;
  let k = e;
  while (acc.length < len) {
    if (s.charCodeAt(k) !== 32) return;
    let g = k + 1;
    while (g < s.length && g - k <= 4 && (isUpper(s.charCodeAt(g)) || isDigitCode(s.charCodeAt(g)))) g++;
    const group = s.slice(k + 1, g);
    if (group.length === 0 || (group.length < 4 && acc.length + group.length !== len)) return;
    acc += group;
    k = g;
  }
  if (acc.length !== len || (k < s.length && isAlnumCode(s.charCodeAt(k)))) return;
  if (validIban(acc)) sc.add('iban', '', i, k, 1);
}

// ------------------------------------------------------------------ IPv6

function isV6Code(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46; // 0-9 : A-F a-f .
}

/** Around each ':' the run of hex digits, colons and dots; an IPv6 address if it parses. */
function scanIpv6(sc: Scan): void {
  const s = sc.text;
  const n = s.length;
  let floor = 0;
  for (let c = s.indexOf(':'); c >= 0; c = s.indexOf(':', Math.max(c + 1, floor))) {
    let a = c;
    while (a > floor && isV6Code(s.charCodeAt(a - 1))) a--;
    let b = c + 1;
    while (b < n && isV6Code(s.charCodeAt(b))) b++;
    floor = b;
    while (b > a && s.charCodeAt(b - 1) === 46) b--;
    if (b - a >= 2 && s.charCodeAt(b - 1) === 58 && s.charCodeAt(b - 2) !== 58) b--;
    if (b - a >= 2 && s.charCodeAt(a) === 58 && s.charCodeAt(a + 1) !== 58) a++;
    if (b - a < 3) continue;
    if ((a > 0 && isWordCode(s.charCodeAt(a - 1))) || (b < n && isWordCode(s.charCodeAt(b)))) continue;
    const t = s.slice(a, b);
    const ip = tryParseIp(t);
    if (ip === undefined || ip.bytes.length !== 16) continue;
    // Two hex groups or more, one with a digit: not "::", "a::b" or "dead::beef".
    const groups = t.split(/:+/).filter((g) => g.length > 0);
    if (groups.length < 2 || !/\d/.test(t)) continue;
    sc.add('ip_address', 'ipv6', a, b, sc.numberScore('ip_address', a, b, 0.7, 0.3, NOT_IP));
  }
}

// ------------------------------------------------------------------ keywords

/**
 * Each occurrence of `word` (one of KEYWORDS, any ASCII case) in the text, left to right, whose left
 * neighbour is not a letter unless `leftLetterOk`.
 */
function eachWord(sc: Scan, word: string, fn: (p: number, q: number) => void, leftLetterOk = false): void {
  const at = sc.keywords.get(word);
  if (at === undefined) return;
  const s = sc.text;
  for (const p of at) {
    if (!leftLetterOk && p > 0 && isLetterCode(s.charCodeAt(p - 1))) continue;
    fn(p, p + word.length);
  }
}

/** Whether the keyword at p is inside a redaction label: `[PASSWORD:1a2b3c4d]`, `[API_KEY]`. */
function labelled(s: string, p: number): boolean {
  for (let k = 0; ; k++) {
    const c = p > 0 ? s.charCodeAt(p - 1) : 0;
    if (c === 91) break; // '['
    // labels are upper case, and short (this also bounds the walk: linear time)
    if (!((c >= 65 && c <= 90) || c === 95) || k > 16) return false;
    p--;
  }
  // ...and the keyword itself is upper case too
  return !(s.charCodeAt(p) >= 97 && s.charCodeAt(p) <= 122);
}

interface Assigned {
  value: string;
  start: number;
  end: number;
  /** The separator's kind, also for a quoted value (how is then 'quoted'). */
  sep: '=' | ':' | 'is' | ' ';
  /** The quote character of a quoted value, else 0. */
  quote: number;
  /**
   * How the value was given: '=' (code), ':' (config or prose), 'is' (prose), 'quoted', or
   * ' ' (after white space only: `secret Zx8Qm2...`).
   */
  how: '=' | ':' | 'is' | 'quoted' | ' ';
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/** Words that introduce a value in prose, longest first ("password is set to x"). */
const PROSE_SEPARATORS = ['is set to', 'was set to', 'set to', 'is', 'was', 'to'];

/**
 * The separator after a keyword at text[q]: an optional closing quote or bracket, then
 * `=`, `:=`, `=>` (how '='), `:` or `>` (':'), a prose word such as "is" ('is'), or only
 * blanks (' '); up to four blanks around it. Returns where the value starts.
 */
function separatorAfter(s: string, q: number): { at: number; how: Assigned['how'] } | undefined {
  const n = s.length;
  let k = q;
  let c = s.charCodeAt(k);
  if (c === 34 || c === 39 || c === 93) k++;
  const blank0 = k;
  while (k < n && k - blank0 < 4 && isBlank(s.charCodeAt(k))) k++;
  c = s.charCodeAt(k);
  const c1 = s.charCodeAt(k + 1);
  let how: Assigned['how'];
  if ((c === 58 && c1 === 61) || (c === 61 && c1 === 62)) {
    how = '=';
    k += 2;
  } else if (c === 61) {
    how = '=';
    k++;
  } else if (c === 58 || c === 62) {
    how = ':';
    k++;
  } else if (k > blank0) {
    how = ' ';
    const ahead = lowerAscii(s.slice(k, k + 11));
    for (const w of PROSE_SEPARATORS) {
      if (ahead.startsWith(w) && isBlank(ahead.charCodeAt(w.length))) {
        how = 'is';
        k += w.length;
        break;
      }
    }
  } else return undefined;
  const blank1 = k;
  while (k < n && k - blank1 < 4 && isBlank(s.charCodeAt(k))) k++;
  return { at: k, how };
}

/** White space and the characters that end an unquoted value. */
function endsValue(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 34 || c === 39 || c === 96 || c === 60 || c === 62 || c === 44 || c === 59;
}

const MAX_VALUE = 128;

/**
 * The value assigned right after a keyword at text[q]: `= v`, `: v`, `"v"`, ` is v`, ` v`;
 * quoted, or up to white space, a quote or one of `<>,;`, 128 characters at most. A small
 * fixed grammar read by hand: each character once.
 */
function assignedAfter(sc: Scan, q: number): Assigned | undefined {
  const s = sc.text;
  const sep = separatorAfter(s, q);
  if (sep === undefined) return undefined;
  const v0 = sep.at;
  const quote = s.charCodeAt(v0);
  let start: number;
  let end: number;
  if (quote === 34 || quote === 39 || quote === 96) {
    start = v0 + 1;
    end = start;
    while (end < s.length && end - start <= MAX_VALUE && s.charCodeAt(end) !== quote) {
      const c = s.charCodeAt(end);
      if (c === 10 || c === 13) return undefined;
      end++;
    }
    if (end >= s.length || s.charCodeAt(end) !== quote || end === start || end - start > MAX_VALUE) return undefined;
    return { value: s.slice(start, end), start, end, how: 'quoted', sep: sep.how as Assigned['sep'], quote };
  }
  start = v0;
  end = v0;
  while (end < s.length && end - start < MAX_VALUE && !endsValue(s.charCodeAt(end))) end++;
  if (end === start) return undefined;
  let value = s.slice(start, end);
  while (value.endsWith('.') || (value.endsWith(')') && !value.includes('('))) {
    value = value.slice(0, -1);
    end--;
  }
  if (value === '') return undefined;
  return { value, start, end, how: sep.how, sep: sep.how as Assigned['sep'], quote: 0 };
}

/** Keywords ending an identifier whose value is a password; `pass` only before '=' or ':' (DB_PASS=...). */
const PASSWORD_WORDS = ['password', 'passwd', 'passphrase', 'passcode', 'pwd', 'pswd', 'pass'];
const CLI_USER_FLAGS = [' -u', ' --user'];
const AUTH_WORDS = ['auth'];

function scanPasswords(sc: Scan): void {
  const s = sc.text;
  for (const w of PASSWORD_WORDS) {
    let done = 0;
    eachWord(
      sc,
      w,
      (p, q) => {
        if (p < done || (q < s.length && isWordCode(s.charCodeAt(q))) || labelled(s, p) || inWord(s, p, w)) return;
        const v = assignedAfter(sc, q);
        if (v !== undefined && v.how === ':' && parameter(s, p)) return;
        // "pass" is also a verb ("pass `--force`"): only `pass=`/`pass:` (DB_PASS=...).
        if (v === undefined || !passwordValue(v) || (w === 'pass' && v.sep !== '=' && v.sep !== ':')) return;
        sc.add('password', '', v.start, v.end, 0.8);
        done = v.end;
      },
      true,
    );
  }
  // auth=("user", "password") in Python requests, HTTPBasicAuth("user", "password")
  eachWord(
    sc,
    'auth',
    (_p, q) => {
      if (q < s.length && isLetterCode(s.charCodeAt(q))) return;
      const m = re(AUTH_TUPLE).exec(s.slice(q, q + 220));
      if (m === null) return;
      const pw = m.groups[1]!;
      const end = q + m.end - 1;
      if (passwordValue({ value: pw, start: end - pw.length, end, how: 'quoted', sep: '=', quote: 34 }))
        sc.add('password', '', end - pw.length, end, 0.8);
    },
    true,
  );
  // curl -u user:password / --user user:password
  for (const flag of CLI_USER_FLAGS) {
    eachWord(
      sc,
      flag,
      (_p, q) => {
        const m = re(CLI_USER).exec(s.slice(q, q + 200));
        if (m === null) return;
        const pw = m.groups[2]!;
        const end = q + m.end;
        if (passwordValue({ value: pw, start: end - pw.length, end, how: '=', sep: '=', quote: 0 }))
          sc.add('password', '', end - pw.length, end, 0.8);
      },
      true,
    );
  }
}

/**
 * Whether a short keyword ("pass", "pwd") ends a longer word: "minipass", "bypass",
 * "compass" (but "db_pass", "DB_PASS" and camelCase "dbPass" are assignments to a password).
 */
function inWord(s: string, p: number, w: string): boolean {
  if (w.length > 4 || p === 0) return false;
  const before = s.charCodeAt(p - 1);
  if (!isLetterCode(before)) return false;
  const first = s.charCodeAt(p);
  return !(first >= 65 && first <= 90 && before >= 97 && before <= 122);
}

/** A TypeScript or Python parameter (`fn(password: Uint8Array`, `, pwd: str`): not a value. */
function parameter(s: string, p: number): boolean {
  let k = p - 1;
  while (k >= 0 && (isWordCode(s.charCodeAt(k)) || s.charCodeAt(k) === 36)) k--; // the identifier's start
  while (k >= 0 && isBlank(s.charCodeAt(k))) k--;
  const c = k >= 0 ? s.charCodeAt(k) : 0;
  return c === 40 || c === 44; // ( ,
}

function passwordValue(v: Assigned): boolean {
  const x = v.value;
  if (x.length < 6 || x.length > 128 || isPlaceholder(x) || entropy(x) < 2 || isFilePath(x)) return false;
  if (v.how !== 'quoted' && isCodeReference(x)) return false;
  // `password "x"` is a value; "password `x`" is Markdown code, as in "pass `--force`".
  // A quoted phrase that names what it is ('Password used to generate key') describes one.
  if (v.how === 'quoted') return (v.sep !== ' ' || v.quote !== 96) && !(/\s/.test(x) && /pass|secret|key|token/i.test(x));
  if (v.how === '=') return true;
  if (v.how === ' ') return false;
  return charClasses(x) >= 2;
}

const SECRET_WORDS = ['api_key', 'apikey', 'api-key', 'secret', 'token', 'access_key', 'accesskey', 'auth_key', 'private_key'];

function scanSecretAssignments(sc: Scan): void {
  const s = sc.text;
  for (const w of SECRET_WORDS) {
    let done = 0;
    eachWord(
      sc,
      w,
      (p, q) => {
        if (p < done || labelled(s, p)) return;
        // The keyword may be inside an identifier: AWS_SECRET_ACCESS_KEY, x-api-key, clientSecret.
        let k = q;
        while (k < s.length && k - q < 32 && (isWordCode(s.charCodeAt(k)) || s.charCodeAt(k) === 45)) k++;
        const v = assignedAfter(sc, k);
        if (v === undefined || !secretValue(v.value) || (v.how === ' ' && !strongSecret(v.value))) return;
        sc.add('api_key', 'generic', v.start, v.end, 0.7);
        done = v.end;
      },
      true,
    );
  }
  eachWord(sc, 'bearer', (_p, q) => {
    const m = re(BEARER).exec(s.slice(q, q + 600));
    if (m === null) return;
    const v = m.groups[1]!;
    const end = q + m.end;
    if (secretValue(v)) sc.add('api_key', 'generic', end - v.length, end, 0.7);
  });
}

function secretValue(x: string): boolean {
  return (
    x.length >= 16 &&
    !/[\s()[\]{}<>`]/.test(x) &&
    !x.includes('://') &&
    !isPlaceholder(x) &&
    !isCodeReference(x) &&
    alnumClasses(x) >= 2 &&
    entropy(x) >= 3
  );
}

/** A value given after the keyword and white space only ("secret Zx8Qm2..."): must look random. */
function strongSecret(x: string): boolean {
  return x.length >= 20 && charClasses(x) >= 3 && entropy(x) >= 3.5;
}

/** scheme://user:password@host */
function scanUrlCredentials(sc: Scan): void {
  const s = sc.text;
  let floor = 0;
  for (let p = s.indexOf('://'); p >= 0; p = s.indexOf('://', p + 3)) {
    let a = p;
    while (
      a > floor &&
      p - a < 21 &&
      (isAlnumCode(s.charCodeAt(a - 1)) || s.charCodeAt(a - 1) === 43 || s.charCodeAt(a - 1) === 46 || s.charCodeAt(a - 1) === 45)
    )
      a--;
    floor = p + 3;
    const m = re(URL_CREDENTIALS).exec(s.slice(a, a + 240));
    if (m === null) continue;
    const pw = m.groups[1]!;
    const end = a + m.end - 2; // before '@' and the host's first character
    if (pw.length < 3 || isPlaceholder(pw)) continue;
    // Above an email's score: in `user:pw@host` the password, not `pw@host`, is the finding.
    sc.add('password', 'url', end - pw.length, end, 0.95);
  }
}

const PEM_HEADERS = ['Proc-Type:', 'DEK-Info:', 'Comment:'];

function isBase64Code(c: number): boolean {
  return isAlnumCode(c) || c === 43 || c === 47 || c === 61; // + / =
}

/**
 * Where the body of a PEM block that starts at `k` ends: at "-----" (the END line) when what
 * comes before is base64 lines (indented or not; line breaks real, escaped as \n in JSON, or
 * turned into spaces by a chat box) and RFC 1421 headers; for a truncated key, after its last
 * base64 characters. Each character is read at most twice.
 */
function pemBodyEnd(s: string, k: number): number {
  const n = s.length;
  let good = k; // after the last body character
  let lineStart = true;
  let header = false;
  while (k < n) {
    const c = s.charCodeAt(k);
    if (c === 10 || c === 13 || (c === 92 && s.charCodeAt(k + 1) === 110)) {
      k += c === 92 ? 2 : 1;
      lineStart = true;
      header = false;
      continue;
    }
    if (c === 32 || c === 9) {
      if (lineStart || header) {
        k++;
        continue;
      }
      // A line break turned into a space: a long base64 run or the END line follows.
      let j = k + 1;
      while (j < n && (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9)) j++;
      let e = j;
      while (e < n && e - j < 16 && isBase64Code(s.charCodeAt(e))) e++;
      if (e - j < 16 && !s.startsWith('-----', j)) return good;
      k = j;
      lineStart = true;
      continue;
    }
    if (c === 45 && s.startsWith('-----', k)) return lineStart ? k : good;
    if (lineStart) {
      lineStart = false;
      header = PEM_HEADERS.some((h) => s.startsWith(h, k));
    }
    if (!header && !isBase64Code(c)) return good;
    k++;
    good = k;
  }
  return good;
}

function scanPem(sc: Scan): void {
  const s = sc.text;
  for (let p = s.indexOf('-----BEGIN '); p >= 0; p = s.indexOf('-----BEGIN ', p + 1)) {
    const m = re(PEM_BEGIN).exec(s.slice(p, p + 80));
    if (m === null) continue;
    const words = m.groups[1]!.trim().toLowerCase();
    const kind = words === '' ? 'pkcs8' : words.split(' ')[0]!;
    const k = pemBodyEnd(s, p + m.end);
    let end = k;
    if (s.startsWith('-----END ', k)) {
      const e = re(PEM_END).exec(s.slice(k, k + 80));
      if (e !== null) end = k + e.end;
    }
    sc.add('private_key', kind, p, end, 1);
    p = Math.max(p, k - 1);
  }
}

// Dates of birth, passports and driving licences: only where a keyword says so.

const BIRTH_WORDS: readonly (readonly [word: string, wholeWord: boolean])[] = [
  ['born', true],
  ['birth', false], // birth, birthday, birthdate, date of birth
  ['dob', true],
  ['d.o.b', false],
  ['bday', true],
  ['b-day', true],
  ['geboren', true],
];

function scanBirthDates(sc: Scan): void {
  const s = sc.text;
  for (const [w, whole] of BIRTH_WORDS) {
    eachWord(sc, w, (p, q) => {
      if (q < s.length && isLetterCode(s.charCodeAt(q))) {
        // "birthday", "birthdate", not "birthtime" (a file's creation time) or "birthplace"
        if (whole || !/^(?:day|date)/i.test(s.slice(q, q + 4))) return;
      }
      // The first date in the 48 characters after, else the last in the 24 before.
      const after = dates(s.slice(q, q + 48), true);
      if (after.length > 0) {
        sc.add('date_of_birth', '', q + after[0]!.index, q + after[0]!.end, 0.85);
        return;
      }
      const from = Math.max(0, p - 24);
      const before = dates(s.slice(from, p), false);
      const last = before[before.length - 1];
      if (last !== undefined) sc.add('date_of_birth', '', from + last.index, from + last.end, 0.85);
    });
  }
}

/** The valid dates in a short window, left to right (only the first when `first`). */
function dates(win: string, first: boolean): { index: number; end: number }[] {
  const out: { index: number; end: number }[] = [];
  let pos = 0;
  while (pos < win.length) {
    const m = re(DATE_FIND).exec(pos === 0 ? win : win.slice(pos));
    if (m === null) break;
    const parts = re(DATE).exec(m.groups[0]!);
    if (parts !== null && validDate(parts)) {
      out.push({ index: pos + m.index, end: pos + m.end });
      if (first) break;
    }
    pos += m.end;
  }
  return out;
}

/** Whether the parts of a DATE match make a calendar date with a plausible birth year. */
function validDate(m: RegexMatch): boolean {
  const g = m.groups;
  if (g[1] !== undefined) {
    const y = plausibleBirthYear(g[1]);
    return y !== undefined && validDay(y, +g[2]!, +g[3]!);
  }
  if (g[4] !== undefined) {
    const y = plausibleBirthYear(g[6]!);
    if (y === undefined) return false;
    return validDay(y, +g[5]!, +g[4]) || validDay(y, +g[4], +g[5]!); // day/month or month/day
  }
  if (g[7] !== undefined) {
    const y = plausibleBirthYear(g[9]!);
    return y !== undefined && validDay(y, monthNumber(g[8]!)!, +g[7]);
  }
  const y = plausibleBirthYear(g[12]!);
  return y !== undefined && validDay(y, monthNumber(g[10]!)!, +g[11]!);
}

/**
 * The first id-like token in the `span` characters after text[q], on the same line: upper
 * case letters, digits and inner dashes, 6-20 long, four digits at least, not a date; or
 * three groups of three digits ("123 456 789").
 */
function idAfter(sc: Scan, q: number, span: number): { start: number; end: number } | undefined {
  const s = sc.text;
  const limit = Math.min(s.length, q + span);
  let k = q;
  while (k < limit) {
    const c = s.charCodeAt(k);
    if (c === 10 || c === 13) return undefined;
    if (!(isWordCode(c) || c === 45)) {
      k++;
      continue;
    }
    // A token: a maximal run of [A-Za-z0-9_-].
    let e = k;
    while (e < s.length && (isWordCode(s.charCodeAt(e)) || s.charCodeAt(e) === 45)) e++;
    let a = k;
    let b = e;
    while (a < b && s.charCodeAt(a) === 45) a++;
    while (b > a && s.charCodeAt(b - 1) === 45) b--;
    const t = s.slice(a, b);
    if (t.length === 3 && isDigits(t) && /^ \d{3} \d{3}(?![\w-])/.test(s.slice(b, b + 9))) return { start: a, end: b + 8 };
    if (t.length >= 6 && t.length <= 20 && isIdToken(t) && !re(DATE_LIKE).test(t)) return { start: a, end: b };
    k = e;
  }
  return undefined;
}

function isDigits(t: string): boolean {
  for (let i = 0; i < t.length; i++) if (!isDigitCode(t.charCodeAt(i))) return false;
  return true;
}

/** Upper case letters, digits and dashes, four digits at least. */
function isIdToken(t: string): boolean {
  let digits = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (isDigitCode(c)) digits++;
    else if (!isUpper(c) && c !== 45) return false;
  }
  return digits >= 4;
}

const ID_WORDS = ['passport', 'licen', 'dl'];

function scanIdDocuments(sc: Scan): void {
  const s = sc.text;
  eachWord(sc, 'passport', (_p, q) => {
    const id = idAfter(sc, q, 40);
    if (id !== undefined) sc.add('passport', '', id.start, id.end, 0.8);
  });
  const licence = (q: number) => {
    // Skip the rest of the keyword's word ("licence", "license", "licensed").
    while (q < s.length && isLetterCode(s.charCodeAt(q))) q++;
    const id = idAfter(sc, q, 40);
    if (id !== undefined) sc.add('driver_licence', '', id.start, id.end, 0.8);
  };
  eachWord(sc, 'licen', (p, q) => {
    const before = lowerAscii(s.slice(Math.max(0, p - 16), p));
    if (before.includes('driv')) licence(q);
  });
  eachWord(sc, 'dl', (_p, q) => {
    if (q < s.length && isLetterCode(s.charCodeAt(q))) return;
    const rest = lowerAscii(s.slice(q, q + 12));
    if (/^\s{0,2}(?:#|:|no\b|num|nr\b)/.test(rest)) licence(q);
    else if (/^ [A-Za-z0-9]/.test(rest)) {
      // "DL F255-921-50-094-0": without a "#", ":" or "no", only the token right after.
      const id = idAfter(sc, q, 2);
      if (id !== undefined && id.start === q + 1) sc.add('driver_licence', '', id.start, id.end, 0.8);
    }
  });
}

// ------------------------------------------------------------------ the keyword index

/** Every keyword the scanners look for (lower case ASCII, two characters or more). */
const KEYWORDS: readonly string[] = [
  ...new Set([...PASSWORD_WORDS, ...CLI_USER_FLAGS, ...AUTH_WORDS, ...SECRET_WORDS, 'bearer', ...BIRTH_WORDS.map(([w]) => w), ...ID_WORDS]),
];

/** Keywords by their first two characters: KEYWORD_TABLE[c0 * 128 + c1] - 1 indexes KEYWORD_BUCKETS. */
const KEYWORD_BUCKETS: string[][] = [];
const KEYWORD_TABLE = new Int16Array(128 * 128);
for (const w of KEYWORDS) {
  const slot = w.charCodeAt(0) * 128 + w.charCodeAt(1);
  if (KEYWORD_TABLE[slot] === 0) KEYWORD_TABLE[slot] = KEYWORD_BUCKETS.push([]);
  KEYWORD_BUCKETS[KEYWORD_TABLE[slot]! - 1]!.push(w);
}

/** ASCII lower case of each ASCII character. */
const FOLD = new Uint8Array(128);
for (let c = 0; c < 128; c++) FOLD[c] = c >= 65 && c <= 90 ? c + 32 : c;

/** Records the keywords of bucket `b` that occur at text[p] (any ASCII case). */
function matchKeywords(sc: Scan, p: number, b: number): void {
  const s = sc.text;
  next: for (const w of KEYWORD_BUCKETS[b - 1]!) {
    if (p + w.length > s.length) continue;
    for (let k = 2; k < w.length; k++) {
      const c = s.charCodeAt(p + k);
      if (c >= 128 || FOLD[c] !== w.charCodeAt(k)) continue next;
    }
    const list = sc.keywords.get(w);
    if (list === undefined) sc.keywords.set(w, [p]);
    else list.push(p);
  }
}

// ------------------------------------------------------------------ resolving overlaps

function resolve(text: string, cands: Candidate[]): PiiFinding[] {
  const kept = cands.filter((c) => c.score >= PII_THRESHOLD);
  if (kept.length > 1) {
    kept.sort(
      (x, y) => y.score - x.score || y.end - y.start - (x.end - x.start) || PRIORITY[x.type] - PRIORITY[y.type] || x.start - y.start,
    );
  }
  const out: PiiFinding[] = [];
  const taken = kept.length > 1 ? new Uint8Array(text.length) : undefined;
  for (const c of kept) {
    if (taken !== undefined) {
      let free = true;
      for (let k = c.start; k < c.end; k++) {
        if (taken[k]) {
          free = false;
          break;
        }
      }
      if (!free) continue;
      taken.fill(1, c.start, c.end);
    }
    out.push(Object.freeze({ type: c.type, kind: c.kind, start: c.start, end: c.end, score: c.score, text: text.slice(c.start, c.end) }));
  }
  out.sort((x, y) => x.start - y.start);
  return out;
}

/** Every finding in a text, uncached: what `detectPii` memoizes. */
export function scanPii(text: string): PiiFinding[] {
  const sc = new Scan(text);
  if (text.length === 0) return [];
  scanChars(sc);
  if (text.includes('@')) scanEmails(sc);
  if (text.includes(':')) scanIpv6(sc);
  scanPasswords(sc);
  scanSecretAssignments(sc);
  if (text.includes('://')) scanUrlCredentials(sc);
  if (text.includes('-----BEGIN ')) scanPem(sc);
  scanBirthDates(sc);
  scanIdDocuments(sc);
  return resolve(text, sc.out);
}

// ------------------------------------------------------------------ prepare

/**
 * A text down the scan's common paths: an e-mail address, and runs of digits that the phone,
 * card, SSN and IP patterns read (compiling the phone pattern alone takes re2js ~15 ms).
 */
const WARM_UP = 'Reach jane.doe@example.com or +1 (555) 123-4567 from 10.0.0.1; card 4111 1111 1111 1111, SSN 123-45-6789.';

/**
 * Scans one text, so that no decision pays for what the first scan in a process builds on the
 * common paths (the `prepare` of the `pii.*` functions). The patterns of rarer paths (API key
 * formats, PEM blocks, dates of birth: 0.3-6 ms each) are compiled when a text first needs them;
 * compiling them all would add ~55 ms to every load.
 */
export function preparePii(): void {
  scanPii(WARM_UP);
}

/** How many patterns are compiled for the current regex engine (tests: `preparePii` leaves none for later). */
export function compiledPatterns(): number {
  return compiledFor === getRegexEngine() ? compiled.size : 0;
}

// ------------------------------------------------------------------ memo

/** Texts remembered (least recently used dropped first). */
export const PII_CACHE_ENTRIES = 256;
/** Total UTF-16 code units of remembered texts; longer texts are scanned but not remembered. */
export const PII_CACHE_CHARS = 4 * 1024 * 1024;

// made on first scan, not at import (cold starts)
let memo: LRUCache<string, readonly PiiFinding[]> | undefined;
let hits = 0;
let scans = 0;

/**
 * The findings in a text, sorted by offset, non-overlapping, each scoring at least
 * PII_THRESHOLD. Memoized per text (bounded LRU): every rule that asks about the same text
 * in one decision shares one scan. The returned array and its findings are frozen.
 */
export function detectPii(text: string): readonly PiiFinding[] {
  memo ??= new LRUCache<string, readonly PiiFinding[]>({
    max: PII_CACHE_ENTRIES,
    maxSize: PII_CACHE_CHARS,
    maxEntrySize: PII_CACHE_CHARS / 8,
    sizeCalculation: (_, text) => Math.max(1, text.length),
  });
  const hit = memo.get(text);
  if (hit !== undefined) {
    hits++;
    return hit;
  }
  scans++;
  const found = Object.freeze(scanPii(text));
  memo.set(text, found);
  return found;
}

/** Empties the memo and zeroes its counters (for tests and benchmarks). */
export function clearPiiCache(): void {
  memo?.clear();
  hits = 0;
  scans = 0;
}

/** The memo's size and how many calls it answered (hits) or had to scan for (scans). */
export function piiCacheStats(): { entries: number; chars: number; hits: number; scans: number } {
  return { entries: memo?.size ?? 0, chars: memo?.calculatedSize ?? 0, hits, scans };
}
