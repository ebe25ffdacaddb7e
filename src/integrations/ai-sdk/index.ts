// llm-policy-engine/ai-sdk: a language-model middleware for the Vercel AI SDK
// (docs/middleware.md).
//
//   import { wrapLanguageModel, generateText } from 'ai';
//   import { policyMiddleware } from 'llm-policy-engine/ai-sdk';
//   const model = wrapLanguageModel({ model: openai('gpt-4o-mini'), middleware: policyMiddleware(engine, { context: () => ({ user }) }) });
//   await generateText({ model, prompt, providerOptions: { policy: { user: { id: 'u1' } } } });
//
// `transformParams` decides the request phase and carries out its obligations, `wrapGenerate`
// and `wrapStream` the response phase. The `ai` package is an optional peer dependency; nothing
// here imports it: the LanguageModelV2, V3 and V4 shapes (ai 5, 6 and 7) are read structurally,
// and the middleware type-checks as each one's LanguageModelMiddleware (test/integrations/ai-sdk.test.ts
// runs it against each major's real package).

import { GuardedCall, type RequestAdapter } from '../guard/core.js';
import { redactor } from '../guard/obligations.js';
import { guardIterable, StreamGuard, type StreamAdapter } from '../guard/stream.js';
import type { GuardEngine, PolicyCallContext, PolicyOptions } from '../guard/types.js';
import { fromAISDK } from '../input/request.js';
import { responseFromAISDK } from '../input/response.js';
import { table } from '../../util/table.js';

export { PolicyDeniedError, type PolicyDeniedErrorOptions, type PolicyPhase } from '../guard/errors.js';
export type { CallInfo, GuardContext, GuardEngine, PolicyCallContext, PolicyInput, PolicyOptions, StreamOptions } from '../guard/types.js';

type Obj = Record<string, unknown>;
type Fn = (text: string) => string;

// biome-ignore-start lint/suspicious/noExplicitAny: one type for the models and middleware of ai 5, 6 and 7, whose option and result types differ
/** What the middleware reads of a language model (LanguageModelV2/V3/V4). */
export interface LanguageModelLike {
  modelId: string;
  provider: string;
  doGenerate(options: any): PromiseLike<any>;
  doStream(options: any): PromiseLike<any>;
}

export interface AISDKPolicyOptions extends PolicyOptions<Record<string, unknown>> {
  /**
   * The model a `route` obligation names, as a language model: `(id) => openai(id)`. Without it
   * a `route` obligation goes to `onObligation` (the AI SDK call options do not name the model).
   */
  resolveModel?: (modelId: string, current: LanguageModelLike) => LanguageModelLike | undefined;
}

/**
 * A language-model middleware for ai 5, 6 and 7 alike: ai 6 requires `specificationVersion:
 * 'v3'` (LanguageModelV3Middleware), ai 5 reads `middlewareVersion: 'v2'`, and ai 7's
 * LanguageModelMiddleware takes any specification version with the V4 hooks, which have the
 * V3 shape.
 */
export interface PolicyLanguageModelMiddleware {
  readonly specificationVersion: 'v3';
  readonly middlewareVersion: 'v2';
  transformParams: (options: { type: 'generate' | 'stream'; params: any; model: any }) => Promise<any>;
  wrapGenerate: (options: {
    doGenerate: () => PromiseLike<any>;
    doStream: () => PromiseLike<any>;
    params: any;
    model: any;
  }) => Promise<any>;
  wrapStream: (options: { doGenerate: () => PromiseLike<any>; doStream: () => PromiseLike<any>; params: any; model: any }) => Promise<any>;
}
// biome-ignore-end lint/suspicious/noExplicitAny: one type for ai 5, 6 and 7

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ------------------------------------------------------------------ request

function mapToolOutput(o: unknown, fn: Fn): unknown {
  if (!isObj(o)) return typeof o === 'string' ? fn(o) : o;
  if ((o.type === 'text' || o.type === 'error-text') && typeof o.value === 'string') return { ...o, value: fn(o.value) };
  if (o.type === 'content' && Array.isArray(o.value))
    return {
      ...o,
      value: o.value.map((p) => (isObj(p) && p.type === 'text' && typeof p.text === 'string' ? { ...p, text: fn(p.text) } : p)),
    };
  return o;
}

