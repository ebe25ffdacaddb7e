// llm-policy-engine/anthropic: an Anthropic client whose messages.create and messages.stream
// (and the beta.messages equivalents) go through the policy engine (docs/middleware.md).
//
//   import Anthropic from '@anthropic-ai/sdk';
//   import { withPolicy } from 'llm-policy-engine/anthropic';
//   const anthropic = withPolicy(new Anthropic(), engine, { context: () => ({ user }) });
//   const stream = anthropic.messages.stream({ model, max_tokens: 1024, messages });
//
// `@anthropic-ai/sdk` is an optional peer dependency; nothing here imports it.

import { guardCreate, clientProxy, namespaceProxy, resourceProxy } from '../guard/sdk.js';
import type { ApiPromiseLike } from '../guard/promise.js';
import type { GuardEngine, PolicyOptions } from '../guard/types.js';
import { messagesSpec } from './adapter.js';

export { PolicyDeniedError, type PolicyDeniedErrorOptions, type PolicyPhase } from '../guard/errors.js';
export { policyContext } from '../guard/core.js';
export type { CallInfo, GuardContext, GuardEngine, PolicyCallContext, PolicyInput, PolicyOptions, StreamOptions } from '../guard/types.js';

type Obj = Record<string, unknown>;
type RawCreate = (params: Obj, options: unknown) => ApiPromiseLike<unknown>;
type Messages = Obj & { create: RawCreate; stream?: (...args: unknown[]) => unknown };

/** The parts of an Anthropic client this module wraps (any object with them works). */
export interface AnthropicLike {
  messages?: { create: (...args: never[]) => unknown };
  beta?: unknown;
}

/** Options of `withPolicy` for Anthropic; `context` receives the request params. */
export type AnthropicPolicyOptions = PolicyOptions<Record<string, unknown>>;

function guardMessages(raw: Messages, engine: GuardEngine, options: AnthropicPolicyOptions, wrapped: object, prefix: string): Messages {
  const create = raw.create.bind(raw);
  const overrides: Record<string, (...args: never[]) => unknown> = {
    create: guardCreate(engine, options, messagesSpec(`${prefix}messages.create`), create) as never,
  };
  const rawStream = raw.stream;
  if (typeof rawStream === 'function') {
    // MessageStream calls `this.create({ ...params, stream: true })`: run it on a shadow whose
    // create is guarded and named after the stream call.
    const streamCreate = guardCreate(engine, options, messagesSpec(`${prefix}messages.stream`), create);
    const shadow = Object.create(raw, { create: { value: streamCreate }, _client: { value: wrapped } }) as Messages;
    overrides.stream = ((...args: unknown[]) => rawStream.apply(shadow, args)) as never;
  }
  return resourceProxy(raw, overrides as never, wrapped);
}

/**
 * The client, wrapped: `messages.create` and `messages.stream` (and `beta.messages.*`) are
 * checked before and after each call; everything else is the client's own.
 */
export function withPolicy<C extends AnthropicLike>(client: C, engine: GuardEngine, options: AnthropicPolicyOptions = {}): C {
  return clientProxy(
    client as C & object,
    (wrapped) => ({
      messages: () => {
        const m = (client as AnthropicLike).messages as unknown as Messages | undefined;
        return m && typeof m.create === 'function' ? guardMessages(m, engine, options, wrapped, '') : m;
      },
      beta: () => {
        const beta = (client as AnthropicLike).beta as Obj | undefined;
        const m = beta?.messages as Messages | undefined;
        if (!beta || !m || typeof m.create !== 'function') return beta;
        return namespaceProxy(beta, { messages: () => guardMessages(m, engine, options, wrapped, 'beta.') });
      },
    }),
    (copy) => withPolicy(copy, engine, options),
  );
}
