// The pure-JS SHA-256 of the function library as the audit digest's hash: synchronous, so a
// batch of records is built without awaiting WebCrypto. Installed when an engine with `audit` or
// a sink is made (not on import: the entries stay free of side effects); the Node entry
// installs node:crypto over it.

import { sha256 } from '../../../builtins/encoding/hash.js';
import { hexEncode as hex } from '../../util/encoding.js';
import { setAuditHash } from '../../audit/index.js';

const utf8 = new TextEncoder();

/** Hex SHA-256 of the UTF-8 bytes of a text. */
export function sha256Hex(text: string): string {
  return hex(sha256(utf8.encode(text)));
}

let installed = false;
/** Installs sha256Hex as the audit hash unless a stronger one (node:crypto) is in place. */
export function installJsAuditHash(): void {
  if (installed) return;
  installed = true;
  setAuditHash(sha256Hex, 1);
}
