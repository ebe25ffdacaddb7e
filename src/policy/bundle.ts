// Signed policy bundles: one JSON file holding policy texts, a manifest of their SHA-256
// digests, and a signature over the canonical JSON of the format and the manifest. Signing
// the manifest (not the texts) keeps the signed bytes small and independent of JSON
// whitespace; each text is then checked against its digest.
//
// Runtime-neutral: WebCrypto (`crypto.subtle`: Ed25519, HMAC-SHA256, SHA-256) and plain JS for
// PEM and DER, so a bundle verifies in Node, Deno, Bun, Cloudflare Workers and Vercel Edge.
// WebCrypto is asynchronous, so everything here is. See docs/lifecycle.md#signed-bundles.

import { PolicyError, type Issue } from '../lang/errors.js';
import { canonicalJson } from '../util/canonical.js';
import { base64Encode, hexEncode } from '../util/encoding.js';
import type { PolicyFile } from './source.js';

export const BUNDLE_FORMAT = 'llm-policy-bundle/v1';

export interface BundleManifest {
  files: { filename: string; sha256: string; bytes: number }[];
  /** When the bundle was built (RFC 3339); informative. */
  created?: string;
}

export interface BundleSignature {
  alg: 'Ed25519' | 'HMAC-SHA256';
  /** For Ed25519: the first 16 hex digits of the SHA-256 of the raw public key, to name the key in errors. */
  keyId?: string;
  /** Base64 of the signature over `canonicalJson({ format, manifest })`. */
  value: string;
}

export interface PolicyBundle {
  format: typeof BUNDLE_FORMAT;
  manifest: BundleManifest;
  files: { filename: string; text: string }[];
  signature?: BundleSignature;
}

/** How a bundle is checked: a key to verify its signature with, or explicitly none. */
export interface BundleVerifyOptions {
  /** An Ed25519 public key: PEM (`-----BEGIN PUBLIC KEY-----`, SPKI) or a WebCrypto CryptoKey. */
  publicKey?: string | CryptoKeyLike;
  /** The shared secret of an HMAC-SHA256 signature (a string is taken as UTF-8). */
  hmacSecret?: string | Uint8Array;
  /** Load bundles without a signature check (the digests are still checked). */
  allowUnsigned?: boolean;
}

export interface BundleSignOptions {
  /** An Ed25519 private key: PEM (`-----BEGIN PRIVATE KEY-----`, PKCS #8). */
  privateKey?: string;
  hmacSecret?: string | Uint8Array;
  /** Goes into `manifest.created`. Default: now. */
  created?: string;
}

export interface VerifiedBundle {
  files: PolicyFile[];
  manifest: BundleManifest;
  /** The algorithm whose signature was checked, or undefined for a bundle loaded with `allowUnsigned`. */
  signedWith: BundleSignature['alg'] | undefined;
}

// ------------------------------------------------------------------ WebCrypto, declared locally (lib: ES2022 only)

/** A WebCrypto key, as the runtime's `crypto.subtle` makes it. */
export interface CryptoKeyLike {
  readonly type: string;
  readonly algorithm: { name: string };
}

interface Subtle {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
  importKey(format: string, key: Uint8Array, algorithm: unknown, extractable: boolean, usages: string[]): Promise<CryptoKeyLike>;
  exportKey(format: 'jwk', key: CryptoKeyLike): Promise<{ x?: string }>;
  sign(algorithm: unknown, key: CryptoKeyLike, data: Uint8Array): Promise<ArrayBuffer>;
  verify(algorithm: unknown, key: CryptoKeyLike, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

function subtle(): Subtle {
  const s = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
  if (!s) throw new Error('signed bundles need WebCrypto (`globalThis.crypto.subtle`), which this runtime does not have');
  return s;
}

const utf8 = new TextEncoder();

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest('SHA-256', bytes));
}

// ------------------------------------------------------------------ errors

function refused(message: string, file: string | undefined, hint?: string): PolicyError {
  return new PolicyError([issue(message, file, hint)]);
}

function issue(message: string, file: string | undefined, hint?: string): Issue {
  return { code: 'signature_invalid', message, ...(file !== undefined ? { file } : {}), ...(hint ? { hint } : {}) };
}

function badOption(message: string, hint?: string): PolicyError {
  return new PolicyError([{ code: 'invalid_option', message, ...(hint ? { hint } : {}) }]);
}

// ------------------------------------------------------------------ keys (PEM, DER)

