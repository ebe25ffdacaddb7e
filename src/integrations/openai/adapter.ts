// How the OpenAI middleware reads and rewrites Chat Completions and Responses shapes.
// Structural only: nothing here imports the `openai` package.

import { fromOpenAIChat, fromOpenAIResponses } from '../input/request.js';
import { responseFromOpenAIChat, responseFromOpenAIResponses } from '../input/response.js';
import type { NormalizedResponse } from '../input/types.js';
import type { RequestAdapter } from '../guard/core.js';
import type { CreateSpec } from '../guard/sdk.js';
import type { StreamAdapter } from '../guard/stream.js';

type Obj = Record<string, unknown>;
type Fn = (text: string) => string;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Text parts of a content value (a string or a list of parts with `text`), through `fn`. */
function mapContent(c: unknown, fn: Fn, textTypes: ReadonlySet<string>): unknown {
  if (typeof c === 'string') return fn(c);
  if (!Array.isArray(c)) return c;
  return c.map((p) =>
    isObj(p) && typeof p.text === 'string' && (p.type === undefined || textTypes.has(p.type as string)) ? { ...p, text: fn(p.text) } : p,
  );
}

function setParams(params: Obj, values: Record<string, unknown>, names: Record<string, string>): Obj {
  const out = { ...params };
  for (const [k, v] of Object.entries(values)) out[names[k] ?? k] = v;
  return out;
}

// ------------------------------------------------------------------ Chat Completions

const CHAT_TEXT = new Set(['text']);

export const chatAdapter: RequestAdapter<Obj> = {
  provider: 'openai',
  toRequest: (p) => fromOpenAIChat(p),
  redact(p, fn) {
    if (!Array.isArray(p.messages)) return p;
    return {
      ...p,
      messages: p.messages.map((m) =>
        isObj(m) && m.content !== undefined && m.content !== null ? { ...m, content: mapContent(m.content, fn, CHAT_TEXT) } : m,
      ),
    };
  },
  route: (p, model) => ({ ...p, model }),
  set(p, values) {
    // max_tokens goes where the caller put it; max_completion_tokens (the current name) otherwise
    const maxName = 'max_tokens' in p && !('max_completion_tokens' in p) ? 'max_tokens' : 'max_completion_tokens';
    return setParams(p, values, { max_tokens: maxName, max_output_tokens: maxName });
  },
};

function redactCompletion(data: unknown, fn: Fn): void {
  if (!isObj(data) || !Array.isArray(data.choices)) return;
  for (const c of data.choices) {
    if (!isObj(c) || !isObj(c.message)) continue;
    const m = c.message;
    if (typeof m.content === 'string') m.content = fn(m.content);
    if (typeof m.refusal === 'string') m.refusal = fn(m.refusal);
  }
}

