// How values appear in rule messages (`${...}` in a message template), cut to the length
// limits allow. Generated code and closures call the same functions; kept apart from the
// policy compiler so that prebuilt policies run without it.

import { printValue } from '../lang/print-value.js';
import { CelOptional } from '../lang/values.js';

/** `s`, or its first `max - 1` characters and `…`. */
export function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** How a value appears inside a message, in at most `max` characters (cut with `…`). */
export function display(v: unknown, max = Number.POSITIVE_INFINITY): string {
  if (typeof v === 'string') return cut(v, max);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return cut(String(v), max);
  if (v === null) return 'null';
  if (v instanceof CelOptional) return cut(printValue(v), max);
  const w = { out: '', max };
  try {
    json(v, w, 0);
  } catch (e) {
    if (e !== FULL) return cut(String(v), max);
  }
  return cut(w.out, max);
}

const FULL = Symbol('full');

/** JSON of a CEL value (maps as objects, ints as numbers), written only until `max` is passed. */
function json(v: unknown, w: { out: string; max: number }, depth: number): void {
  const put = (s: string) => {
    w.out += s;
    if (w.out.length > w.max) throw FULL;
  };
  if (typeof v === 'string') return put(JSON.stringify(v.length > w.max ? v.slice(0, w.max) : v));
  if (typeof v === 'number') return put(Number.isFinite(v) ? String(v) : 'null');
  if (typeof v === 'bigint' || typeof v === 'boolean') return put(String(v));
  if (v === null || v === undefined || typeof v !== 'object' || depth > 32) return put('null');
  if (Array.isArray(v)) {
    put('[');
    for (let i = 0; i < v.length; i++) {
      if (i > 0) put(',');
      json(v[i], w, depth + 1);
    }
    return put(']');
  }
  const toJSON = (v as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return json(toJSON.call(v), w, depth + 1);
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  put('{');
  let first = true;
  for (const [k, x] of entries) {
    if (x === undefined) continue;
    if (!first) put(',');
    first = false;
    put(`${JSON.stringify(String(k))}:`);
    json(x, w, depth + 1);
  }
  put('}');
}