function pemBody(pem: string, label: string, what: string): Uint8Array {
  const m = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`).exec(pem);
  if (!m) {
    const other = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
    throw badOption(
      other ? `the ${what} is a PEM \`${other}\`, not a \`${label}\`` : `the ${what} is not PEM text (\`-----BEGIN ${label}-----\`)`,
      label === 'PUBLIC KEY'
        ? 'pass the Ed25519 public key: `openssl pkey -in private.pem -pubout -out public.pem`'
        : 'make one with `openssl genpkey -algorithm ed25519 -out private.pem`',
    );
  }
  try {
    const bin = atob(m[1]!.replace(/\s+/g, ''));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    throw badOption(`the ${what} PEM does not hold valid base64`);
  }
}

/** One DER element at `at`: its tag and where its contents start and end. */
function der(b: Uint8Array, at: number): { tag: number; start: number; end: number } {
  if (at + 2 > b.length) throw new RangeError('truncated');
  const tag = b[at]!;
  let len = b[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > b.length) throw new RangeError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | b[start + i]!;
    start += n;
  }
  if (start + len > b.length) throw new RangeError('truncated');
  return { tag, start, end: start + len };
}

const ED25519_OID = '2b6570'; // 1.3.101.112

/** The 32 raw bytes of an Ed25519 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID }, BIT STRING }. */
function ed25519FromSpki(spki: Uint8Array): Uint8Array {
  let oid: string;
  let key: Uint8Array;
  try {
    const outer = der(spki, 0);
    const alg = der(spki, outer.start);
    const id = der(spki, alg.start);
    const bits = der(spki, alg.end);
    if (outer.tag !== 0x30 || alg.tag !== 0x30 || id.tag !== 0x06 || bits.tag !== 0x03) throw new RangeError('not SPKI');
    oid = hexEncode(spki.subarray(id.start, id.end));
    key = spki.subarray(bits.start + 1, bits.end); // after the unused-bits byte
  } catch {
    throw badOption('the public key is not a SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`)');
  }
  if (oid !== ED25519_OID)
    throw badOption(`the public key is not an Ed25519 key (algorithm OID \`${oid}\`)`, 'bundles are signed with Ed25519 or HMAC-SHA256');
  if (key.length !== 32) throw badOption('the Ed25519 public key is not 32 bytes long');
  return key;
}

async function keyId(raw: Uint8Array): Promise<string> {
  return hexEncode(await sha256(raw)).slice(0, 16);
}