function chatStream(hideUsage: boolean): StreamAdapter<Obj> {
  let model: string | undefined;
  let finish: unknown = null;
  let usage: unknown;
  const calls: { id?: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  const deltaText = (c: unknown): string =>
    isObj(c) && isObj(c.delta)
      ? (typeof c.delta.content === 'string' ? c.delta.content : '') + (typeof c.delta.refusal === 'string' ? c.delta.refusal : '')
      : '';
  return {
    textOf: (chunk) => (Array.isArray(chunk.choices) ? chunk.choices.map(deltaText).join('') : ''),
    withText(chunk, text) {
      let placed = false;
      const choices = (chunk.choices as unknown[]).map((c) => {
        if (!isObj(c) || !isObj(c.delta) || deltaText(c) === '') return c;
        const delta: Obj = { ...c.delta };
        if (typeof delta.content === 'string') delta.content = placed ? '' : text;
        else delta.refusal = placed ? '' : text;
        if (typeof c.delta.content === 'string' && typeof delta.refusal === 'string') delta.refusal = '';
        placed = true;
        return { ...c, delta };
      });
      return { ...chunk, choices };
    },
    observe(chunk) {
      if (typeof chunk.model === 'string') model = chunk.model;
      if (isObj(chunk.usage)) usage = chunk.usage;
      for (const c of Array.isArray(chunk.choices) ? chunk.choices : []) {
        if (!isObj(c)) continue;
        if (c.finish_reason) finish = c.finish_reason;
        const tcs = isObj(c.delta) && Array.isArray(c.delta.tool_calls) ? c.delta.tool_calls : [];
        for (const tc of tcs) {
          if (!isObj(tc)) continue;
          const i = typeof tc.index === 'number' ? tc.index : calls.length;
          const slot = (calls[i] ??= { type: 'function', function: { name: '', arguments: '' } });
          if (typeof tc.id === 'string') slot.id = tc.id;
          const f = isObj(tc.function) ? tc.function : {};
          if (typeof f.name === 'string') slot.function.name += f.name;
          if (typeof f.arguments === 'string') slot.function.arguments += f.arguments;
        }
      }
    },
    response: (text) =>
      responseFromOpenAIChat({
        model,
        choices: [{ message: { content: text, tool_calls: calls.filter(Boolean) }, finish_reason: finish }],
        usage,
      }),
    hidden: (chunk) => hideUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0 && isObj(chunk.usage),
  };
}

export const chatSpec: CreateSpec<Obj> = {
  operation: 'chat.completions.create',
  adapter: chatAdapter,
  responseOf: (data) => responseFromOpenAIChat(data),
  redactResult: redactCompletion,
  isStream: (p) => isObj(p) && p.stream === true,
  prepareStream(p) {
    const so = isObj(p.stream_options) ? p.stream_options : {};
    if (so.include_usage === true) return { params: p, hideUsage: false };
    return { params: { ...p, stream_options: { ...so, include_usage: true } }, hideUsage: true };
  },
  streamAdapter: (hide) => chatStream(hide) as StreamAdapter<unknown>,
};

// ------------------------------------------------------------------ Responses

const RESPONSES_TEXT = new Set(['input_text', 'output_text', 'text']);

export const responsesAdapter: RequestAdapter<Obj> = {
  provider: 'openai',
  toRequest: (p) => fromOpenAIResponses(p),
  redact(p, fn) {
    const out: Obj = { ...p };
    if (typeof p.instructions === 'string') out.instructions = fn(p.instructions);
    if (typeof p.input === 'string') out.input = fn(p.input);
    else if (Array.isArray(p.input)) {
      out.input = p.input.map((item) => {
        if (typeof item === 'string') return fn(item);
        if (!isObj(item)) return item;
        if ((item.type === undefined || item.type === 'message') && item.content !== undefined)
          return { ...item, content: mapContent(item.content, fn, RESPONSES_TEXT) };
        if ((item.type === 'function_call_output' || item.type === 'custom_tool_call_output') && item.output !== undefined)
          return { ...item, output: mapContent(item.output, fn, RESPONSES_TEXT) };
        return item;
      });
    }
    return out;
  },
  route: (p, model) => ({ ...p, model }),
  set: (p, values) => setParams(p, values, { max_tokens: 'max_output_tokens' }),
};

function redactResponseOutput(output: unknown, fn: Fn): void {
  if (!Array.isArray(output)) return;
  for (const item of output) {
    if (!isObj(item) || item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content) {
      if (!isObj(part)) continue;
      if (part.type === 'output_text' && typeof part.text === 'string') part.text = fn(part.text);
      if (part.type === 'refusal' && typeof part.refusal === 'string') part.refusal = fn(part.refusal);
    }
  }
}

function outputTextOf(output: unknown): string {
  const texts: string[] = [];
  for (const item of Array.isArray(output) ? output : []) {
    if (!isObj(item) || item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content) if (isObj(part) && part.type === 'output_text' && typeof part.text === 'string') texts.push(part.text);
  }
  return texts.join('');
}

function redactResponse(data: unknown, fn: Fn): void {
  if (!isObj(data)) return;
  redactResponseOutput(data.output, fn);
  if (typeof data.output_text === 'string') {
    try {
      data.output_text = outputTextOf(data.output);
    } catch {
      // a getter-only output_text: nothing to update
    }
  }
}

/** A copy of a Responses stream event with its whole-text fields redacted. */
function redactEvent(e: Obj, fn: Fn): Obj {
  const clone = structuredCopy(e);
  if (typeof clone.text === 'string') clone.text = fn(clone.text);
  if (isObj(clone.part) && typeof clone.part.text === 'string') clone.part.text = fn(clone.part.text);
  if (isObj(clone.item)) redactResponseOutput([clone.item], fn);
  if (isObj(clone.response)) redactResponse(clone.response, fn);
  return clone;
}

function structuredCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function responsesStream(): StreamAdapter<Obj> {
  let model: string | undefined;
  let final: Obj | undefined;
  const calls: Obj[] = [];
  return {
    textOf: (e) =>
      (e.type === 'response.output_text.delta' || e.type === 'response.refusal.delta') && typeof e.delta === 'string' ? e.delta : '',
    withText: (e, text) => ({ ...e, delta: text }),
    redactWhole: (e, fn) =>
      e.type === 'response.output_text.done' ||
      e.type === 'response.refusal.done' ||
      e.type === 'response.content_part.done' ||
      e.type === 'response.output_item.done' ||
      e.type === 'response.completed' ||
      e.type === 'response.incomplete' ||
      e.type === 'response.failed'
        ? redactEvent(e, fn)
        : e,
    observe(e) {
      const r = isObj(e.response) ? e.response : undefined;
      if (r && typeof r.model === 'string') model = r.model;
      if (r && (e.type === 'response.completed' || e.type === 'response.incomplete' || e.type === 'response.failed')) final = r;
      if (
        e.type === 'response.output_item.done' &&
        isObj(e.item) &&
        (e.item.type === 'function_call' || e.item.type === 'custom_tool_call')
      )
        calls.push(e.item);
    },
    response(text): NormalizedResponse {
      const base = final ?? { model, status: 'in_progress', output: calls };
      const r = responseFromOpenAIResponses(base);
      return { ...r, text };
    },
  };
}

export const responsesSpec: CreateSpec<Obj> = {
  operation: 'responses.create',
  adapter: responsesAdapter,
  responseOf: (data) => responseFromOpenAIResponses(data),
  redactResult: redactResponse,
  isStream: (p) => isObj(p) && p.stream === true,
  streamAdapter: () => responsesStream() as StreamAdapter<unknown>,
};
