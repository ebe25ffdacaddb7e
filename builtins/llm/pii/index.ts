// `pii.*`: personal data and secrets in a text or a normalized request/response.
//
// Every function scans through `detectPii`, memoized per text, so any number of rules asking
// about the same request cost one scan. A request or response is read as `textOf` joins it
// (builtins/llm/text.ts: system prompt, message contents, response text, newline-separated);
// offsets are UTF-16 code units of that text. Type lists that are constants in a policy are
// checked at load: an unknown type name is a load error at the call. docs/pii.md has the
// entities, formats, scores and measured accuracy.

import type { FunctionDecl, OverloadDecl } from '../../../src/lang/library.js';
import { kindOf, noOverload } from '../../../src/lang/library.js';
import { textOf } from '../text.js';
import { detectPii, preparePii, type PiiFinding, type PiiType } from './detect.js';
import { checkStyle, checkTypes, redactWith, type RedactStyle } from './redact.js';

export {
  clearPiiCache,
  detectPii,
  piiCacheStats,
  scanPii,
  PII_CACHE_ENTRIES,
  PII_THRESHOLD,
  PII_TYPES,
  type PiiFinding,
} from './detect.js';
export { redactText, replacementFor, type RedactStyle } from './redact.js';

/** The text of a `text | request` argument; anything else is no overload of `fn`. */
function textArg(fn: string, v: unknown, args: unknown[]): string {
  if (typeof v === 'string') return v;
  if (kindOf(v) === 'map') return textOf(v);
  throw noOverload(fn, args);
}

function listArg(fn: string, v: unknown, args: unknown[]): unknown[] {
  if (!Array.isArray(v)) throw noOverload(fn, args);
  return v;
}

/** Findings as CEL values, built once per memoized result. */
const celLists = new WeakMap<readonly PiiFinding[], unknown[]>();

function celFinding(f: PiiFinding): Record<string, unknown> {
  return { type: f.type, kind: f.kind, start: BigInt(f.start), end: BigInt(f.end), score: f.score, text: f.text };
}

function celFindings(found: readonly PiiFinding[], types?: ReadonlySet<PiiType>): unknown[] {
  if (types !== undefined) return found.filter((f) => types.has(f.type)).map(celFinding);
  let list = celLists.get(found);
  if (list === undefined) {
    list = Object.freeze(found.map((f) => Object.freeze(celFinding(f)))) as unknown[];
    celLists.set(found, list);
  }
  return list;
}

function countOf(found: readonly PiiFinding[], types?: ReadonlySet<PiiType>): number {
  if (types === undefined) return found.length;
  let n = 0;
  for (const f of found) if (types.has(f.type)) n++;
  return n;
}

/**
 * The overloads of a `fn(text | request)` / `fn(text | request, types)` function. The text
 * argument is `dyn` (a string, or a request or response map), so that a constant type list
 * is checked once, at load, whatever the first argument.
 */
function textFunction(
  fn: string,
  id: string,
  result: string,
  run: (found: readonly PiiFinding[], types?: ReadonlySet<PiiType>) => unknown,
  withTypes = true,
): OverloadDecl[] {
  const overloads: OverloadDecl[] = [
    {
      id: `${id}_dyn`,
      params: ['dyn'],
      result,
      impl: (x: unknown) => run(detectPii(textArg(fn, x, [x]))),
    },
  ];
  if (withTypes) {
    overloads.push({
      id: `${id}_dyn_list`,
      params: ['dyn', 'list(string)'],
      result,
      impl: (x: unknown, types: unknown) => run(detectPii(textArg(fn, x, [x, types])), checkTypes(listArg(fn, types, [x, types]), fn)),
      specialize: ([, types]) => {
        if (!Array.isArray(types)) return undefined;
        const set = checkTypes(types, fn);
        return (x: unknown, t: unknown) => {
          if (!Array.isArray(t)) throw noOverload(fn, [x, t]);
          return run(detectPii(textArg(fn, x, [x, t])), set);
        };
      },
    });
  }
  return overloads;
}

const ENTITIES =
  'email, phone, us_ssn, credit_card, iban, ip_address, date_of_birth, passport, driver_licence, aws_access_key, api_key, jwt, private_key, password';

export const piiDetect: FunctionDecl = {
  name: 'pii.detect',
  category: 'pii',
  description:
    'The PII and secrets in a text or a request/response (its textOf text), in order: maps {type, kind, start, end, score, text}, offsets in UTF-16 code units, only findings scoring 0.5 or more; optionally only the given types. Types: ' +
    ENTITIES,
  purity: 'pure',
  prepare: preparePii,
  overloads: textFunction('pii.detect', 'pii_detect', 'list(dyn)', (found, types) => celFindings(found, types)),
  examples: [
    {
      expr: "pii.detect('write to jane.doe@example.com')",
      result: [{ type: 'email', kind: '', start: 9n, end: 29n, score: 1, text: 'jane.doe@example.com' }],
    },
    { expr: "pii.detect('card 4111 1111 1111 1111, exp 12/29')[0].kind", result: 'visa' },
    { expr: "pii.detect('order 4111 1111 1111 1112 shipped')", result: [] },
    {
      expr: "pii.detect(request, ['api_key']).map(f, f.kind)",
      bindings: { request: { messages: [{ role: 'user', content: 'why does OPENAI_API_KEY=sk-proj-4fG7hQ2kLm9xZt3vB8nW1cR5 fail?' }] } },
      result: ['openai'],
    },
  ],
};

