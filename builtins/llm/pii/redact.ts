// Redaction: the findings of detectPii replaced in the text. Used by `pii.redact` and by
// middleware carrying out a `redact` obligation, so both redact exactly what `pii.found` sees.

import { EvaluationError } from '../../../src/lang/library.js';
import { hexEncode } from '../../encoding/base64.js';
import { sha256 } from '../../encoding/hash.js';
import { encodeUtf8 } from '../../std/numbers.js';
import { detectPii, isPiiType, PII_TYPES, type PiiFinding, type PiiType } from './detect.js';

export const REDACT_STYLES = ['label', 'mask', 'hash'] as const;
export type RedactStyle = (typeof REDACT_STYLES)[number];

/** The replacement for one finding. */
export function replacementFor(f: PiiFinding, style: RedactStyle): string {
  switch (style) {
    case 'mask':
      return '*'.repeat(f.end - f.start);
    case 'hash':
      return `[${f.type.toUpperCase()}:${hexEncode(sha256(encodeUtf8(f.text)).subarray(0, 4))}]`;
    default:
      return `[${f.type.toUpperCase()}]`;
  }
}

/** Checks a list of type names; an unknown one is an error that lists the known ones. */
export function checkTypes(types: readonly unknown[], fn: string): ReadonlySet<PiiType> {
  const out = new Set<PiiType>();
  for (const t of types) {
    if (typeof t !== 'string' || !isPiiType(t)) {
      const shown = typeof t === 'string' ? `\`${t}\`` : `a ${typeof t}`;
      throw new EvaluationError('invalid_argument', `${fn}: unknown PII type ${shown}; the types are ${PII_TYPES.join(', ')}`);
    }
    out.add(t);
  }
  return out;
}

export function checkStyle(style: unknown, fn: string): RedactStyle {
  if (typeof style !== 'string' || !(REDACT_STYLES as readonly string[]).includes(style)) {
    throw new EvaluationError(
      'invalid_argument',
      `${fn}: unknown redaction style \`${String(style)}\`; the styles are ${REDACT_STYLES.join(', ')}`,
    );
  }
  return style as RedactStyle;
}

/**
 * `text` with the findings of the given types (all when undefined) replaced. The result is
 * scanned again, up to three rounds, because context words are read in a window of
 * characters: once a long value is replaced by a short label, a number that a nearby word
 * ("order", "version") made look harmless may now sit next to a word such as "call" or
 * "card" and read as PII. Redaction errs towards hiding it.
 */
export function redactWith(text: string, types: ReadonlySet<string> | undefined, style: RedactStyle): string {
  let out = text;
  for (let round = 0; round < 3; round++) {
    const next = redactOnce(out, types, style);
    if (next === out) break;
    out = next;
  }
  return out;
}

function redactOnce(text: string, types: ReadonlySet<string> | undefined, style: RedactStyle): string {
  const found = detectPii(text);
  let out = '';
  let last = 0;
  for (const f of found) {
    if (types !== undefined && !types.has(f.type)) continue;
    out += text.slice(last, f.start) + replacementFor(f, style);
    last = f.end;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Redacts PII and secrets in a text, as `pii.redact` does and as middleware does for a
 * `redact: { entities, style }` obligation (apply it to each text part of a request or
 * response). `types`: entity ids (undefined or omitted: every type); `style`: 'label'
 * (`[EMAIL]`, the default), 'mask' (`*` for each UTF-16 code unit) or 'hash' (`[EMAIL:1a2b3c4d]`,
 * the first 8 hex digits of the SHA-256 of the matched text). Throws EvaluationError
 * ('invalid_argument') for an unknown type or style.
 */
export function redactText(text: string, types?: readonly string[], style: RedactStyle = 'label'): string {
  return redactWith(text, types === undefined ? undefined : checkTypes(types, 'redactText'), checkStyle(style, 'redactText'));
}
