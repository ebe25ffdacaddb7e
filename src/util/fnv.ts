// FNV-1a of a string, for revision ids, policy versions and canary buckets. Apart from the byte
// encoders (./encoding.ts, with the FNV-1a of bytes the builtins use) so that the deciding engine
// does not load them: dist/ shares code between entries file by file.

import { meter } from './meter.js';

/** 32-bit FNV-1a of a string's UTF-16 code units. Not cryptographic: for ids, bucketing and sampling. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  meter.scanned += text.length;
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