function redactPrompt(prompt: unknown, fn: Fn): unknown {
  if (!Array.isArray(prompt)) return prompt;
  return prompt.map((m) => {
    if (!isObj(m)) return m;
    if (typeof m.content === 'string') return { ...m, content: fn(m.content) };
    if (!Array.isArray(m.content)) return m;
    const content = m.content.map((p) => {
      if (!isObj(p)) return p;
      if (p.type === 'text' && typeof p.text === 'string') return { ...p, text: fn(p.text) };
      if (p.type === 'tool-result') {
        if ('output' in p) return { ...p, output: mapToolOutput(p.output, fn) };
        if (typeof p.result === 'string') return { ...p, result: fn(p.result) };
      }
      return p;
    });
    return { ...m, content };
  });
}

const SET_NAMES = table<string>({
  max_tokens: 'maxOutputTokens',
  max_output_tokens: 'maxOutputTokens',
  top_p: 'topP',
  top_k: 'topK',
  stop: 'stopSequences',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
});

interface CallState {
  call: GuardedCall<Obj>;
  /** The model a route obligation chose. */
  target: LanguageModelLike | undefined;
  modelId: string;
}

function makeAdapter(
  model: LanguageModelLike,
  options: AISDKPolicyOptions,
  state: { target?: LanguageModelLike; modelId: string },
): RequestAdapter<Obj> {
  const adapter: RequestAdapter<Obj> = {
    provider: String(model.provider ?? '').split('.')[0] || 'ai-sdk',
    toRequest: (p) => fromAISDK(p, { modelId: state.modelId, provider: model.provider }),
    redact: (p, fn) => ({ ...p, prompt: redactPrompt(p.prompt, fn) }),
    set(p, values) {
      const out = { ...p };
      for (const [k, v] of Object.entries(values)) out[SET_NAMES[k] ?? k] = k === 'stop' && typeof v === 'string' ? [v] : v;
      return out;
    },
  };
  if (options.resolveModel) {
    const resolve = options.resolveModel;
    adapter.route = (p, id) => {
      const target = resolve(id, model);
      if (!target) throw new Error(`route obligation: resolveModel has no model for \`${id}\``);
      state.target = target;
      state.modelId = target.modelId ?? id;
      return { ...p };
    };
  }
  return adapter;
}

function callContextOf(params: Obj): PolicyCallContext | undefined {
  const po = params.providerOptions;
  if (!isObj(po) || !isObj(po.policy)) return undefined;
  return po.policy as PolicyCallContext;
}

// ------------------------------------------------------------------ response

function redactResult(result: Obj, fn: Fn): Obj {
  const out: Obj = { ...result };
  if (Array.isArray(result.content))
    out.content = result.content.map((p) => (isObj(p) && p.type === 'text' && typeof p.text === 'string' ? { ...p, text: fn(p.text) } : p));
  if (typeof result.text === 'string') out.text = fn(result.text);
  return out;
}

function partStream(state: { modelId: string }, provider: string): StreamAdapter<Obj> {
  let modelId = state.modelId;
  let finishReason: unknown;
  let usage: unknown;
  const calls: Obj[] = [];
  const deltaOf = (p: Obj): string =>
    p.type === 'text-delta' ? (typeof p.delta === 'string' ? p.delta : typeof p.textDelta === 'string' ? p.textDelta : '') : '';
  return {
    textOf: deltaOf,
    withText: (p, text) => ('delta' in p ? { ...p, delta: text } : { ...p, textDelta: text }),
    observe(p) {
      if (p.type === 'response-metadata' && typeof p.modelId === 'string') modelId = p.modelId;
      else if (p.type === 'tool-call') calls.push(p);
      else if (p.type === 'finish') {
        finishReason = p.finishReason;
        usage = p.usage;
      }
    },
    response: (text) => responseFromAISDK({ content: [{ type: 'text', text }, ...calls], finishReason, usage }, { modelId, provider }),
  };
}

interface ReadableLike {
  getReader(): { read(): Promise<{ done: boolean; value?: unknown }>; cancel(reason?: unknown): Promise<void>; releaseLock(): void };
}

