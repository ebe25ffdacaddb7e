// The SHA-256 behind the default input digest: installed by an entry (pure JS in the main
// entry, node:crypto in the Node entry), else WebCrypto's, which is asynchronous. A process-wide
// plug-in (src/util/plugins.ts), so the hash `/node` installs in the CommonJS build is the one
// the ESM build's auditor uses too.

import { hexEncode as hex } from '../util/encoding.js';
import { plugin } from '../util/plugins.js';

/** Hex SHA-256 of the UTF-8 bytes of a text. */
export type AuditHash = (text: string) => string | Promise<string>;

const installed = plugin<{ hash: AuditHash | undefined; rank: number }>('audit-hash', () => ({ hash: undefined, rank: 0 }));

/**
 * Installs the SHA-256 the default digest uses (the main entry a pure-JS one, the Node entry
 * node:crypto). A higher rank wins. Without one, WebCrypto (async) is used.
 * @internal
 */
export function setAuditHash(hash: AuditHash, rank: number): void {
  if (rank >= installed.get().rank) installed.set({ hash, rank });
}

interface Subtle {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}
const subtle = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
const utf8 = new TextEncoder();

export function defaultHash(): AuditHash | undefined {
  const h = installed.get().hash;
  if (h) return h;
  if (subtle) return async (text) => hex(new Uint8Array(await subtle.digest('SHA-256', utf8.encode(text))));
  return undefined;
}
