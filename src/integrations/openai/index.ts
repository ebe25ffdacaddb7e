// llm-policy-engine/openai: an OpenAI client whose chat.completions.create and
// responses.create (streaming or not) go through the policy engine (docs/middleware.md).
//
//   import OpenAI from 'openai';
//   import { withPolicy } from 'llm-policy-engine/openai';
//   const openai = withPolicy(new OpenAI(), engine, { context: () => ({ user }) });
//   await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });   // PolicyDeniedError on deny
//
// The `openai` package is an optional peer dependency; nothing here imports it. The SDK's
// helpers built on these methods (chat.completions.parse/stream/runTools, responses.parse/stream)
// go through the same checks.

import { clientProxy, guardCreate, namespaceProxy, resourceProxy } from '../guard/sdk.js';
import type { GuardEngine, PolicyOptions } from '../guard/types.js';
import type { ApiPromiseLike } from '../guard/promise.js';
import { chatSpec, responsesSpec } from './adapter.js';

export { PolicyDeniedError, type PolicyDeniedErrorOptions, type PolicyPhase } from '../guard/errors.js';
export { policyContext } from '../guard/core.js';
export type { CallInfo, GuardContext, GuardEngine, PolicyCallContext, PolicyInput, PolicyOptions, StreamOptions } from '../guard/types.js';

type Obj = Record<string, unknown>;
type RawCreate = (params: Obj, options: unknown) => ApiPromiseLike<unknown>;

/** The parts of an OpenAI client this module wraps (any object with them works). */
export interface OpenAILike {
  chat?: { completions?: { create: (...args: never[]) => unknown } };
  responses?: { create: (...args: never[]) => unknown };
}

/** Options of `withPolicy` for OpenAI; `context` receives the request params. */
export type OpenAIPolicyOptions = PolicyOptions<Record<string, unknown>>;

/**
 * The client, wrapped: `chat.completions.create` and `responses.create` are checked before and
 * after each call; every other property and method is the client's own.
 */
export function withPolicy<C extends OpenAILike>(client: C, engine: GuardEngine, options: OpenAIPolicyOptions = {}): C {
  return clientProxy(
    client as C & object,
    (wrapped) => ({
      chat: () => {
        const chat = (client as OpenAILike).chat;
        if (!chat?.completions) return chat;
        const completions = chat.completions as unknown as Obj & { create: RawCreate };
        return namespaceProxy(chat, {
          completions: () =>
            resourceProxy(
              completions,
              { create: guardCreate(engine, options, chatSpec, completions.create.bind(completions)) as never },
              wrapped,
            ),
        });
      },
      responses: () => {
        const responses = (client as OpenAILike).responses as unknown as (Obj & { create: RawCreate }) | undefined;
        if (!responses) return responses;
        return resourceProxy(
          responses,
          { create: guardCreate(engine, options, responsesSpec, responses.create.bind(responses)) as never },
          wrapped,
        );
      },
    }),
    (copy) => withPolicy(copy, engine, options),
  );
}
