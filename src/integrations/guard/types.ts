// Options and shapes shared by every middleware (openai, anthropic, ai-sdk, guard).

import type { Decision } from '../../decide/engine.js';
import type { Reservation, ReserveSpec, Usage as StateUsage } from '../../decide/state.js';
import type { NormalizedRequest, NormalizedResponse, ResponseUsage as Usage } from '../input/types.js';
import type { PolicyPhase } from './errors.js';

/** What the engine needs from a PolicyEngine: evaluate, optionally evaluateAsync, record, and reserve/settle/release for `reserve` obligations. */
export interface GuardEngine {
  evaluate(input: unknown): Decision;
  evaluateAsync?(input: unknown): Promise<Decision>;
  record(usage: StateUsage): Promise<void>;
  reserve?(limits: ReserveSpec[], options?: { ttlMs?: number }): Promise<Reservation | undefined>;
  settle?(reservation: Reservation, usage: StateUsage): Promise<void>;
  release?(reservation: Reservation): Promise<void>;
}

/** Per-call data for the policy input: `user`, `context`, and any other top-level variables (e.g. `budget`). */
export interface PolicyCallContext {
  user?: unknown;
  context?: Record<string, unknown>;
  [variable: string]: unknown;
}

/** The input each decision sees. */
export interface PolicyInput {
  request: NormalizedRequest | Record<string, unknown>;
  response?: NormalizedResponse | Record<string, unknown>;
  user?: unknown;
  /** The caller's context plus `callId`, `phase` and `partial` (true only for mid-stream checks). */
  context: Record<string, unknown> & { callId: string; phase: string; partial: boolean };
  [variable: string]: unknown;
}

export interface CallInfo {
  /** A random UUID, also in `context.callId` of every decision of this call. */
  callId: string;
  /** `openai`, `anthropic`, the AI SDK provider, or what `guard` was given. */
  provider: string;
  /** The wrapped operation: `chat.completions.create`, `responses.create`, `messages.create`, `generate`, `stream`, ... */
  operation: string;
  stream: boolean;
}

export interface GuardContext extends CallInfo {
  phase: PolicyPhase;
  input: PolicyInput;
  decision: Decision;
}

export interface StreamOptions {
  /**
   * Evaluate the response phase each time this many new characters of text have arrived
   * (default 128; 1 checks every chunk). The end of the stream is always checked.
   */
  checkEvery?: number;
  /**
   * Characters of text each mid-stream check sees: the latest ones (default 2048, at least
   * `checkEvery + 64`), and never less than all the text since the previous check plus the
   * `window - checkEvery` characters before it, so a pattern split across chunks or across two
   * checks is still found whole.
   */
  window?: number;
  /**
   * Hold text back until a check has passed over it (default true): the caller never receives
   * text a policy would deny, and `redact` obligations apply to streamed text. `holdBack`
   * characters (default 64) after the last check stay held, so a secret whose start arrived just
   * before a check is not let out half-way. `false`: chunks pass straight through; a deny still
   * stops the stream, but what came before it has been delivered and is not redacted.
   */
  holdBack?: boolean | number;
}

export interface PolicyOptions<P = unknown> {
  /** `user`, `context` and other input variables for a call (per-call `policyContext` values win). */
  context?: (params: P, call: CallInfo) => PolicyCallContext | undefined;
  /** Called when a decision is `warn`; the call goes on. */
  onWarn?: (decision: Decision, ctx: GuardContext) => void;
  /**
   * Called for each obligation the middleware does not carry out itself (`notify`, custom keys;
   * `route`/`set` in the response phase), as a one-key object (`{ notify: {...} }`). Throwing
   * fails the call.
   */
  onObligation?: (obligation: Record<string, unknown>, ctx: GuardContext) => void;
  /**
   * Fail the call with an Error naming the obligation when it is neither carried out nor handed
   * to `onObligation` (an enforcement point that cannot discharge an obligation must not go on).
   * Default false: such obligations are ignored.
   */
  strictObligations?: boolean;
  /** State keys the call's usage is recorded under; default `['user:<user.id>']` when the user has an id. */
  usageKeys?: (input: PolicyInput) => string[];
  /** USD cost of a call; default: the shipped model catalog (llm.cost), or none for an unknown model. */
  cost?: (model: string, usage: Usage) => number | undefined;
  /** Record usage with engine.record after each call (default true). */
  recordUsage?: boolean;
  /**
   * How long budget held for a call (a `reserve` obligation) lasts if the call is never settled,
   * e.g. the process dies mid-call (ms; default 10 minutes). Make it longer than your slowest call.
   */
  reservationTtlMs?: number;
  /** Called when engine.record fails (default: console.warn); the call's result is still returned. */
  onUsageError?: (error: unknown, ctx: CallInfo) => void;
  /** Values of `context.phase` (default `request` and `response`). */
  phases?: { request?: string; response?: string };
  /** Use engine.evaluateAsync for the request and final response checks (strict state reads). */
  strict?: boolean;
  /** Streaming checks. */
  stream?: StreamOptions;
}
