// The OpenAI and Anthropic SDKs return an `APIPromise`: a Promise with `withResponse()`,
// `asResponse()` and an internal `_thenUnwrap(fn)` their own helpers (parse, stream, runTools,
// MessageStream) build on. A guarded call must return something with the same methods.
//
// When the request-phase decision is made synchronously the guarded result is the SDK's own
// APIPromise: `api._thenUnwrap(post)`, where `post` runs the response phase once the body is
// parsed. When the decision is asynchronous (strict state reads) or denies, a DeferredApiPromise
// stands in: it forwards every method to that APIPromise once it exists, or rejects.

/** The parts of a Stainless APIPromise the middleware uses. */
export interface ApiPromiseLike<T> extends PromiseLike<T> {
  withResponse?(): Promise<{ data: T; response: unknown; request_id?: string | null }>;
  asResponse?(): Promise<unknown>;
  _thenUnwrap?<U>(transform: (data: T, props: unknown) => U): ApiPromiseLike<Awaited<U>>;
}

/** `api` with `post` applied to its parsed body: the SDK's APIPromise when it has `_thenUnwrap`. */
export function unwrapWith<T, U>(api: ApiPromiseLike<T>, post: (data: T) => Promise<U>): ApiPromiseLike<U> {
  if (typeof api._thenUnwrap === 'function') return api._thenUnwrap((data) => post(data)) as ApiPromiseLike<U>;
  let value: Promise<U> | undefined;
  const run = () => (value ??= Promise.resolve(api).then(post));
  return {
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, like the SDK's APIPromise it stands in for
    then: (a, b) => run().then(a, b),
    withResponse: api.withResponse ? () => Promise.all([run(), api.withResponse!()]).then(([data, r]) => ({ ...r, data })) : undefined,
    asResponse: api.asResponse?.bind(api),
  };
}

interface Box<T> {
  inner: ApiPromiseLike<T>;
}

/** An APIPromise whose request starts later (or never: `started` rejects). */
export class DeferredApiPromise<T> extends Promise<T> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  readonly #started: Promise<Box<T>>;

  constructor(started: Promise<Box<T>>) {
    super((resolve) => resolve(undefined as T));
    started.catch(() => undefined); // the rejection reaches whoever reads the result
    this.#started = started;
  }

  static rejected<T>(error: unknown): DeferredApiPromise<T> {
    return new DeferredApiPromise<T>(Promise.reject(error));
  }

  #value(): Promise<T> {
    return this.#started.then((b) => b.inner);
  }

  // biome-ignore lint/suspicious/noThenProperty: an APIPromise is a Promise; `then` waits for the deferred request
  override then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#value().then(onfulfilled, onrejected);
  }

  override catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.#value().catch(onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.#value().finally(onfinally);
  }

  withResponse(): Promise<{ data: T; response: unknown; request_id?: string | null }> {
    return this.#started.then((b) => {
      if (!b.inner.withResponse) throw new TypeError('withResponse() is not available on this client');
      return b.inner.withResponse();
    });
  }

  asResponse(): Promise<unknown> {
    return this.#started.then((b) => {
      if (!b.inner.asResponse) throw new TypeError('asResponse() is not available on this client');
      return b.inner.asResponse();
    });
  }

  _thenUnwrap<U>(transform: (data: T, props: unknown) => U): DeferredApiPromise<Awaited<U>> {
    return new DeferredApiPromise<Awaited<U>>(
      this.#started.then((b): Box<Awaited<U>> => {
        if (typeof b.inner._thenUnwrap === 'function') return { inner: b.inner._thenUnwrap(transform) };
        const post = async (d: T): Promise<Awaited<U>> => await transform(d, {});
        return { inner: unwrapWith<T, Awaited<U>>(b.inner, post) };
      }),
    );
  }
}
