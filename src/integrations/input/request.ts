// Builders of the normalized request (docs/input.md) from SDK request shapes: OpenAI Chat
// Completions and Responses, Anthropic Messages, and the Vercel AI SDK's language-model call
// options (LanguageModelV1/V2/V3: `prompt`, `maxOutputTokens`, tool parts). Pure functions:
// no I/O, no SDK import, the input is never modified.

import {
  appendPart,
  arr,
  bool,
  dataUrlMediaType,
  isObj,
  jsonText,
  keepUrl,
  num,
  outputText,
  providerOfModel,
  put,
  simplify,
  str,
  type Obj,
} from './common.js';
import type { ContentPart, Message, NormalizedRequest, Provider, Role, ToolDefinition } from './types.js';

export interface BuildOptions {
  /** The provider to record (default: the SDK's own, or guessed from the model id for the AI SDK). */
  provider?: Provider;
}

function baseRequest(model: unknown, provider: Provider | undefined): NormalizedRequest {
  const r: NormalizedRequest = { model: str(model) ?? '', messages: [] };
  if (provider !== undefined) return { provider, ...r };
  return r;
}

function stopList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  const list = arr(v).filter((x): x is string => typeof x === 'string');
  return Array.isArray(v) ? list : undefined;
}

function metadataOf(meta: unknown, extra: Obj): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = isObj(meta) ? { ...meta } : {};
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

// ------------------------------------------------------------------ OpenAI Chat Completions

function openaiChatPart(p: unknown): ContentPart | undefined {
  if (typeof p === 'string') return { type: 'text', text: p };
  if (!isObj(p)) return undefined;
  switch (p.type) {
    case 'text':
      return { type: 'text', text: str(p.text) ?? '' };
    case 'refusal':
      return { type: 'text', text: str(p.refusal) ?? '' };
    case 'image_url': {
      const img = isObj(p.image_url) ? p.image_url : {};
      const part: ContentPart = { type: 'image' };
      put(part, 'url', keepUrl(img.url));
      put(part, 'media_type', dataUrlMediaType(img.url));
      put(part, 'detail', str(img.detail));
      return part;
    }
    case 'file': {
      const f = isObj(p.file) ? p.file : {};
      const part: ContentPart = { type: 'file' };
      put(part, 'filename', str(f.filename));
      put(part, 'url', str(f.file_id));
      put(part, 'media_type', dataUrlMediaType(f.file_data));
      return part;
    }
    case 'input_audio':
      return { type: 'file', media_type: `audio/${str(isObj(p.input_audio) ? p.input_audio.format : undefined) ?? 'wav'}` };
    default:
      return undefined;
  }
}

function openaiChatContent(c: unknown): ContentPart[] {
  if (typeof c === 'string') return c === '' ? [] : [{ type: 'text', text: c }];
  return arr(c)
    .map(openaiChatPart)
    .filter((p): p is ContentPart => p !== undefined);
}

function openaiTools(tools: unknown, legacyFunctions: unknown): ToolDefinition[] | undefined {
  const out: ToolDefinition[] = [];
  for (const t of arr(tools)) {
    if (!isObj(t)) continue;
    if (t.type === 'function' && isObj(t.function)) {
      const d: ToolDefinition = { name: str(t.function.name) ?? '' };
      put(d, 'description', str(t.function.description));
      put(d, 'parameters', t.function.parameters);
      out.push(d);
    } else if (t.type === 'custom' && isObj(t.custom)) {
      const d: ToolDefinition = { name: str(t.custom.name) ?? '', type: 'custom' };
      put(d, 'description', str(t.custom.description));
      out.push(d);
    } else if (t.type === 'function' && typeof t.name === 'string') {
      // Responses API style function tool
      const d: ToolDefinition = { name: t.name };
      put(d, 'description', str(t.description));
      put(d, 'parameters', t.parameters);
      out.push(d);
    } else if (typeof t.type === 'string') {
      const d: ToolDefinition = { name: str(t.name) ?? t.type, type: t.type };
      put(d, 'description', str(t.description));
      out.push(d);
    }
  }
  for (const f of arr(legacyFunctions)) {
    if (!isObj(f)) continue;
    const d: ToolDefinition = { name: str(f.name) ?? '' };
    put(d, 'description', str(f.description));
    put(d, 'parameters', f.parameters);
    out.push(d);
  }
  return out.length > 0 || Array.isArray(tools) || Array.isArray(legacyFunctions) ? out : undefined;
}

