// How the Anthropic middleware reads and rewrites Messages API shapes. Structural only:
// nothing here imports `@anthropic-ai/sdk`.

import { fromAnthropicMessages } from '../input/request.js';
import { responseFromAnthropic } from '../input/response.js';
import type { RequestAdapter } from '../guard/core.js';
import type { CreateSpec } from '../guard/sdk.js';
import type { StreamAdapter } from '../guard/stream.js';

type Obj = Record<string, unknown>;
type Fn = (text: string) => string;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function mapBlocks(content: unknown, fn: Fn): unknown {
  if (typeof content === 'string') return fn(content);
  if (!Array.isArray(content)) return content;
  return content.map((b) => {
    if (!isObj(b)) return b;
    if (b.type === 'text' && typeof b.text === 'string') return { ...b, text: fn(b.text) };
    if (b.type === 'tool_result' && b.content !== undefined) return { ...b, content: mapBlocks(b.content, fn) };
    if (b.type === 'document' && isObj(b.source) && b.source.type === 'text' && typeof b.source.data === 'string')
      return { ...b, source: { ...b.source, data: fn(b.source.data) } };
    return b;
  });
}

export const messagesAdapter: RequestAdapter<Obj> = {
  provider: 'anthropic',
  toRequest: (p) => fromAnthropicMessages(p),
  redact(p, fn) {
    const out: Obj = { ...p };
    if (p.system !== undefined) out.system = mapBlocks(p.system, fn);
    if (Array.isArray(p.messages)) out.messages = p.messages.map((m) => (isObj(m) ? { ...m, content: mapBlocks(m.content, fn) } : m));
    return out;
  },
  route: (p, model) => ({ ...p, model }),
  set(p, values) {
    const names: Record<string, string> = { stop: 'stop_sequences', max_output_tokens: 'max_tokens' };
    const out = { ...p };
    for (const [k, v] of Object.entries(values)) out[names[k] ?? k] = k === 'stop' && typeof v === 'string' ? [v] : v;
    return out;
  },
};

function redactMessage(data: unknown, fn: Fn): void {
  if (!isObj(data) || !Array.isArray(data.content)) return;
  for (const b of data.content) if (isObj(b) && b.type === 'text' && typeof b.text === 'string') b.text = fn(b.text);
}

function messageStream(): StreamAdapter<Obj> {
  let model: string | undefined;
  let stop: unknown = null;
  let usage: Obj = {};
  const tools = new Map<number, { type: 'tool_use'; id?: unknown; name?: unknown; json: string }>();
  return {
    textOf: (e) =>
      e.type === 'content_block_delta' && isObj(e.delta) && e.delta.type === 'text_delta' && typeof e.delta.text === 'string'
        ? e.delta.text
        : '',
    withText: (e, text) => ({ ...e, delta: { ...(e.delta as Obj), text } }),
    observe(e) {
      if (e.type === 'message_start' && isObj(e.message)) {
        if (typeof e.message.model === 'string') model = e.message.model;
        if (isObj(e.message.usage)) usage = { ...e.message.usage };
      } else if (
        e.type === 'content_block_start' &&
        isObj(e.content_block) &&
        e.content_block.type === 'tool_use' &&
        typeof e.index === 'number'
      ) {
        tools.set(e.index, { type: 'tool_use', id: e.content_block.id, name: e.content_block.name, json: '' });
      } else if (e.type === 'content_block_delta' && isObj(e.delta) && e.delta.type === 'input_json_delta' && typeof e.index === 'number') {
        const t = tools.get(e.index);
        if (t && typeof e.delta.partial_json === 'string') t.json += e.delta.partial_json;
      } else if (e.type === 'message_delta') {
        if (isObj(e.delta) && e.delta.stop_reason !== undefined) stop = e.delta.stop_reason;
        if (isObj(e.usage)) for (const [k, v] of Object.entries(e.usage)) if (v !== null && v !== undefined) usage[k] = v;
      }
    },
    response(text) {
      const content: unknown[] = [{ type: 'text', text }];
      for (const t of tools.values()) {
        let input: unknown = t.json;
        try {
          input = t.json === '' ? {} : JSON.parse(t.json);
        } catch {
          // partial JSON mid-stream: keep the text
        }
        content.push({ type: 'tool_use', id: t.id, name: t.name, input });
      }
      return responseFromAnthropic({ model, content, stop_reason: stop, usage });
    },
  };
}

export function messagesSpec(operation: string): CreateSpec<Obj> {
  return {
    operation,
    adapter: messagesAdapter,
    responseOf: (data) => responseFromAnthropic(data),
    redactResult: redactMessage,
    isStream: (p) => isObj(p) && p.stream === true,
    streamAdapter: () => messageStream() as StreamAdapter<unknown>,
  };
}