export const piiFound: FunctionDecl = {
  name: 'pii.found',
  category: 'pii',
  description:
    'Whether a text or request/response holds PII or a secret (as pii.detect finds them); optionally of one of the given types. An unknown type name is an error (at load when the list is a constant)',
  purity: 'pure',
  prepare: preparePii,
  overloads: textFunction('pii.found', 'pii_found', 'bool', (found, types) => countOf(found, types) > 0),
  examples: [
    { expr: "pii.found('my SSN is 536-22-8174')", result: true },
    { expr: "pii.found('ticket 123-45-6789, version 1.2.3, order #5551234567')", result: false },
    {
      expr: "pii.found(request, ['email', 'phone'])",
      bindings: {
        request: {
          system: 'You are a helpful assistant',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Call me on +44 20 7946 0958' }] }],
        },
      },
      result: true,
    },
    { expr: "pii.found('ssh root@10.0.0.12', ['credit_card'])", result: false },
    { expr: 'pii.found(text, types)', bindings: { text: 'hi', types: ['emails'] }, result: { error: 'invalid_argument' } },
  ],
};

export const piiCount: FunctionDecl = {
  name: 'pii.count',
  category: 'pii',
  description: 'How many findings pii.detect has in a text or request/response, optionally counting only the given types',
  purity: 'pure',
  prepare: preparePii,
  overloads: textFunction('pii.count', 'pii_count', 'int', (found, types) => BigInt(countOf(found, types))),
  examples: [
    { expr: "pii.count('cc: ann@example.com, bo@example.org; server 192.168.1.20')", result: 3n },
    { expr: "pii.count('cc: ann@example.com, bo@example.org; server 192.168.1.20', ['ip_address'])", result: 1n },
    { expr: "pii.count('nothing to see')", result: 0n },
  ],
};

export const piiTypes: FunctionDecl = {
  name: 'pii.types',
  category: 'pii',
  description: 'The distinct types pii.detect finds in a text or request/response, sorted',
  purity: 'pure',
  prepare: preparePii,
  overloads: textFunction('pii.types', 'pii_types', 'list(string)', (found) => [...new Set(found.map((f) => f.type))].sort(), false),
  examples: [
    { expr: "pii.types('Born 14 March 1986; call 415-555-0132 or mail kim@example.com')", result: ['date_of_birth', 'email', 'phone'] },
    { expr: "pii.types('AKIAIOSFODNN7EXAMPLE')", result: ['aws_access_key'] },
    { expr: "pii.types('born to run')", result: [] },
  ],
};

function redactOverload(id: string, params: string[]): OverloadDecl {
  const fn = 'pii.redact';
  const run = (args: unknown[], types: ReadonlySet<PiiType> | undefined, style: RedactStyle | undefined): string => {
    const [text, t, st] = args;
    if (typeof text !== 'string' || (args.length > 1 && !Array.isArray(t)) || (args.length > 2 && typeof st !== 'string')) {
      throw noOverload(fn, args);
    }
    const set = types ?? (args.length > 1 ? checkTypes(t as unknown[], fn) : undefined);
    return redactWith(text, set, style ?? (args.length > 2 ? checkStyle(st, fn) : 'label'));
  };
  return {
    id,
    params,
    result: 'string',
    impl: (...args: unknown[]) => run(args, undefined, undefined),
    // A constant type list or style is checked once, at load.
    specialize:
      params.length === 1
        ? undefined
        : ([, types, style]) => {
            const set = Array.isArray(types) ? checkTypes(types, fn) : undefined;
            const st = typeof style === 'string' ? checkStyle(style, fn) : undefined;
            if (set === undefined && st === undefined) return undefined;
            return (...args: unknown[]) => run(args, set, st);
          },
  };
}

export const piiRedact: FunctionDecl = {
  name: 'pii.redact',
  category: 'pii',
  description:
    "A text with its PII and secrets (of the given types, else all) replaced, in a style: 'label' ([EMAIL], the default), 'mask' (a * for each character) or 'hash' ([EMAIL:<first 8 hex digits of the SHA-256 of the value>]); what middleware applies for a redact obligation",
  purity: 'pure',
  prepare: preparePii,
  overloads: [
    redactOverload('pii_redact_string', ['string']),
    redactOverload('pii_redact_string_list', ['string', 'list(string)']),
    redactOverload('pii_redact_string_list_string', ['string', 'list(string)', 'string']),
  ],
  examples: [
    { expr: "pii.redact('Reach me at jane@example.com or 415-555-0132')", result: 'Reach me at [EMAIL] or [PHONE]' },
    {
      expr: "pii.redact('Reach me at jane@example.com or 415-555-0132', ['phone'], 'mask')",
      result: 'Reach me at jane@example.com or ************',
    },
    { expr: "pii.redact('ssn 536-22-8174', ['us_ssn'], 'hash')", result: 'ssn [US_SSN:3130cdfa]' },
    { expr: "pii.redact('x', ['email'], style)", bindings: { style: 'blur' }, result: { error: 'invalid_argument' } },
  ],
};

export const piiLibrary: FunctionDecl[] = [piiDetect, piiFound, piiCount, piiTypes, piiRedact];