/** A normalized request from OpenAI `chat.completions.create` params. */
export function fromOpenAIChat(params: unknown, options: BuildOptions = {}): NormalizedRequest {
  const p = isObj(params) ? params : {};
  const r = baseRequest(p.model, options.provider ?? 'openai');
  for (const m of arr(p.messages)) {
    if (!isObj(m)) continue;
    const role = str(m.role);
    let msg: Message;
    if (role === 'tool' || role === 'function') {
      const part: ContentPart = { type: 'tool_result', text: outputText(m.content) };
      put(part, 'tool_call_id', str(m.tool_call_id));
      if (role === 'function') put(part, 'name', str(m.name));
      msg = { role: 'tool', content: [part] };
    } else {
      const parts = openaiChatContent(m.content);
      if (role === 'assistant') {
        if (typeof m.refusal === 'string' && m.refusal !== '' && parts.length === 0) parts.push({ type: 'text', text: m.refusal });
        for (const c of arr(m.tool_calls)) {
          if (!isObj(c)) continue;
          const fn = isObj(c.function) ? c.function : isObj(c.custom) ? { name: c.custom.name, arguments: c.custom.input } : {};
          const part: ContentPart = { type: 'tool_call', name: str(fn.name) ?? '', arguments: jsonText(fn.arguments) };
          put(part, 'id', str(c.id));
          parts.push(part);
        }
        if (isObj(m.function_call))
          parts.push({ type: 'tool_call', name: str(m.function_call.name) ?? '', arguments: jsonText(m.function_call.arguments) });
      }
      const normRole: Role = role === 'system' || role === 'developer' ? 'system' : role === 'assistant' ? 'assistant' : 'user';
      msg = { role: normRole, content: simplify(parts) };
      if (role !== 'tool') put(msg, 'name', str(m.name));
    }
    r.messages.push(msg);
  }
  put(r, 'tools', openaiTools(p.tools, p.functions));
  put(r, 'max_tokens', num(p.max_completion_tokens) ?? num(p.max_tokens));
  put(r, 'temperature', num(p.temperature));
  put(r, 'top_p', num(p.top_p));
  put(r, 'stop', stopList(p.stop));
  put(r, 'stream', bool(p.stream));
  put(r, 'reasoning_effort', str(p.reasoning_effort));
  put(r, 'metadata', metadataOf(p.metadata, { user: str(p.user), safety_identifier: str(p.safety_identifier) }));
  return r;
}

// ------------------------------------------------------------------ OpenAI Responses

function responsesPart(p: unknown): ContentPart | undefined {
  if (typeof p === 'string') return { type: 'text', text: p };
  if (!isObj(p)) return undefined;
  switch (p.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return { type: 'text', text: str(p.text) ?? '' };
    case 'refusal':
      return { type: 'text', text: str(p.refusal) ?? '' };
    case 'input_image': {
      const part: ContentPart = { type: 'image' };
      put(part, 'url', keepUrl(p.image_url) ?? str(p.file_id));
      put(part, 'media_type', dataUrlMediaType(p.image_url));
      put(part, 'detail', str(p.detail));
      return part;
    }
    case 'input_file': {
      const part: ContentPart = { type: 'file' };
      put(part, 'filename', str(p.filename));
      put(part, 'url', keepUrl(p.file_url) ?? str(p.file_id));
      put(part, 'media_type', dataUrlMediaType(p.file_data));
      return part;
    }
    case 'input_audio':
      return { type: 'file', media_type: 'audio' };
    default:
      return undefined;
  }
}

