// `guard(fn, engine, options)`: the middleware for any other client. The host says how a
// call's arguments read as a normalized request (`toInput`) and how its result reads as a
// response (`fromOutput`); the guarded function decides before the call, carries out the
// obligations it is given a way to, decides after the call, and records usage.
//
//   const ask = guard((prompt: string) => myLlm.complete(prompt), engine, {
//     toInput: (prompt) => ({ request: { model: 'my-model', messages: [{ role: 'user', content: prompt }] }, user }),
//     fromOutput: (out) => ({ text: out.text, usage: { input_tokens: out.in, output_tokens: out.out } }),
//     redact: ([prompt], fn) => [fn(prompt)],
//   });

import type { NormalizedRequest, NormalizedResponse } from '../input/types.js';
import { GuardedCall, type RequestAdapter } from './core.js';
import { redactor } from './obligations.js';
import { guardIterable, StreamGuard, type StreamAdapter } from './stream.js';
import type { GuardEngine, PolicyCallContext, PolicyOptions } from './types.js';

export interface GuardInput extends PolicyCallContext {
  request: NormalizedRequest | Record<string, unknown>;
}

export interface GuardFunctionOptions<A extends unknown[], R> extends PolicyOptions<A> {
  /** The call's arguments as policy input: `request` (normalized, docs/input.md), and `user`, `context`, ... */
  toInput: (...args: A) => GuardInput;
  /** The result as a normalized response (`text`, `usage`, ...). Without it there is no response phase; usage is estimated. */
  fromOutput?: (result: Awaited<R>, ...args: A) => NormalizedResponse | Record<string, unknown>;
  /** The name calls are reported under (`CallInfo.operation`); default the function's name. */
  name?: string;
  /** The provider recorded in `CallInfo.provider`; default `custom`. */
  provider?: string;
  /** Carries out a request `redact` obligation: the arguments with every prompt text through `fn`. */
  redact?: (args: A, fn: (text: string) => string) => A;
  /** Carries out a `route` obligation. */
  route?: (args: A, model: string) => A;
  /** Carries out a `set` obligation. */
  set?: (args: A, values: Record<string, unknown>) => A;
  /** Carries out a response `redact` obligation (a plain string result is redacted without it). */
  redactOutput?: (result: Awaited<R>, fn: (text: string) => string) => Awaited<R>;
  /**
   * For a function that returns an AsyncIterable of chunks: how to read them (checked as they
   * stream, see StreamOptions). Without it such a result is checked like any other.
   */
  chunks?: () => StreamAdapter<unknown>;
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/** `fn`, checked by `engine` before and after each call. Unhandled obligations go to `onObligation`. */
export function guard<A extends unknown[], R>(
  fn: (...args: A) => R,
  engine: GuardEngine,
  options: GuardFunctionOptions<A, R>,
): (...args: A) => Promise<Awaited<R>> {
  const name = options.name ?? (fn.name || 'call');
  return async (...args: A): Promise<Awaited<R>> => {
    const first = options.toInput(...args);
    const { request: firstRequest, ...callContext } = first;
    const adapter: RequestAdapter<A> = {
      provider: options.provider ?? 'custom',
      toRequest: (a) => (a === args ? firstRequest : options.toInput(...a).request),
      ...(options.redact ? { redact: options.redact } : {}),
      ...(options.route ? { route: options.route } : {}),
      ...(options.set ? { set: options.set } : {}),
    };
    const call = new GuardedCall<A>({ engine, options, adapter, operation: name, params: args, stream: false, callContext });
    const sent = await call.beforeAsync();
    let result: Awaited<R>;
    try {
      result = (await fn(...sent)) as Awaited<R>;
    } catch (e) {
      await call.release();
      throw e;
    }
    if (options.chunks && isAsyncIterable(result)) {
      const g = new StreamGuard(call as GuardedCall<unknown>, options.chunks(), options.stream);
      return guardIterable(result, g) as Awaited<R>;
    }
    if (!options.fromOutput) {
      await call.record(undefined);
      return result;
    }
    const canRedact = options.redactOutput !== undefined || typeof result === 'string';
    const redact = await call.after(options.fromOutput(result, ...sent), undefined, canRedact);
    if (!redact) return result;
    const f = redactor(redact);
    return options.redactOutput ? options.redactOutput(result, f) : (f(result as string) as Awaited<R>);
  };
}
