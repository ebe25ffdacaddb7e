// Small helpers shared by the builders: they read SDK payloads defensively (a field of the
// wrong type is left out, never thrown on) and never copy inline file or image bytes.

import type { ContentPart, Message, Provider } from './types.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** JSON text of a value; strings are taken to be JSON text already. */
export function jsonText(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '';
  }
}

/** A URL worth keeping: http(s) and provider file references; data: URLs (inline bytes) are dropped. */
export function keepUrl(v: unknown): string | undefined {
  if (typeof v === 'string') return v.startsWith('data:') ? undefined : v;
  // a URL object (read by duck typing: the URL global's type is not in this project's lib)
  const href = v !== null && typeof v === 'object' ? (v as { href?: unknown }).href : undefined;
  if (typeof href === 'string') return href.startsWith('data:') ? undefined : href;
  return undefined;
}

/** The media type of a data: URL ('data:image/png;base64,...' -> 'image/png'). */
export function dataUrlMediaType(v: unknown): string | undefined {
  if (typeof v !== 'string' || !v.startsWith('data:')) return undefined;
  const end = v.search(/[;,]/);
  return end > 5 ? v.slice(5, end) : undefined;
}

/** Sets `key` only when `value` is defined, so optional fields stay absent (`has()` is false). */
export function put<T extends object, K extends keyof T>(o: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) o[key] = value;
}

/** Content as a plain string when it is one text part, else the parts. */
export function simplify(parts: ContentPart[]): string | ContentPart[] {
  if (parts.length === 0) return '';
  if (parts.length === 1 && parts[0]!.type === 'text') return parts[0]!.text;
  return parts;
}

/** The text of tool output that may be a string, a list of text parts, or any JSON value. */
export function outputText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const texts = v.map((p) => (isObj(p) ? (str(p.text) ?? '') : typeof p === 'string' ? p : '')).filter((t) => t !== '');
    if (texts.length > 0) return texts.join('\n');
  }
  return jsonText(v);
}

/** Appends a part to the last message when it has `role` (a message the builder made), else starts a new one. */
export function appendPart(messages: Message[], role: Message['role'], part: ContentPart): void {
  const last = messages[messages.length - 1];
  if (last !== undefined && last.role === role) {
    const before: ContentPart[] =
      typeof last.content === 'string' ? (last.content === '' ? [] : [{ type: 'text', text: last.content }]) : last.content;
    last.content = [...before, part];
    return;
  }
  messages.push({ role, content: [part] });
}

/** The provider a model id most likely belongs to, for SDKs that do not say. */
export function providerOfModel(model: string): Provider | undefined {
  const m = model.toLowerCase().replace(/^.*\//, '');
  if (/^(gpt-|o[1-9]|chatgpt-|codex-|ft:gpt)/.test(m)) return 'openai';
  if (m.startsWith('claude')) return 'anthropic';
  if (m.startsWith('gemini') || m.startsWith('gemma')) return 'google';
  if (/^(mistral|ministral|magistral|codestral|devstral|pixtral|open-mistral|open-mixtral)/.test(m)) return 'mistral';
  return undefined;
}