/** A normalized request from OpenAI `responses.create` params. */
export function fromOpenAIResponses(params: unknown, options: BuildOptions = {}): NormalizedRequest {
  const p = isObj(params) ? params : {};
  const r = baseRequest(p.model, options.provider ?? 'openai');
  put(r, 'system', str(p.instructions));
  const input = p.input;
  if (typeof input === 'string') r.messages.push({ role: 'user', content: input });
  for (const item of arr(input)) {
    if (typeof item === 'string') {
      r.messages.push({ role: 'user', content: item });
      continue;
    }
    if (!isObj(item)) continue;
    const type = str(item.type);
    if (type === undefined || type === 'message') {
      const role = str(item.role);
      const parts =
        typeof item.content === 'string'
          ? item.content === ''
            ? []
            : [{ type: 'text' as const, text: item.content }]
          : arr(item.content)
              .map(responsesPart)
              .filter((x): x is ContentPart => x !== undefined);
      const normRole: Role = role === 'system' || role === 'developer' ? 'system' : role === 'assistant' ? 'assistant' : 'user';
      r.messages.push({ role: normRole, content: simplify(parts) });
    } else if (type === 'function_call' || type === 'custom_tool_call') {
      const part: ContentPart = {
        type: 'tool_call',
        name: str(item.name) ?? '',
        arguments: jsonText(type === 'function_call' ? item.arguments : item.input),
      };
      put(part, 'id', str(item.call_id));
      appendPart(r.messages, 'assistant', part);
    } else if (type === 'function_call_output' || type === 'custom_tool_call_output') {
      const part: ContentPart = { type: 'tool_result', text: outputText(item.output) };
      put(part, 'tool_call_id', str(item.call_id));
      r.messages.push({ role: 'tool', content: [part] });
    }
    // reasoning items, item references and hosted-tool call records carry no prompt text.
  }
  put(r, 'tools', openaiTools(p.tools, undefined));
  put(r, 'max_tokens', num(p.max_output_tokens));
  put(r, 'temperature', num(p.temperature));
  put(r, 'top_p', num(p.top_p));
  put(r, 'stream', bool(p.stream));
  put(r, 'reasoning_effort', isObj(p.reasoning) ? str(p.reasoning.effort) : undefined);
  put(
    r,
    'metadata',
    metadataOf(p.metadata, {
      user: str(p.user),
      safety_identifier: str(p.safety_identifier),
      previous_response_id: str(p.previous_response_id),
    }),
  );
  return r;
}

// ------------------------------------------------------------------ Anthropic Messages

/** The text of a list of Anthropic content blocks (its `text` blocks, joined by newlines), or of a string. */
function blockTexts(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.filter((c) => isObj(c) && c.type === 'text' && typeof c.text === 'string').map((c) => (c as { text: string }).text);
  return texts.length ? texts.join('\n') : undefined;
}

function anthropicBlock(b: unknown): ContentPart | undefined {
  if (typeof b === 'string') return { type: 'text', text: b };
  if (!isObj(b)) return undefined;
  const source = isObj(b.source) ? b.source : {};
  switch (b.type) {
    case 'text':
      return { type: 'text', text: str(b.text) ?? '' };
    case 'image': {
      const part: ContentPart = { type: 'image' };
      put(part, 'url', source.type === 'url' ? str(source.url) : source.type === 'file' ? str(source.file_id) : undefined);
      put(part, 'media_type', str(source.media_type));
      return part;
    }
    case 'document': {
      // Plain-text documents are prompt text; PDFs and files are not copied.
      if (source.type === 'text' && typeof source.data === 'string') return { type: 'text', text: source.data, channel: 'document' };
      if (source.type === 'content') {
        const text = blockTexts(source.content);
        if (text !== undefined) return { type: 'text', text, channel: 'document' };
      }
      const part: ContentPart = { type: 'file' };
      put(part, 'media_type', str(source.media_type));
      put(part, 'url', source.type === 'url' ? str(source.url) : source.type === 'file' ? str(source.file_id) : undefined);
      put(part, 'filename', str(b.title));
      return part;
    }
    case 'tool_use':
    case 'server_tool_use': {
      const part: ContentPart = { type: 'tool_call', name: str(b.name) ?? '', arguments: jsonText(b.input ?? {}) };
      put(part, 'id', str(b.id));
      return part;
    }
    case 'tool_result': {
      const part: ContentPart = { type: 'tool_result', text: outputText(b.content ?? '') };
      put(part, 'tool_call_id', str(b.tool_use_id));
      put(part, 'is_error', bool(b.is_error));
      return part;
    }
    case 'search_result': {
      // Retrieved text the application passes in: a document, for injection.* (docs/injection.md).
      const text = blockTexts(b.content);
      return text === undefined ? undefined : { type: 'text', text, channel: 'document' };
    }
    default:
      return undefined; // thinking, redacted_thinking, server tool results, ...
  }
}

