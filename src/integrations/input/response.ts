// Builders of the normalized response (docs/input.md) from SDK results: an OpenAI chat
// completion, an OpenAI Responses `response`, an Anthropic `message`, and an AI SDK
// generate result (LanguageModelV2/V3 `doGenerate` or `generateText`).
//
// Usage is normalized the way OpenAI reports it: input_tokens counts every input token,
// cached ones included, and cached_input_tokens says how many of them were cache reads;
// output_tokens counts every output token, reasoning ones included, and reasoning_tokens
// says how many of them were reasoning. Anthropic reports cache reads and writes apart from
// input_tokens: they are added in. cache_write_tokens (part of input_tokens, like cache reads)
// is there when a provider reports cache writes: they are priced apart (llm.cost).

import { arr, isObj, jsonText, num, str, type Obj } from './common.js';
import type { FinishReason, NormalizedResponse, Provider, ToolCall, ResponseUsage } from './types.js';

function usage(input?: number, output?: number, cached?: number, reasoning?: number, cacheWrite?: number): ResponseUsage {
  const u: ResponseUsage = {
    input_tokens: input ?? 0,
    output_tokens: output ?? 0,
    cached_input_tokens: cached ?? 0,
    reasoning_tokens: reasoning ?? 0,
  };
  if (cacheWrite) u.cache_write_tokens = cacheWrite;
  return u;
}

function finish(reason: unknown): FinishReason {
  switch (reason) {
    case 'stop':
    case 'end_turn':
    case 'stop_sequence':
    case 'STOP':
      return 'stop';
    case 'length':
    case 'max_tokens':
    case 'max_output_tokens':
    case 'model_context_window_exceeded':
    case 'MAX_TOKENS':
      return 'length';
    case 'tool_calls':
    case 'function_call':
    case 'tool_use':
    case 'tool-calls':
      return 'tool_calls';
    case 'content_filter':
    case 'content-filter':
    case 'refusal':
    case 'SAFETY':
      return 'content_filter';
    case 'error':
      return 'error';
    default:
      return 'other';
  }
}

function response(
  provider: Provider | undefined,
  model: unknown,
  text: string,
  toolCalls: ToolCall[],
  reason: FinishReason,
  u: ResponseUsage,
): NormalizedResponse {
  const r: NormalizedResponse = { text, tool_calls: toolCalls, finish_reason: reason, usage: u };
  const m = str(model);
  return { ...(provider !== undefined ? { provider } : {}), ...(m !== undefined ? { model: m } : {}), ...r };
}

function call(name: unknown, args: unknown, id: unknown): ToolCall {
  const c: ToolCall = { name: str(name) ?? '', arguments: jsonText(args ?? {}) };
  const i = str(id);
  return i === undefined ? c : { id: i, ...c };
}

