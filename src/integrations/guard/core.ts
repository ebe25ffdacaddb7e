// One guarded LLM call: the request-phase decision and its obligations before the call, the
// response-phase decision after it (and during it, for streams), and the usage recorded into
// the engine's state store. Provider modules supply an adapter that reads and rewrites their
// own request and response shapes; everything else lives here.

import { costFemto, femtoToNano, getModelCatalog, nanoToUsd } from '../../../builtins/llm/catalog.js';
import { countText, getTokenizer } from '../../../builtins/llm/tokenizer.js';
import { RequestCounter } from '../../../builtins/llm/tokens.js';
import type { Decision } from '../../decide/engine.js';
import type { Reservation, ReserveSpec } from '../../decide/state.js';
import type { NormalizedRequest, NormalizedResponse, ResponseUsage as Usage } from '../input/types.js';
import { PolicyDeniedError, type PolicyPhase } from './errors.js';
import {
  planObligations,
  redactor,
  REQUEST_OBLIGATIONS,
  RESPONSE_OBLIGATIONS,
  type ObligationPlan,
  type RedactSpec,
} from './obligations.js';
import type { CallInfo, GuardContext, GuardEngine, PolicyCallContext, PolicyInput, PolicyOptions } from './types.js';

/** How a provider module reads and rewrites its request parameters. */
export interface RequestAdapter<P> {
  provider: string;
  toRequest(params: P): NormalizedRequest | Record<string, unknown>;
  /** Params with every prompt text passed through `fn` (a copy; the caller's object is not touched). */
  redact?(params: P, fn: (text: string) => string): P;
  route?(params: P, model: string): P;
  set?(params: P, values: Record<string, unknown>): P;
}

// ------------------------------------------------------------------ per-call context

const CALL_CONTEXT = Symbol.for('llm-policy-engine.policyContext');

/**
 * Per-call policy data for a wrapped client: pass the result as (or merged into) the SDK's
 * request options. The SDK never sees it: the middleware takes it out before the call.
 *
 *   await client.chat.completions.create(params, policyContext({ user: { id: 'u1', tier: 'free' } }));
 *   await client.chat.completions.create(params, policyContext({ user }, { timeout: 10_000 }));
 */
export function policyContext<O extends object = Record<string, never>>(ctx: PolicyCallContext, requestOptions?: O): O {
  // enumerable, so the SDK helpers that copy request options ({ ...options, signal }) keep it
  return { ...(requestOptions ?? {}), [CALL_CONTEXT]: ctx } as O;
}

/**
 * The per-call context in request options (set by `policyContext`, or a plain `policy` key for
 * JavaScript callers) and the options without it.
 */
export function takeCallContext<O>(options: O): { ctx: PolicyCallContext | undefined; options: O } {
  if (options === null || typeof options !== 'object') return { ctx: undefined, options };
  const tagged = (options as Record<symbol, unknown>)[CALL_CONTEXT] as PolicyCallContext | undefined;
  const plain = (options as Record<string, unknown>).policy as PolicyCallContext | undefined;
  if (tagged === undefined && plain === undefined) return { ctx: undefined, options };
  const rest = { ...(options as Record<string | symbol, unknown>) };
  delete rest.policy;
  delete rest[CALL_CONTEXT];
  return { ctx: tagged ?? plain, options: rest as O };
}

// ------------------------------------------------------------------ ids, cost, usage

export function newCallId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string; getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** USD cost of `usage` on `model` by the process-wide model catalog; undefined for a model it does not know. */
export function catalogCost(model: string, usage: Usage): number | undefined {
  const m = getModelCatalog().lookup(model);
  if (m === undefined) return undefined;
  try {
    const big = (n: number) => BigInt(Math.max(0, Math.round(n)));
    const femto = costFemto(m, {
      input: big(usage.input_tokens),
      output: big(usage.output_tokens),
      cachedInput: big(usage.cached_input_tokens),
      cacheWrite: big(usage.cache_write_tokens ?? 0),
      reasoning: big(usage.reasoning_tokens),
    });
    return nanoToUsd(femtoToNano(femto));
  } catch {
    return undefined;
  }
}

function defaultUsageKeys(input: PolicyInput): string[] {
  const u = input.user;
  if (u === null || typeof u !== 'object') return [];
  const id = (u as Record<string, unknown>).id;
  return typeof id === 'string' || typeof id === 'number' ? [`user:${id}`] : [];
}

