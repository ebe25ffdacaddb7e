// `llm-policy-engine/node`: everything the main entry has, plus what only Node can do.
// Importing it installs the native RE2 addon as the regex engine when it is available
// (see regexBackend()); policies loaded afterwards compile their patterns with it.

import { dispatching, setRegexEngine } from '../../builtins/regex/index.js';
import { loadNativeRe2 } from '../adapters/regex/re2.js';
import { installNodeAuditHash } from '../adapters/audit/file.js';

export * from './index.js';
export {
  FileAuditSink,
  verifyAuditLog,
  flushAuditOnExit,
  GENESIS_HASH,
  type FileAuditSinkOptions,
  type AuditVerifyResult,
  type AuditVerifyOptions,
  type FlushOnExitOptions,
} from '../adapters/audit/file.js';

// the audit input digest hashes with node:crypto (the same values as the pure-JS hash)
installNodeAuditHash();

const native = loadNativeRe2();
// linear-time patterns still run on V8's RegExp (faster on short texts); the rest on the addon
if (native.engine) setRegexEngine(dispatching(native.engine));

/** Which regex engine policies use: the native `re2` addon, or re2js with the reason the addon did not load. */
export function regexBackend(): { name: 're2' | 're2js'; reason?: string } {
  return native.engine ? { name: 're2' } : { name: 're2js', reason: native.reason ?? 'not loaded' };
}
export { DirectorySource, type DirectorySourceOptions } from '../adapters/sources/directory.js';