function anthropicTools(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const out: ToolDefinition[] = [];
  for (const t of tools) {
    if (!isObj(t)) continue;
    const d: ToolDefinition = { name: str(t.name) ?? str(t.type) ?? '' };
    put(d, 'description', str(t.description));
    put(d, 'parameters', t.input_schema);
    if (typeof t.type === 'string' && t.type !== 'custom') d.type = t.type;
    out.push(d);
  }
  return out;
}

/** A normalized request from Anthropic `messages.create` params. */
export function fromAnthropicMessages(params: unknown, options: BuildOptions = {}): NormalizedRequest {
  const p = isObj(params) ? params : {};
  const r = baseRequest(p.model, options.provider ?? 'anthropic');
  if (typeof p.system === 'string') {
    if (p.system !== '') r.system = p.system;
  } else if (Array.isArray(p.system)) {
    const text = p.system.map((b) => (isObj(b) ? (str(b.text) ?? '') : '')).join('\n');
    if (text !== '') r.system = text;
  }
  for (const m of arr(p.messages)) {
    if (!isObj(m)) continue;
    const parts =
      typeof m.content === 'string'
        ? m.content === ''
          ? []
          : [{ type: 'text' as const, text: m.content }]
        : arr(m.content)
            .map(anthropicBlock)
            .filter((x): x is ContentPart => x !== undefined);
    let role: Role = m.role === 'assistant' ? 'assistant' : 'user';
    // A user turn that only returns tool results is the tool speaking, not the user.
    if (role === 'user' && parts.length > 0 && parts.every((x) => x.type === 'tool_result')) role = 'tool';
    r.messages.push({ role, content: simplify(parts) });
  }
  put(r, 'tools', anthropicTools(p.tools));
  put(r, 'max_tokens', num(p.max_tokens));
  put(r, 'temperature', num(p.temperature));
  put(r, 'top_p', num(p.top_p));
  put(r, 'stop', stopList(p.stop_sequences));
  put(r, 'stream', bool(p.stream));
  put(r, 'metadata', isObj(p.metadata) ? { ...p.metadata } : undefined);
  return r;
}

// ------------------------------------------------------------------ Vercel AI SDK

export interface AISDKModelInfo {
  modelId: string;
  /** The AI SDK provider id ('openai.chat', 'anthropic.messages', 'google.generative-ai', ...). */
  provider?: string;
}

function aiSdkToolOutput(o: unknown): { text: string; isError?: boolean } {
  if (!isObj(o) || typeof o.type !== 'string') return { text: outputText(o) };
  switch (o.type) {
    case 'text':
      return { text: str(o.value) ?? '' };
    case 'json':
      return { text: jsonText(o.value) };
    case 'error-text':
      return { text: str(o.value) ?? '', isError: true };
    case 'error-json':
      return { text: jsonText(o.value), isError: true };
    case 'execution-denied':
      return { text: str(o.reason) ?? '', isError: true };
    case 'content':
      return { text: outputText(o.value) };
    default:
      return { text: outputText(o) };
  }
}

