// Token counts of normalized requests (docs/input.md), with the chat format's framing.
//
// OpenAI's cookbook ("How to count tokens with tiktoken") gives the framing of the chat
// format: every message costs 3 tokens plus its role and content (plus 1 and the name's
// tokens when it has a `name`), and every reply is primed with 3 more. Function definitions
// are rendered into the prompt; the cookbook's estimate of that rendering is used for `tools`.
// Counts are exact for text-only OpenAI chat requests when the tiktoken tokenizer is
// installed; other providers frame messages differently and get the same formula applied to
// estimated counts. Parts that are not text have fixed, documented costs (IMAGE_TOKENS).

import { kindOf, mapGet } from '../../src/lang/library.js';
import { countText, openaiEncodingFor, type Tokenizer } from './tokenizer.js';

/** Tokens per message of the chat format. */
export const TOKENS_PER_MESSAGE = 3;
/** Tokens priming the assistant's reply. */
export const REPLY_PRIMING_TOKENS = 3;
/** Extra tokens for a message's `name`. */
export const TOKENS_PER_NAME = 1;
/**
 * Tokens charged for an image part whose size is unknown: a 1024x1024 image at OpenAI's high
 * detail (85 + 4 tiles x 170).
 */
export const IMAGE_TOKENS = 765;

const isMap = (v: unknown): v is object => v !== null && typeof v === 'object' && kindOf(v) === 'map';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** JSON text of a tool-call argument value (strings are taken as already-serialized JSON). */
function argumentsText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)) ?? '';
  } catch {
    return '';
  }
}

export class RequestCounter {
  constructor(
    private readonly tokenizer: Tokenizer,
    /** The model id passed to the tokenizer (see tokenizerModel). */
    private readonly model: string,
  ) {}

  text(s: string): number {
    return countText(s, this.model, this.tokenizer);
  }

  /** A message content: a string, or a list of parts. */
  content(c: unknown): number {
    if (typeof c === 'string') return this.text(c);
    if (!Array.isArray(c)) return 0;
    let n = 0;
    for (const part of c) n += this.part(part);
    return n;
  }

  part(p: unknown): number {
    if (typeof p === 'string') return this.text(p);
    if (!isMap(p)) return 0;
    const type = str(mapGet(p, 'type'));
    switch (type) {
      case 'image':
      case 'image_url':
      case 'input_image':
        return IMAGE_TOKENS;
      case 'tool_call':
      case 'tool-call':
      case 'tool_use':
      case 'function_call': {
        const name = str(mapGet(p, 'name')) ?? str(mapGet(p, 'toolName')) ?? '';
        const args = mapGet(p, 'arguments') ?? mapGet(p, 'input') ?? mapGet(p, 'args');
        return this.text(name) + this.text(argumentsText(args));
      }
      default: {
        // text, tool_result and anything else that carries text
        const text = str(mapGet(p, 'text'));
        if (text !== undefined) return this.text(text);
        const content = mapGet(p, 'content');
        if (content !== undefined && content !== p) return this.content(content);
        return 0;
      }
    }
  }

  /** One message with its framing. */
  message(m: unknown): number {
    if (!isMap(m)) return 0;
    let n = TOKENS_PER_MESSAGE + this.text(str(mapGet(m, 'role')) ?? '') + this.content(mapGet(m, 'content'));
    const name = str(mapGet(m, 'name'));
    if (name !== undefined && name !== '') n += TOKENS_PER_NAME + this.text(name);
    // Raw OpenAI assistant messages keep their calls in `tool_calls`.
    const calls = mapGet(m, 'tool_calls');
    if (Array.isArray(calls)) {
      for (const call of calls) {
        if (!isMap(call)) continue;
        const fn = mapGet(call, 'function');
        n += this.part({ type: 'tool_call', ...(isMap(fn) ? plain(fn) : plain(call)) });
      }
    }
    return n;
  }

  /** A list of messages, with the reply priming. */
  messages(list: unknown[], system?: unknown): number {
    let n = 0;
    let any = false;
    if (system !== undefined && system !== null && (typeof system !== 'string' || system !== '')) {
      n += TOKENS_PER_MESSAGE + this.text('system') + this.content(system);
      any = true;
    }
    for (const m of list) {
      n += this.message(m);
      any = true;
    }
    return any ? n + REPLY_PRIMING_TOKENS : 0;
  }