function b64urlToBytes(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function secretBytes(secret: string | Uint8Array): Uint8Array {
  const b = typeof secret === 'string' ? utf8.encode(secret) : secret;
  if (b.length === 0) throw badOption('the HMAC secret is empty');
  return b;
}

// ------------------------------------------------------------------ building

/** The bytes the signature covers. */
function signedBytes(manifest: BundleManifest): Uint8Array {
  return utf8.encode(canonicalJson({ format: BUNDLE_FORMAT, manifest }));
}

/**
 * A bundle of these policy files as JSON text, signed with an Ed25519 private key or an HMAC
 * secret (or unsigned when given neither).
 */
export async function createBundle(files: PolicyFile[], options: BundleSignOptions = {}): Promise<string> {
  if (options.privateKey !== undefined && options.hmacSecret !== undefined)
    throw badOption('pass either `privateKey` or `hmacSecret`, not both');
  const seen = new Set<string>();
  const entries: PolicyBundle['files'] = files.map((f, i) => {
    const filename = f.filename ?? `policy-${i + 1}.yaml`;
    if (seen.has(filename)) throw badOption(`the file name \`${filename}\` is used twice in the bundle`);
    seen.add(filename);
    return { filename, text: f.text };
  });
  const manifest: BundleManifest = {
    files: await Promise.all(
      entries.map(async (f) => {
        const bytes = utf8.encode(f.text);
        return { filename: f.filename, sha256: hexEncode(await sha256(bytes)), bytes: bytes.length };
      }),
    ),
    created: options.created ?? new Date().toISOString(),
  };
  const bundle: PolicyBundle = { format: BUNDLE_FORMAT, manifest, files: entries };
  const data = signedBytes(manifest);
  const s = subtle();
  if (options.privateKey !== undefined) {
    const der = pemBody(options.privateKey, 'PRIVATE KEY', 'private key');
    let key: CryptoKeyLike;
    try {
      key = await s.importKey('pkcs8', der, { name: 'Ed25519' }, true, ['sign']);
    } catch (e) {
      throw badOption(`the private key is not an Ed25519 PKCS #8 key: ${(e as Error).message}`);
    }
    const jwk = await s.exportKey('jwk', key);
    const sig = new Uint8Array(await s.sign({ name: 'Ed25519' }, key, data));
    bundle.signature = {
      alg: 'Ed25519',
      ...(jwk.x ? { keyId: await keyId(b64urlToBytes(jwk.x)) } : {}),
      value: base64Encode(sig),
    };
  } else if (options.hmacSecret !== undefined) {
    const key = await s.importKey('raw', secretBytes(options.hmacSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    bundle.signature = { alg: 'HMAC-SHA256', value: base64Encode(new Uint8Array(await s.sign({ name: 'HMAC' }, key, data))) };
  }
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

// ------------------------------------------------------------------ verifying

/** Throws an `invalid_option` PolicyError unless the options name a key, or `allowUnsigned`. */
export function checkVerifyOptions(options: BundleVerifyOptions): void {
  if (
    typeof options !== 'object' ||
    options === null ||
    (options.publicKey === undefined && options.hmacSecret === undefined && !options.allowUnsigned)
  )
    throw badOption('verifying a bundle needs `publicKey` or `hmacSecret`', 'pass `allowUnsigned: true` to check only the digests');
}

function text(bundle: string | Uint8Array, name: string | undefined): string {
  if (typeof bundle === 'string') return bundle;
  if (!(bundle instanceof Uint8Array)) throw refused('a bundle must be a string or a Uint8Array of JSON', name);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bundle);
  } catch {
    throw refused('the bundle is not valid UTF-8', name);
  }
}

/** Whether a text is a signed-bundle document (by its `format`), without checking anything else. */
export function isBundle(t: string): boolean {
  if (!/^\s*\{/.test(t) || !t.includes(BUNDLE_FORMAT)) return false;
  try {
    return (JSON.parse(t) as { format?: unknown } | null)?.format === BUNDLE_FORMAT;
  } catch {
    return false;
  }
}

function shape(json: unknown, name: string | undefined): PolicyBundle {
  const bad = (what: string) => refused(`the bundle is malformed: ${what}`, name, 'rebuild it with `llm-policy bundle build`');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('it is not a JSON object');
  const b = json as Record<string, unknown>;
  if (b.format !== BUNDLE_FORMAT) throw bad(`\`format\` is not \`${BUNDLE_FORMAT}\``);
  const m = b.manifest as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.files)) throw bad('it has no `manifest.files` list');
  for (const [i, f] of (m.files as unknown[]).entries()) {
    const e = f as Record<string, unknown> | null;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.filename !== 'string' ||
      typeof e.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(e.sha256) ||
      typeof e.bytes !== 'number'
    )
      throw bad(`\`manifest.files[${i}]\` is not { filename, sha256, bytes }`);
  }
  if (!Array.isArray(b.files)) throw bad('it has no `files` list');
  for (const [i, f] of (b.files as unknown[]).entries()) {
    const e = f as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.filename !== 'string' || typeof e.text !== 'string')
      throw bad(`\`files[${i}]\` is not { filename, text }`);
  }
  const s = b.signature as Record<string, unknown> | undefined;
  if (s !== undefined && (typeof s !== 'object' || s === null || typeof s.alg !== 'string' || typeof s.value !== 'string'))
    throw bad('`signature` is not { alg, value }');
  return json as PolicyBundle;
}

function sigBytes(value: string, name: string | undefined): Uint8Array {
  try {
    const bin = atob(value);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    throw refused('the signature is not base64', name);
  }
}