/** A normalized response from an OpenAI chat completion (the first choice). */
export function responseFromOpenAIChat(completion: unknown): NormalizedResponse {
  const c = isObj(completion) ? completion : {};
  const choice = isObj(arr(c.choices)[0]) ? (arr(c.choices)[0] as Obj) : {};
  const msg = isObj(choice.message) ? choice.message : {};
  const calls: ToolCall[] = [];
  for (const t of arr(msg.tool_calls)) {
    if (!isObj(t)) continue;
    if (isObj(t.function)) calls.push(call(t.function.name, t.function.arguments, t.id));
    else if (isObj(t.custom)) calls.push(call(t.custom.name, t.custom.input, t.id));
  }
  if (isObj(msg.function_call)) calls.push(call(msg.function_call.name, msg.function_call.arguments, undefined));
  const text = str(msg.content) ?? str(msg.refusal) ?? '';
  const u = isObj(c.usage) ? c.usage : {};
  const pd = isObj(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  const cd = isObj(u.completion_tokens_details) ? u.completion_tokens_details : {};
  const reason =
    typeof msg.refusal === 'string' && msg.refusal !== '' && str(msg.content) === undefined
      ? 'content_filter'
      : finish(choice.finish_reason);
  return response(
    'openai',
    c.model,
    text,
    calls,
    reason,
    usage(num(u.prompt_tokens), num(u.completion_tokens), num(pd.cached_tokens), num(cd.reasoning_tokens)),
  );
}

/** A normalized response from an OpenAI Responses API `response` object. */
export function responseFromOpenAIResponses(res: unknown): NormalizedResponse {
  const r = isObj(res) ? res : {};
  const texts: string[] = [];
  const calls: ToolCall[] = [];
  let refused = false;
  for (const item of arr(r.output)) {
    if (!isObj(item)) continue;
    if (item.type === 'message') {
      for (const part of arr(item.content)) {
        if (!isObj(part)) continue;
        if (part.type === 'output_text') texts.push(str(part.text) ?? '');
        else if (part.type === 'refusal') {
          texts.push(str(part.refusal) ?? '');
          refused = true;
        }
      }
    } else if (item.type === 'function_call') calls.push(call(item.name, item.arguments, item.call_id));
    else if (item.type === 'custom_tool_call') calls.push(call(item.name, item.input, item.call_id));
  }
  const text = texts.length > 0 ? texts.join('') : (str(r.output_text) ?? '');
  let reason: FinishReason;
  if (r.status === 'incomplete') reason = finish(isObj(r.incomplete_details) ? r.incomplete_details.reason : undefined);
  else if (r.status === 'failed') reason = 'error';
  else if (refused) reason = 'content_filter';
  else if (calls.length > 0) reason = 'tool_calls';
  else reason = r.status === 'completed' || r.status === undefined ? 'stop' : 'other';
  const u = isObj(r.usage) ? r.usage : {};
  const id = isObj(u.input_tokens_details) ? u.input_tokens_details : {};
  const od = isObj(u.output_tokens_details) ? u.output_tokens_details : {};
  return response(
    'openai',
    r.model,
    text,
    calls,
    reason,
    usage(num(u.input_tokens), num(u.output_tokens), num(id.cached_tokens), num(od.reasoning_tokens)),
  );
}

/** A normalized response from an Anthropic `message`. */
export function responseFromAnthropic(message: unknown): NormalizedResponse {
  const m = isObj(message) ? message : {};
  const texts: string[] = [];
  const calls: ToolCall[] = [];
  for (const b of arr(m.content)) {
    if (!isObj(b)) continue;
    if (b.type === 'text') texts.push(str(b.text) ?? '');
    else if (b.type === 'tool_use') calls.push(call(b.name, b.input, b.id));
  }
  const u = isObj(m.usage) ? m.usage : {};
  const cacheRead = num(u.cache_read_input_tokens) ?? 0;
  const cacheWrite = num(u.cache_creation_input_tokens) ?? 0;
  const input = (num(u.input_tokens) ?? 0) + cacheRead + cacheWrite;
  return response(
    'anthropic',
    m.model,
    texts.join(''),
    calls,
    finish(m.stop_reason),
    usage(input, num(u.output_tokens), cacheRead, 0, cacheWrite),
  );
}

function aiSdkUsage(u: unknown): ResponseUsage {
  if (!isObj(u)) return usage();
  // LanguageModelV3: { inputTokens: { total, noCache, cacheRead, cacheWrite }, outputTokens: { total, text, reasoning } }
  if (isObj(u.inputTokens) || isObj(u.outputTokens)) {
    const i = isObj(u.inputTokens) ? u.inputTokens : {};
    const o = isObj(u.outputTokens) ? u.outputTokens : {};
    return usage(num(i.total), num(o.total), num(i.cacheRead), num(o.reasoning), num(i.cacheWrite));
  }
  // LanguageModelV2 / generateText: { inputTokens, outputTokens, cachedInputTokens?, reasoningTokens?, inputTokenDetails?, outputTokenDetails? }
  const id = isObj(u.inputTokenDetails) ? u.inputTokenDetails : {};
  const od = isObj(u.outputTokenDetails) ? u.outputTokenDetails : {};
  return usage(
    num(u.inputTokens) ?? num(u.promptTokens),
    num(u.outputTokens) ?? num(u.completionTokens),
    num(u.cachedInputTokens) ?? num(id.cacheReadTokens),
    num(u.reasoningTokens) ?? num(od.reasoningTokens),
    num(id.cacheWriteTokens),
  );
}

/**
 * A normalized response from an AI SDK result: a LanguageModelV2/V3 `doGenerate` result
 * (`content` parts) or a `generateText` result (`text`, `toolCalls`). Pass the model (or its
 * id) to record it.
 */
export function responseFromAISDK(result: unknown, model?: string | { modelId: string; provider?: string }): NormalizedResponse {
  const r = isObj(result) ? result : {};
  const texts: string[] = [];
  const calls: ToolCall[] = [];
  if (Array.isArray(r.content)) {
    for (const part of r.content) {
      if (!isObj(part)) continue;
      if (part.type === 'text') texts.push(str(part.text) ?? '');
      else if (part.type === 'tool-call') calls.push(call(part.toolName, part.input ?? part.args, part.toolCallId));
    }
  } else {
    if (typeof r.text === 'string') texts.push(r.text);
    for (const c of arr(r.toolCalls)) if (isObj(c)) calls.push(call(c.toolName, c.input ?? c.args, c.toolCallId));
  }
  const fr = isObj(r.finishReason) ? r.finishReason.unified : r.finishReason;
  const modelId = typeof model === 'string' ? model : model?.modelId;
  const providerId = typeof model === 'string' ? undefined : model?.provider?.split('.')[0];
  return response(providerId, modelId, texts.join(''), calls, finish(fr), aiSdkUsage(r.usage));
}
