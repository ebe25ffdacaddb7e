// The error middleware throws when a policy denies a call: before it (no request is sent) or
// after it (the response is withheld, or a stream is cut off). Runtime-neutral, and branded with
// Symbol.for like PolicyError, so `instanceof` holds across copies of the package (ESM and CJS
// builds loaded side by side, or two versions in one bundle).

import type { Decision } from '../../decide/engine.js';

const POLICY_DENIED_ERROR = Symbol.for('llm-policy-engine.PolicyDeniedError');

export type PolicyPhase = 'request' | 'response';

export interface PolicyDeniedErrorOptions {
  /** `request`: nothing was sent. `response`: the provider answered; the answer is withheld. */
  phase: PolicyPhase;
  /** The id every decision of this call carries in `context.callId` (audit records tie them by it). */
  callId?: string;
  /** For a stream cut off mid-way: how many characters of text had reached the caller. */
  delivered?: number;
  /** The wrapped operation, e.g. `chat.completions.create`. */
  operation?: string;
}

/** A policy denied an LLM call. `decision` says which rules and why. */
export class PolicyDeniedError extends Error {
  readonly code = 'policy_denied';
  readonly decision: Decision;
  readonly phase: PolicyPhase;
  readonly callId: string | undefined;
  readonly operation: string | undefined;
  /** Streams only: characters of text the caller had received before the stream was stopped. */
  readonly delivered: number | undefined;

  constructor(decision: Decision, options: PolicyDeniedErrorOptions) {
    super(message(decision, options));
    this.name = 'PolicyDeniedError';
    this.decision = decision;
    this.phase = options.phase;
    this.callId = options.callId;
    this.operation = options.operation;
    this.delivered = options.delivered;
    Object.defineProperty(this, POLICY_DENIED_ERROR, { value: true });
  }

  /** The messages of the rules that denied. */
  get reasons(): string[] {
    return this.decision.reasons;
  }

  /**
   * The PolicyDeniedError in `error` or its `cause` chain: SDK helpers (OpenAI's
   * `chat.completions.stream()`, `runTools()`) wrap errors from the stream in their own.
   */
  static of(error: unknown): PolicyDeniedError | undefined {
    let e = error;
    for (let depth = 0; depth < 8 && e !== null && typeof e === 'object'; depth++) {
      if (e instanceof PolicyDeniedError) return e;
      e = (e as { cause?: unknown }).cause;
    }
    return undefined;
  }

  static override [Symbol.hasInstance](v: unknown): boolean {
    return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[POLICY_DENIED_ERROR] === true;
  }
}

function message(d: Decision, o: PolicyDeniedErrorOptions): string {
  const why = d.reasons.length > 0 ? d.reasons.join('; ') : 'denied by policy';
  if (o.phase === 'request') return `policy denied the request: ${why}`;
  if (o.delivered !== undefined) return `policy stopped the response stream after ${o.delivered} characters: ${why}`;
  return `policy denied the response (withheld): ${why}`;
}