function aiSdkPart(p: unknown): ContentPart | undefined {
  if (!isObj(p)) return undefined;
  switch (p.type) {
    case 'text':
      return { type: 'text', text: str(p.text) ?? '' };
    case 'image': {
      // LanguageModelV1
      const part: ContentPart = { type: 'image' };
      put(part, 'url', keepUrl(p.image));
      put(part, 'media_type', str(p.mimeType) ?? str(p.mediaType));
      return part;
    }
    case 'file': {
      const mediaType = str(p.mediaType) ?? str(p.mimeType);
      const url = keepUrl(p.data);
      if (mediaType?.startsWith('image/')) {
        const part: ContentPart = { type: 'image', media_type: mediaType };
        put(part, 'url', url);
        return part;
      }
      const part: ContentPart = { type: 'file' };
      put(part, 'media_type', mediaType);
      put(part, 'filename', str(p.filename));
      put(part, 'url', url);
      return part;
    }
    case 'tool-call': {
      const part: ContentPart = { type: 'tool_call', name: str(p.toolName) ?? '', arguments: jsonText(p.input ?? p.args ?? {}) };
      put(part, 'id', str(p.toolCallId));
      return part;
    }
    case 'tool-result': {
      const out = 'output' in p ? aiSdkToolOutput(p.output) : { text: outputText(p.result), isError: bool(p.isError) };
      const part: ContentPart = { type: 'tool_result', text: out.text };
      put(part, 'tool_call_id', str(p.toolCallId));
      put(part, 'name', str(p.toolName));
      put(part, 'is_error', out.isError);
      return part;
    }
    default:
      return undefined; // reasoning, tool-approval-response, ...
  }
}

function aiSdkProvider(provider: string | undefined, model: string): Provider | undefined {
  if (provider !== undefined && provider !== '') return provider.split('.')[0]!;
  return providerOfModel(model);
}

/**
 * A normalized request from AI SDK language-model call options (what a middleware's
 * `transformParams` or `wrapGenerate` sees as `params`). The call options do not name the
 * model: pass `model` (the LanguageModel, or its id).
 */
export function fromAISDK(callOptions: unknown, model?: string | AISDKModelInfo, options: BuildOptions = {}): NormalizedRequest {
  const p = isObj(callOptions) ? callOptions : {};
  const modelId = typeof model === 'string' ? model : (model?.modelId ?? '');
  const r = baseRequest(modelId, options.provider ?? aiSdkProvider(typeof model === 'string' ? undefined : model?.provider, modelId));
  for (const m of arr(p.prompt)) {
    if (!isObj(m)) continue;
    const role = str(m.role);
    if (role === 'system') {
      r.messages.push({ role: 'system', content: str(m.content) ?? outputText(m.content) });
      continue;
    }
    const parts =
      typeof m.content === 'string'
        ? [{ type: 'text' as const, text: m.content }]
        : arr(m.content)
            .map(aiSdkPart)
            .filter((x): x is ContentPart => x !== undefined);
    const normRole: Role = role === 'assistant' ? 'assistant' : role === 'tool' ? 'tool' : 'user';
    r.messages.push({ role: normRole, content: simplify(parts) });
  }
  if (Array.isArray(p.tools)) {
    const tools: ToolDefinition[] = [];
    for (const t of p.tools) {
      if (!isObj(t)) continue;
      const d: ToolDefinition = { name: str(t.name) ?? '' };
      put(d, 'description', str(t.description));
      put(d, 'parameters', t.inputSchema ?? t.parameters);
      if (t.type !== 'function' && typeof t.id === 'string') d.type = t.id;
      tools.push(d);
    }
    r.tools = tools;
  } else if (isObj(p.mode) && Array.isArray(p.mode.tools)) {
    // LanguageModelV1: tools live in mode.tools
    return {
      ...r,
      tools: p.mode.tools.filter(isObj).map((t) => ({
        name: str(t.name) ?? '',
        ...(str(t.description) ? { description: t.description as string } : {}),
        ...(t.parameters !== undefined ? { parameters: t.parameters } : {}),
      })),
      ...settings(p),
    };
  }
  return { ...r, ...settings(p) };
}

function settings(p: Obj): Partial<NormalizedRequest> {
  const s: Partial<NormalizedRequest> = {};
  put(s, 'max_tokens', num(p.maxOutputTokens) ?? num(p.maxTokens));
  put(s, 'temperature', num(p.temperature));
  put(s, 'top_p', num(p.topP));
  put(s, 'stop', stopList(p.stopSequences));
  return s;
}
