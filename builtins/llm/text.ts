// The text of a normalized LLM request or response (docs/input.md), for functions that take
// `text | request`: pii.*, injection.*, llm.tokens. One pass, memoized per object, so every
// rule that asks about the same request in one decision shares the work.

import { kindOf, mapGet } from '../../src/lang/library.js';

/** A message's content: a string, or parts of which the `text` ones count. */
function contentText(content: unknown, out: string[]): void {
  if (typeof content === 'string') {
    out.push(content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (typeof part === 'string') out.push(part);
    else if (part !== null && typeof part === 'object' && kindOf(part) === 'map') {
      const text = mapGet(part, 'text');
      if (typeof text === 'string') out.push(text);
    }
  }
}

const memo = new WeakMap<object, string>();

/**
 * The text a request or response carries, joined with newlines: `system`, every message's
 * content, a response's `text`. A string is its own text. Anything else has none ('').
 */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || typeof v !== 'object' || kindOf(v) !== 'map') return '';
  const hit = memo.get(v);
  if (hit !== undefined) return hit;
  const out: string[] = [];
  const system = mapGet(v, 'system');
  contentText(system, out);
  const messages = mapGet(v, 'messages');
  if (Array.isArray(messages)) {
    for (const m of messages) if (m !== null && typeof m === 'object') contentText(mapGet(m, 'content'), out);
  }
  contentText(mapGet(v, 'text'), out);
  const text = out.join('\n');
  memo.set(v, text);
  return text;
}