async function* readAll(stream: ReadableLike): AsyncGenerator<Obj> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) {
        done = true;
        return;
      }
      yield r.value as Obj;
    }
  } finally {
    if (done) reader.releaseLock();
    else await reader.cancel().catch(() => undefined);
  }
}

type ReadableCtor = new (source: {
  pull(controller: { enqueue(v: unknown): void; close(): void; error(e: unknown): void }): Promise<void>;
  cancel(reason?: unknown): Promise<void>;
}) => unknown;

function toReadable(it: AsyncGenerator<Obj>): unknown {
  const RS = (globalThis as { ReadableStream?: ReadableCtor }).ReadableStream;
  if (!RS) throw new Error('ReadableStream is not available in this runtime');
  return new RS({
    async pull(controller) {
      try {
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      } catch (e) {
        controller.error(e);
      }
    },
    async cancel() {
      await it.return(undefined);
    },
  });
}

// ------------------------------------------------------------------ the middleware

/**
 * A Vercel AI SDK language-model middleware that checks each call with `engine`: pass it to
 * `wrapLanguageModel({ model, middleware })`. Per-call `user`/`context` come from
 * `providerOptions.policy` (JSON values) or `options.context`.
 */
export function policyMiddleware(engine: GuardEngine, options: AISDKPolicyOptions = {}): PolicyLanguageModelMiddleware {
  const pending = new WeakMap<object, CallState>();

  async function start(type: 'generate' | 'stream', params: Obj, model: LanguageModelLike): Promise<{ params: Obj; state: CallState }> {
    const holder: { target?: LanguageModelLike; modelId: string } = { modelId: model.modelId };
    const call = new GuardedCall<Obj>({
      engine,
      options,
      adapter: makeAdapter(model, options, holder),
      operation: type,
      params,
      stream: type === 'stream',
      callContext: callContextOf(params),
    });
    const sent = { ...(await call.beforeAsync()) };
    const state: CallState = { call, target: holder.target, modelId: holder.modelId };
    return { params: sent, state };
  }

  async function stateFor(type: 'generate' | 'stream', params: Obj, model: LanguageModelLike): Promise<{ params: Obj; state: CallState }> {
    const s = pending.get(params);
    if (s) {
      pending.delete(params);
      return { params, state: s };
    }
    // transformParams did not run for these params (another middleware replaced them): decide now
    return start(type, params, model);
  }

  return {
    specificationVersion: 'v3',
    middlewareVersion: 'v2',

    async transformParams({ type, params, model }) {
      const r = await start(type, params as Obj, model as LanguageModelLike);
      pending.set(r.params, r.state);
      return r.params;
    },

    async wrapGenerate({ doGenerate, params, model }) {
      const { params: p, state } = await stateFor('generate', params as Obj, model as LanguageModelLike);
      const direct = p === params && !state.target;
      let result: Obj;
      try {
        result = (direct ? await doGenerate() : await (state.target ?? (model as LanguageModelLike)).doGenerate(p)) as Obj;
      } catch (e) {
        await state.call.release();
        throw e;
      }
      const redact = await state.call.after(
        responseFromAISDK(result, { modelId: state.modelId, provider: (model as LanguageModelLike).provider }),
      );
      return redact ? redactResult(result, redactor(redact)) : result;
    },

    async wrapStream({ doStream, params, model }) {
      const { params: p, state } = await stateFor('stream', params as Obj, model as LanguageModelLike);
      const direct = p === params && !state.target;
      let result: Obj & { stream: ReadableLike };
      try {
        result = (direct ? await doStream() : await (state.target ?? (model as LanguageModelLike)).doStream(p)) as Obj & {
          stream: ReadableLike;
        };
      } catch (e) {
        await state.call.release();
        throw e;
      }
      const guard = new StreamGuard(
        state.call as GuardedCall<unknown>,
        partStream(state, (model as LanguageModelLike).provider) as StreamAdapter<unknown>,
        options.stream,
      );
      const guarded = guardIterable(readAll(result.stream), guard as StreamGuard<Obj>);
      return { ...result, stream: toReadable(guarded as AsyncGenerator<Obj>) };
    },
  };
}