  /**
   * Function definitions, as OpenAI's cookbook estimates their rendering: per function
   * 7 tokens (10 for cl100k_base models) plus `name:description`; per parameter 3 plus
   * `name:type:description`, enums -3 plus 3 and the value per item; 12 at the end.
   */
  tools(list: unknown[]): number {
    const fns = list.filter(isMap);
    if (fns.length === 0) return 0;
    const funcInit = openaiEncodingFor(this.model) === 'cl100k_base' ? 10 : 7;
    let n = 0;
    for (const t of fns) {
      const fn = isMap(mapGet(t, 'function')) ? (mapGet(t, 'function') as object) : t;
      const name = str(mapGet(fn, 'name')) ?? str(mapGet(fn, 'type')) ?? '';
      const desc = (str(mapGet(fn, 'description')) ?? '').replace(/\.$/, '');
      n += funcInit + this.text(`${name}:${desc}`);
      const params = mapGet(fn, 'parameters') ?? mapGet(fn, 'input_schema') ?? mapGet(fn, 'inputSchema');
      const props = isMap(params) ? mapGet(params, 'properties') : undefined;
      if (!isMap(props)) continue;
      const keys = props instanceof Map ? [...props.keys()] : Object.keys(props);
      if (keys.length === 0) continue;
      n += 3;
      for (const key of keys) {
        const prop = mapGet(props, key);
        n += 3;
        const enumValues = isMap(prop) ? mapGet(prop, 'enum') : undefined;
        if (Array.isArray(enumValues)) {
          n -= 3;
          for (const item of enumValues) n += 3 + this.text(String(item));
        }
        const type = isMap(prop) ? (str(mapGet(prop, 'type')) ?? '') : '';
        const pdesc = (isMap(prop) ? (str(mapGet(prop, 'description')) ?? '') : '').replace(/\.$/, '');
        n += this.text(`${String(key)}:${type}:${pdesc}`);
      }
    }
    return n + 12;
  }

  /** A normalized request: system, messages, tools. A bare `prompt` string counts as one user message. */
  request(r: object): number {
    let messages = mapGet(r, 'messages');
    const prompt = mapGet(r, 'prompt');
    if (!Array.isArray(messages)) messages = typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : [];
    let n = this.messages(messages as unknown[], mapGet(r, 'system'));
    const tools = mapGet(r, 'tools');
    if (Array.isArray(tools)) n += this.tools(tools);
    return n;
  }

  /** A normalized response: its text and tool calls, without framing. */
  response(r: object): number {
    let n = this.content(mapGet(r, 'text'));
    const calls = mapGet(r, 'tool_calls');
    if (Array.isArray(calls)) for (const c of calls) n += this.part(isMap(c) ? { type: 'tool_call', ...plain(c) } : c);
    return n;
  }
}

function plain(m: object): Record<string, unknown> {
  if (m instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of m) if (typeof k === 'string' && k !== '__proto__') o[k] = v;
    return o;
  }
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(m)) if (k !== '__proto__') o[k] = (m as Record<string, unknown>)[k];
  return o;
}

/**
 * What a request's token count depends on, collected by reference: the messages list and its
 * length, every message, its role, name and content, every part and its text fields, the
 * system prompt and the tools list. Two signatures with the same entries (compared with ===)
 * mean the count cannot have changed, even if the host reused and edited the request object
 * between decisions; comparing them costs a pointer comparison per entry, far less than
 * hashing the texts again.
 */
export function requestSignature(r: object): unknown[] {
  const sig: unknown[] = [mapGet(r, 'model'), mapGet(r, 'system'), mapGet(r, 'prompt')];
  const messages = mapGet(r, 'messages');
  sig.push(messages);
  if (Array.isArray(messages)) {
    sig.push(messages.length);
    for (const m of messages) {
      sig.push(m);
      if (!isMap(m)) continue;
      const content = mapGet(m, 'content');
      sig.push(mapGet(m, 'role'), mapGet(m, 'name'), content, mapGet(m, 'tool_calls'));
      if (Array.isArray(content)) {
        sig.push(content.length);
        for (const p of content) {
          sig.push(p);
          if (isMap(p)) sig.push(mapGet(p, 'type'), mapGet(p, 'text'), mapGet(p, 'name'), mapGet(p, 'arguments'), mapGet(p, 'content'));
        }
      }
    }
  }
  const tools = mapGet(r, 'tools');
  sig.push(tools);
  if (Array.isArray(tools)) sig.push(tools.length, ...tools);
  return sig;
}

export function sameSignature(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a map looks like a request (has messages, system, prompt or tools). */
export function isRequestLike(m: object): boolean {
  return (
    mapGet(m, 'messages') !== undefined ||
    mapGet(m, 'system') !== undefined ||
    mapGet(m, 'prompt') !== undefined ||
    mapGet(m, 'tools') !== undefined
  );
}