async function checkSignature(b: PolicyBundle, options: BundleVerifyOptions, name: string | undefined): Promise<BundleSignature['alg']> {
  const sig = b.signature;
  const want = options.publicKey !== undefined ? 'Ed25519' : 'HMAC-SHA256';
  if (!sig)
    throw refused(
      'the bundle is not signed, and verification requires a signature',
      name,
      `sign it: \`llm-policy bundle build ... ${want === 'Ed25519' ? '--sign-key <private.pem>' : '--hmac-secret-env <NAME>'}\``,
    );
  if (sig.alg !== 'Ed25519' && sig.alg !== 'HMAC-SHA256') throw refused(`unknown signature algorithm \`${sig.alg}\``, name);
  // with both keys given, the bundle's algorithm picks one; with one, it must be that one
  const alg = options.publicKey !== undefined && options.hmacSecret !== undefined ? sig.alg : want;
  if (sig.alg !== alg)
    throw refused(
      `the bundle is signed with ${sig.alg}, but it was to be verified with ${alg}`,
      name,
      'pass the key of the kind it was signed with',
    );
  const s = subtle();
  const data = signedBytes(b.manifest);
  const value = sigBytes(sig.value, name);
  let ok: boolean;
  if (alg === 'Ed25519') {
    const pk = options.publicKey!;
    let key: CryptoKeyLike;
    let id: string | undefined;
    if (typeof pk === 'string') {
      const raw = ed25519FromSpki(pemBody(pk, 'PUBLIC KEY', 'public key'));
      id = await keyId(raw);
      key = await s.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
    } else key = pk;
    ok = await s.verify({ name: 'Ed25519' }, key, value, data);
    if (!ok && id !== undefined && sig.keyId !== undefined && sig.keyId !== id)
      throw refused(
        `the signature does not verify: the bundle was signed with key \`${sig.keyId}\`, the public key given is \`${id}\``,
        name,
        'pass the public key that matches the signing key',
      );
  } else {
    const key = await s.importKey('raw', secretBytes(options.hmacSecret!), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    ok = await s.verify({ name: 'HMAC' }, key, value, data);
  }
  if (!ok)
    throw refused(
      `the ${alg} signature does not verify: the manifest was changed, or signed with another key`,
      name,
      alg === 'Ed25519' ? 'check that the public key matches the signing key' : 'check the HMAC secret',
    );
  return alg;
}

/**
 * Checks a bundle and returns its policy files: the structure, the signature (with
 * `publicKey` or `hmacSecret`), and each text against its manifest digest. Throws a
 * PolicyError with code `signature_invalid` (naming the bundle as `name`) on any mismatch.
 */
export async function verifyBundle(bundle: string | Uint8Array, options: BundleVerifyOptions, name?: string): Promise<VerifiedBundle> {
  checkVerifyOptions(options);
  const t = text(bundle, name);
  let json: unknown;
  try {
    json = JSON.parse(t);
  } catch (e) {
    throw refused(`the bundle is not valid JSON: ${(e as Error).message.split('\n')[0]}`, name);
  }
  const b = shape(json, name);
  const signedWith =
    options.publicKey !== undefined || options.hmacSecret !== undefined ? await checkSignature(b, options, name) : undefined;
  const listed = b.manifest.files;
  const issues: Issue[] = [];
  const named = new Set<string>();
  for (const e of listed) {
    if (named.has(e.filename)) issues.push(issue(`the manifest lists \`${e.filename}\` twice`, name));
    named.add(e.filename);
  }
  const byName = new Map(b.files.map((f) => [f.filename, f]));
  for (const f of b.files)
    if (!named.has(f.filename)) issues.push(issue(`\`${f.filename}\` is in the bundle but not in its manifest`, name));
  if (byName.size !== b.files.length) issues.push(issue('the bundle holds a file name twice', name));
  const files: PolicyFile[] = [];
  for (const e of listed) {
    const f = byName.get(e.filename);
    if (!f) {
      issues.push(issue(`\`${e.filename}\` is in the manifest but missing from the bundle`, name));
      continue;
    }
    const bytes = utf8.encode(f.text);
    const digest = hexEncode(await sha256(bytes));
    if (digest !== e.sha256 || bytes.length !== e.bytes)
      issues.push(issue(`\`${e.filename}\` does not match its manifest digest: the text was changed after signing`, name));
    files.push({ text: f.text, filename: e.filename });
  }
  if (issues.length) throw new PolicyError(issues);
  return { files, manifest: b.manifest, signedWith };
}

// ------------------------------------------------------------------ what sources serve

const VERIFIED = Symbol.for('llm-policy-engine.verifiedBundleFile');

function brand(f: PolicyFile): PolicyFile {
  Object.defineProperty(f, VERIFIED, { value: true });
  return f;
}

/**
 * What a source served, made ready to load: each signed bundle is verified and replaced by its
 * policy files. With `verify`, anything that is not a verified bundle (a plain policy text) is
 * refused; files a source already verified pass as they are. Without it, bundles are still
 * checked against their digests, and plain texts pass. Throws one PolicyError for all problems.
 */
export async function openSourceFiles(files: PolicyFile[], verify: BundleVerifyOptions | undefined): Promise<PolicyFile[]> {
  if (verify !== undefined) checkVerifyOptions(verify);
  const out: PolicyFile[] = [];
  const issues: Issue[] = [];
  for (const f of files) {
    if ((f as unknown as Record<symbol, unknown>)[VERIFIED] === true) {
      out.push(f);
      continue;
    }
    if (typeof f.text === 'string' && isBundle(f.text)) {
      try {
        const v = await verifyBundle(f.text, verify ?? { allowUnsigned: true }, f.filename);
        out.push(...(verify ? v.files.map(brand) : v.files));
      } catch (e) {
        if (!(e instanceof PolicyError)) throw e;
        issues.push(...e.issues);
      }
    } else if (verify) {
      issues.push(
        issue(
          'not a signed bundle, and this source requires signed bundles (`verify`)',
          f.filename,
          'publish the policies as a bundle: `llm-policy bundle build <policies> --out bundle.json --sign-key <private.pem>`',
        ),
      );
    } else out.push(f);
  }
  if (issues.length) throw new PolicyError(issues);
  return out;
}
