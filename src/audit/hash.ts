// The SHA-256 behind the default input digest: installed by an entry (pure JS in the main
// entry, node:crypto in the Node entry), else WebCrypto's, which is asynchronous.

import { hexEncode as hex } from '../util/encoding.js';

/** Hex SHA-256 of the UTF-8 bytes of a text. */
export type AuditHash = (text: string) => string | Promise<string>;

let installedHash: AuditHash | undefined;
let installedRank = 0;

/**
 * Installs the SHA-256 the default digest uses (the main entry a pure-JS one, the Node entry
 * node:crypto). A higher rank wins. Without one, WebCrypto (async) is used.
 * @internal
 */
export function setAuditHash(hash: AuditHash, rank: number): void {
  if (rank >= installedRank) {
    installedHash = hash;
    installedRank = rank;
  }
}

interface Subtle {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}
const subtle = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
const utf8 = new TextEncoder();

export function defaultHash(): AuditHash | undefined {
  if (installedHash) return installedHash;
  if (subtle) return async (text) => hex(new Uint8Array(await subtle.digest('SHA-256', utf8.encode(text))));
  return undefined;
}