/** A normalized usage from whatever a response carries (missing counts are 0). */
function usageOf(u: unknown): Usage | undefined {
  if (!isObj(u)) return undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  return {
    input_tokens: n(u.input_tokens),
    output_tokens: n(u.output_tokens),
    cached_input_tokens: n(u.cached_input_tokens),
    reasoning_tokens: n(u.reasoning_tokens),
  };
}

function hasUsage(u: Usage | undefined): u is Usage {
  return u !== undefined && (u.input_tokens > 0 || u.output_tokens > 0);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const warnUsage = (e: unknown, call: CallInfo) =>
  console.warn(`[llm-policy-engine] usage of ${call.operation} ${call.callId} not recorded:`, e);

// ------------------------------------------------------------------ the call

export interface CallSetup<P> {
  engine: GuardEngine;
  options: PolicyOptions<P>;
  adapter: RequestAdapter<P>;
  operation: string;
  params: P;
  stream: boolean;
  /** Per-call values (policyContext / providerOptions.policy), laid over `options.context`'s. */
  callContext?: PolicyCallContext;
}

export class GuardedCall<P> {
  readonly info: CallInfo;
  readonly engine: GuardEngine;
  readonly options: PolicyOptions<P>;
  private readonly adapter: RequestAdapter<P>;
  /** The input without `request`, `response` and the phase fields. */
  private readonly base: Record<string, unknown>;
  private readonly baseContext: Record<string, unknown>;
  /** The params as sent (after obligations) and their normalized form. */
  params: P;
  request: NormalizedRequest | Record<string, unknown>;
  private recorded = false;
  private readonly seen = new Set<string>();
  /** What the request decision asked to hold (budget.reserve), its decision, and the hold once made. */
  private holds: ReserveSpec[] | undefined;
  private holdDecision: Decision | undefined;
  private reservation: Reservation | undefined;

  constructor(setup: CallSetup<P>) {
    this.engine = setup.engine;
    this.options = setup.options;
    this.adapter = setup.adapter;
    this.params = setup.params;
    this.info = { callId: newCallId(), provider: setup.adapter.provider, operation: setup.operation, stream: setup.stream };
    const fromClient = setup.options.context?.(setup.params, this.info) ?? {};
    const fromCall = setup.callContext ?? {};
    const { context: c1, ...v1 } = fromClient;
    const { context: c2, ...v2 } = fromCall;
    this.base = { ...v1, ...v2 };
    delete this.base.request;
    delete this.base.response;
    this.baseContext = { ...(isObj(c1) ? c1 : {}), ...(isObj(c2) ? c2 : {}) };
    this.request = this.adapter.toRequest(this.params);
  }

  phaseName(phase: PolicyPhase): string {
    return (phase === 'request' ? this.options.phases?.request : this.options.phases?.response) ?? phase;
  }

  input(phase: PolicyPhase, response?: NormalizedResponse | Record<string, unknown>, partial = false): PolicyInput {
    const context = { ...this.baseContext, callId: this.info.callId, phase: this.phaseName(phase), partial };
    const input: PolicyInput = { ...this.base, request: this.request, context };
    if (response !== undefined) input.response = response;
    return input;
  }

  private ctx(phase: PolicyPhase, input: PolicyInput, decision: Decision): GuardContext {
    return { ...this.info, phase, input, decision };
  }

  /** Warnings and left-over obligations go to the hooks; repeats within one call (mid-stream checks) are dropped. */
  private hooks(phase: PolicyPhase, input: PolicyInput, decision: Decision, plan: ObligationPlan | undefined): void {
    if (decision.effect === 'warn' && this.options.onWarn) {
      const key = `warn:${decision.matched.map((m) => `${m.namespace}/${m.policy}/${m.rule}`).join(',')}`;
      if (!this.seen.has(key)) {
        this.seen.add(key);
        this.options.onWarn(decision, this.ctx(phase, input, decision));
      }
    }
    for (const o of plan?.other ?? []) {
      let key: string;
      try {
        key = `ob:${phase}:${JSON.stringify(o)}`;
      } catch {
        key = `ob:${phase}:${Object.keys(o)[0]}`;
      }
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (this.options.onObligation) this.options.onObligation(o, this.ctx(phase, input, decision));
      else if (this.options.strictObligations)
        throw new Error(`obligation \`${Object.keys(o)[0]}\` of ${this.info.operation} was not carried out (no onObligation hook)`);
    }
  }

  private deny(phase: PolicyPhase, decision: Decision, delivered?: number): PolicyDeniedError {
    return new PolicyDeniedError(decision, {
      phase,
      callId: this.info.callId,
      operation: this.info.operation,
      ...(delivered !== undefined ? { delivered } : {}),
    });
  }

  // ---------------------------------------------------------------- request phase

  private applyRequest(input: PolicyInput, decision: Decision): P {
    if (!decision.allowed) throw this.deny('request', decision);
    const plan = planObligations(decision.obligations, REQUEST_OBLIGATIONS);
    let params = this.params;
    const a = this.adapter;
    const unsupported = (key: string, value: unknown) => plan.other.push({ [key]: value });
    if (plan.route !== undefined) {
      if (a.route) params = a.route(params, plan.route);
      else unsupported('route', { model: plan.route });
    }
    if (plan.set !== undefined) {
      if (a.set) params = a.set(params, plan.set);
      else unsupported('set', plan.set);
    }
    if (plan.redact !== undefined) {
      if (a.redact) params = a.redact(params, redactor(plan.redact));
      else unsupported('redact', plan.redact);
    }
    if (plan.reserve.length > 0) {
      if (this.engine.reserve && this.engine.settle && this.engine.release) {
        this.holds = plan.reserve;
        this.holdDecision = decision;
      } else for (const r of plan.reserve) unsupported('reserve', r);
    }
    this.hooks('request', input, decision, plan);
    if (params !== this.params) {
      this.params = params;
      this.request = a.toRequest(params);
    }
    return params;
  }

  /** The request-phase decision, synchronously: throws PolicyDeniedError on deny, else returns the params to send. */
  before(): P {
    const input = this.input('request');
    return this.applyRequest(input, this.engine.evaluate(input));
  }

  /** `before`, with engine.evaluateAsync when `strict` is set, then the budget holds the decision asked for. */
  async beforeAsync(): Promise<P> {
    let params: P;
    if (!this.options.strict || !this.engine.evaluateAsync) params = this.before();
    else {
      const input = this.input('request');
      params = this.applyRequest(input, await this.engine.evaluateAsync(input));
    }
    await this.reserve();
    return params;
  }

  /** Whether the request decision asked for budget to be held before the call (see `reserve`). */
  get reserving(): boolean {
    return this.holds !== undefined && this.reservation === undefined;
  }

  /**
   * Holds the budget the request decision asked for (`reserve` obligations), all at once and
   * atomically: when calls in flight have taken it since the decision, throws PolicyDeniedError
   * and nothing is sent.
   */
  async reserve(): Promise<void> {
    if (!this.reserving) return;
    const holds = this.holds!;
    const ttl = this.options.reservationTtlMs;
    const r = await this.engine.reserve!(holds, ttl !== undefined ? { ttlMs: ttl } : {});
    if (r === undefined) {
      const d = this.holdDecision!;
      const why = holds.map((h) => `\`${h.key}\` has no room for ${h.amount} more (limit ${h.limit} per ${h.period})`).join('; ');
      throw this.deny('request', {
        ...d,
        effect: 'deny',
        allowed: false,
        reasons: [`budget reservation refused: ${why}: calls in flight hold the rest`],
        obligations: [],
      });
    }
    this.reservation = r;
  }

  /** The call failed, was aborted or timed out before any usage: drops the budget held for it. */
  async release(): Promise<void> {
    if (this.recorded) return;
    this.recorded = true;
    const r = this.reservation;
    if (r === undefined) return;
    try {
      await this.engine.release!(r);
    } catch (e) {
      (this.options.onUsageError ?? warnUsage)(e, this.info);
    }
  }

  /** Releases the hold if `api` (the provider call) fails; reads only the response status, never the body. */
  watch(api: { asResponse?(): Promise<unknown> }): void {
    if (this.reservation === undefined || typeof api.asResponse !== 'function') return;
    api.asResponse().then(undefined, () => this.release());
  }

  // ---------------------------------------------------------------- response phase

  /**
   * A mid-stream check over a partial response (synchronous). Throws PolicyDeniedError (with
   * `delivered`) on deny; returns the redact obligation in force, if any.
   */
  checkPartial(response: NormalizedResponse, delivered: number): RedactSpec | undefined {
    const input = this.input('response', response, true);
    const decision = this.engine.evaluate(input);
    if (!decision.allowed) throw this.deny('response', decision, delivered);
    const plan = planObligations(decision.obligations, RESPONSE_OBLIGATIONS);
    this.hooks('response', input, decision, plan);
    return plan.redact;
  }

  /**
   * The response-phase decision on the whole response. Records usage first (the provider
   * billed the call whatever the decision), then throws PolicyDeniedError on deny; returns the
   * redact obligation in force, if any. `delivered` marks a stream (characters already sent).
   */
  async after(
    response: NormalizedResponse | Record<string, unknown>,
    delivered?: number,
    canRedact = true,
  ): Promise<RedactSpec | undefined> {
    const input = this.input('response', response, false);
    let decision: Decision;
    try {
      decision = this.options.strict && this.engine.evaluateAsync ? await this.engine.evaluateAsync(input) : this.engine.evaluate(input);
    } finally {
      await this.record(response);
    }
    if (!decision.allowed) throw this.deny('response', decision, delivered);
    const plan = planObligations(decision.obligations, RESPONSE_OBLIGATIONS);
    if (!canRedact && plan.redact !== undefined) {
      plan.other.push({ redact: plan.redact });
      plan.redact = undefined;
    }
    this.hooks('response', input, decision, plan);
    return plan.redact;
  }

  // ---------------------------------------------------------------- usage

  /**
   * Records the call's usage once: the provider's reported usage, or, when there is none (a
   * stream stopped early), an estimate from the request and the text received.
   */
  async record(response: NormalizedResponse | Record<string, unknown> | undefined, textSoFar?: string): Promise<void> {
    if (this.recorded) return;
    if (this.options.recordUsage === false) return this.release();
    const input = this.input('response', response);
    let keys: string[];
    try {
      keys = (this.options.usageKeys ?? defaultUsageKeys)(input);
    } catch (e) {
      (this.options.onUsageError ?? warnUsage)(e, this.info);
      return this.release();
    }
    if (keys.length === 0) return this.release();
    this.recorded = true;
    const r = (isObj(response) ? response : {}) as Record<string, unknown>;
    const model =
      (typeof r.model === 'string' && r.model !== '' ? r.model : undefined) ?? String((this.request as { model?: unknown }).model ?? '');
    const text = textSoFar ?? (typeof r.text === 'string' ? r.text : '');
    let usage = usageOf(r.usage);
    if (!hasUsage(usage)) usage = this.estimate(model, text);
    else if (usage.output_tokens === 0 && text !== '') usage = { ...usage, output_tokens: this.estimate(model, text).output_tokens };
    const requested = String((this.request as { model?: unknown }).model ?? '');
    // the provider's model id (a dated snapshot, say) first; the requested id when the catalog does not know it
    let cost = this.options.cost
      ? this.options.cost(model, usage)
      : (catalogCost(model, usage) ?? (requested !== model ? catalogCost(requested, usage) : undefined));
    const held = this.reservation;
    if (cost !== undefined && !(typeof cost === 'number' && Number.isFinite(cost) && cost >= 0)) {
      // NaN or a negative cost must not reach the budget (it would turn it fail-open): say so, and
      // count what was held for the call instead, when something was
      (this.options.onUsageError ?? warnUsage)(
        new TypeError(
          `cost of \`${model}\` is \`${String(cost)}\`, not a number of USD: ${held ? 'the amount held for the call is recorded instead' : 'recorded without a cost'}`,
        ),
        this.info,
      );
      cost = undefined;
    }
    if (cost === undefined && held !== undefined)
      cost = Math.max(0, ...held.holds.filter((h) => h.metric === 'costUsd').map((h) => h.amount));
    const spent = { keys, requests: 1, tokens: usage.input_tokens + usage.output_tokens, ...(cost !== undefined ? { costUsd: cost } : {}) };
    try {
      if (held) await this.engine.settle!(held, spent);
      else await this.engine.record(spent);
    } catch (e) {
      (this.options.onUsageError ?? warnUsage)(e, this.info);
      if (held) await this.engine.release!(held).catch(() => undefined);
    }
  }

  private estimate(model: string, text: string): Usage {
    try {
      const tokenizer = getTokenizer();
      return {
        input_tokens: new RequestCounter(tokenizer, model).request(this.request as object),
        output_tokens: countText(text, model, tokenizer),
        cached_input_tokens: 0,
        reasoning_tokens: 0,
      };
    } catch {
      return { input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, reasoning_tokens: 0 };
    }
  }
}
