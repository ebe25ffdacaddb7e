// Wrapping a Stainless-generated SDK client (OpenAI, Anthropic) without importing it: a Proxy
// over the client object hands out guarded versions of the create methods and leaves
// everything else as it is, so the wrapped client keeps the client's own type.

import type { NormalizedResponse } from '../input/types.js';
import { GuardedCall, takeCallContext, type RequestAdapter } from './core.js';
import { redactor } from './obligations.js';
import { DeferredApiPromise, unwrapWith, type ApiPromiseLike } from './promise.js';
import { guardIterable, StreamGuard, type StreamAdapter } from './stream.js';
import type { GuardEngine, PolicyOptions } from './types.js';

type AnyFn = (...args: unknown[]) => unknown;

export interface CreateSpec<P> {
  operation: string;
  adapter: RequestAdapter<P>;
  /** The normalized response of a parsed (non-streaming) result. */
  responseOf(data: unknown): NormalizedResponse;
  /** Applies `fn` to every text of a result, in place (the result was just parsed for this call). */
  redactResult(data: unknown, fn: (text: string) => string): void;
  /** Whether the params ask for a stream. */
  isStream(params: P): boolean;
  /** Params changed for a stream before sending (e.g. ask for usage), and whether that change must stay hidden. */
  prepareStream?(params: P): { params: P; hideUsage: boolean };
  /** A fresh stream adapter (it accumulates one stream). */
  streamAdapter(hideUsage: boolean): StreamAdapter<unknown>;
}

interface StainlessStream {
  controller?: unknown;
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
}

/** The SDK's own Stream class, fed by the guarded iterator; or the guarded iterator itself. */
function restream(raw: StainlessStream, make: () => AsyncGenerator<unknown>): unknown {
  let used = false;
  const iterator = () => {
    if (used) throw new Error('Cannot iterate over a consumed stream, use `.tee()` to split the stream.');
    used = true;
    return make();
  };
  const Ctor = (raw as { constructor?: unknown }).constructor;
  if (typeof Ctor === 'function' && Ctor !== Object && 'controller' in raw) {
    try {
      return new (Ctor as new (it: () => AsyncIterator<unknown>, controller: unknown) => unknown)(iterator, raw.controller);
    } catch {
      // fall through to a plain async iterable
    }
  }
  return { controller: raw.controller, [Symbol.asyncIterator]: iterator };
}

/** A guarded `create(params, requestOptions)` over the SDK's `raw` create. */
export function guardCreate<P>(
  engine: GuardEngine,
  options: PolicyOptions<P>,
  spec: CreateSpec<P>,
  raw: (params: P, requestOptions: unknown) => ApiPromiseLike<unknown>,
): (params: P, requestOptions?: unknown) => unknown {
  return (params: P, requestOptions?: unknown) => {
    const taken = takeCallContext(requestOptions);
    const stream = spec.isStream(params);
    let call: GuardedCall<P>;
    try {
      call = new GuardedCall({ engine, options, adapter: spec.adapter, operation: spec.operation, params, stream, callContext: taken.ctx });
    } catch (e) {
      return DeferredApiPromise.rejected(e);
    }

    const post = async (data: unknown): Promise<unknown> => {
      const redact = await call.after(spec.responseOf(data));
      if (redact) spec.redactResult(data, redactor(redact));
      return data;
    };

    const send = (p: P): ApiPromiseLike<unknown> => {
      if (!stream) {
        const api = raw(p, taken.options);
        call.watch(api);
        return unwrapWith(api, post);
      }
      const prepared = spec.prepareStream?.(p) ?? { params: p, hideUsage: false };
      const api = raw(prepared.params, taken.options);
      call.watch(api);
      return unwrapWith(api, async (data) => {
        const guard = new StreamGuard(call as GuardedCall<unknown>, spec.streamAdapter(prepared.hideUsage), options.stream);
        return restream(data as StainlessStream, () => guardIterable(data as AsyncIterable<unknown>, guard));
      });
    };

    if (!options.strict) {
      try {
        const p = call.before();
        if (!call.reserving) return send(p);
        // budget to hold first: the request goes out once the hold is made
        return new DeferredApiPromise(
          (async () => {
            await call.reserve();
            return { inner: send(p) };
          })(),
        );
      } catch (e) {
        return DeferredApiPromise.rejected(e);
      }
    }
    return new DeferredApiPromise((async () => ({ inner: send(await call.beforeAsync()) }))());
  };
}

/**
 * A Proxy over an SDK resource (`client.chat.completions`, `client.messages`): `overrides` replace
 * some methods; every other method runs on a shadow of the resource whose `_client` is the
 * wrapped client and whose overridden methods are the guarded ones, so the SDK's own helpers
 * (`parse`, `stream`, `runTools`, MessageStream) go through the guarded `create` too.
 */
export function resourceProxy<R extends object>(raw: R, overrides: Record<string, AnyFn>, wrappedClient: object): R {
  const props: PropertyDescriptorMap = { _client: { value: wrappedClient, writable: true, configurable: true } };
  for (const [k, fn] of Object.entries(overrides)) props[k] = { value: fn, writable: true, configurable: true };
  const shadow = Object.create(raw, props) as R;
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(raw, {
    get(target, key) {
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(overrides, key)) return overrides[key];
      const v = Reflect.get(target, key, target);
      if (typeof v !== 'function') return v;
      let bound = cache.get(key);
      if (bound === undefined) {
        bound = (...args: unknown[]) => (v as AnyFn).apply(shadow, args);
        cache.set(key, bound);
      }
      return bound;
    },
  });
}

/**
 * A Proxy over an SDK client: `children` wrap some properties (resources), `withOptions` wraps
 * the copy it returns, and every other method is bound to the real client (whose private
 * fields a Proxy receiver could not reach).
 */
export function clientProxy<C extends object>(raw: C, children: (wrapped: C) => Record<string, () => unknown>, rewrap: (copy: C) => C): C {
  const cache = new Map<PropertyKey, unknown>();
  let made: Record<string, () => unknown> | undefined;
  const proxy: C = new Proxy(raw, {
    get(target, key) {
      made ??= children(proxy);
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(made, key)) {
        if (!cache.has(key)) cache.set(key, made[key]!());
        return cache.get(key);
      }
      const v = Reflect.get(target, key, target);
      if (typeof v !== 'function') return v;
      const ck = `fn:${String(key)}`;
      let bound = cache.get(ck);
      if (bound === undefined) {
        bound = key === 'withOptions' ? (...args: unknown[]) => rewrap((v as AnyFn).apply(target, args) as C) : (v as AnyFn).bind(target);
        cache.set(ck, bound);
      }
      return bound;
    },
  });
  return proxy;
}

/** A Proxy over a namespace object (`client.chat`, `client.beta`) whose listed children are wrapped. */
export function namespaceProxy<N extends object>(raw: N, children: Record<string, () => unknown>): N {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(raw, {
    get(target, key) {
      if (typeof key === 'string' && Object.prototype.hasOwnProperty.call(children, key)) {
        if (!cache.has(key)) cache.set(key, children[key]!());
        return cache.get(key);
      }
      return Reflect.get(target, key, target);
    },
  });
}
