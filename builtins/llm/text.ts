// The text of a normalized LLM request or response (docs/input.md), for functions that take
// `text | request`: pii.*, injection.*, llm.tokens. One pass, memoized per object, so every
// rule that asks about the same request in one decision shares the work. `partsOf` keeps the
// pieces apart with the channel each came from, for injection.*.

import { kindOf, mapGet } from '../../src/lang/library.js';

/** Where a piece of text comes from: the user, a retrieved document, a tool's output, the system prompt (docs/injection.md). */
export type Channel = 'user' | 'document' | 'tool' | 'system';

const CHANNELS: ReadonlySet<string> = new Set(['user', 'document', 'tool', 'system']);

/** A piece of a request's text and its channel; `start` is its UTF-16 offset in the joined text. */
export interface Segment {
  text: string;
  channel: Channel;
  start: number;
}

/** `v`'s own `channel` when it is one of the four, else `fallback`. */
function channelOf(v: object, fallback: Channel): Channel {
  const c = mapGet(v, 'channel');
  return typeof c === 'string' && CHANNELS.has(c) ? (c as Channel) : fallback;
}

/** A role's channel: system and developer messages are the system prompt, tool messages tool output, the rest the user's. */
function roleChannel(role: unknown): Channel {
  return role === 'system' || role === 'developer' ? 'system' : role === 'tool' ? 'tool' : 'user';
}

/** A message's content: a string, or parts of which the `text` ones count (a `tool_result` part is tool output). */
function contentText(content: unknown, channel: Channel, out: [string, Channel][]): void {
  if (typeof content === 'string') {
    out.push([content, channel]);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (typeof part === 'string') out.push([part, channel]);
    else if (part !== null && typeof part === 'object' && kindOf(part) === 'map') {
      const text = mapGet(part, 'text');
      if (typeof text === 'string') out.push([text, channelOf(part, mapGet(part, 'type') === 'tool_result' ? 'tool' : channel)]);
    }
  }
}

interface Parts {
  text: string;
  segments: Segment[];
}

const memo = new WeakMap<object, Parts>();
const NONE: Parts = { text: '', segments: [] };

/**
 * The text of a request or response and its pieces: `system` (channel system), every message's
 * content (by role: system/developer messages system, tool messages and `tool_result` parts tool,
 * the rest user; a message or part may set its own `channel`), a response's `text` (user).
 * Joined with newlines. A string is one user segment.
 */
export function partsOf(v: unknown): Parts {
  if (typeof v === 'string') return { text: v, segments: [{ text: v, channel: 'user', start: 0 }] };
  if (v === null || typeof v !== 'object' || kindOf(v) !== 'map') return NONE;
  const hit = memo.get(v);
  if (hit !== undefined) return hit;
  const out: [string, Channel][] = [];
  contentText(mapGet(v, 'system'), 'system', out);
  const messages = mapGet(v, 'messages');
  if (Array.isArray(messages)) {
    for (const m of messages) {
      if (m !== null && typeof m === 'object') contentText(mapGet(m, 'content'), channelOf(m, roleChannel(mapGet(m, 'role'))), out);
    }
  }
  contentText(mapGet(v, 'text'), 'user', out);
  const segments: Segment[] = [];
  let at = 0;
  for (const [text, channel] of out) {
    segments.push({ text, channel, start: at });
    at += text.length + 1;
  }
  const parts = { text: out.map((s) => s[0]).join('\n'), segments };
  memo.set(v, parts);
  return parts;
}

/**
 * The text a request or response carries, joined with newlines: `system`, every message's
 * content, a response's `text`. A string is its own text. Anything else has none ('').
 */
export function textOf(v: unknown): string {
  return typeof v === 'string' ? v : partsOf(v).text;
}
