// The audit trail's public shapes: records (schemas/audit-record.schema.json), sinks and options.

import type { Decision, Effect } from '../decide/engine.js';

export interface AuditMatchedRule {
  policy: string;
  namespace: string;
  /** The version of the policy that decided (`decision.matched[].version`). */
  version: string;
  rule: string;
  effect: Effect;
}

export interface AuditRecordBase {
  /** Version of the record format (schemas/audit-record.schema.json). */
  v: 1;
  /** `<instance>-<seq>`: unique per engine instance. */
  id: string;
  /** 1, 2, 3, ... per engine instance, in the order records were queued; a gap is a record lost after it was queued. */
  seq: number;
  /** Milliseconds since the epoch (the engine clock) when the decision was made or the usage recorded. */
  time: number;
  /** Random id of the engine instance (or `audit.instance`). */
  instance: string;
  /** From `audit.tenant`, else the decision's tenant (`evaluate(input, { tenant })`), else the input's `context.tenant` when it is a string. */
  tenant?: string;
  /** The policy revision that decided. */
  revision: string;
  /** The policies of that revision, `namespace/name@version` (`@version` only when the policy has one). */
  policies: string[];
  /** Sampling rate this record was kept with, when below 1: it stands for 1/sampled decisions. */
  sampled?: number;
  /** Records dropped (queue full, or queued after close) since the previous record. */
  dropped?: number;
  /** Hash of the previous line: added by a chained file sink, not by the engine. */
  prevHash?: string;
}

export interface DecisionAuditRecord extends AuditRecordBase {
  kind: 'decision';
  /** `sha256:<hex>` of the canonical JSON of the input (or what `audit.digest` returns). */
  inputDigest?: string;
  effect: Effect;
  matched: AuditMatchedRule[];
  obligations: Record<string, unknown>[];
  errors: AuditDecisionError[];
  /** What the shadow policies would have done (only when some are loaded). */
  shadow?: AuditShadowOutcome[];
  /** Time spent in `evaluate`, microseconds (0.1 µs resolution). */
  durationUs: number;
  /** Served from the decision cache. */
  cached?: true;
  /** The decision's reasons (rule messages may quote the input), only with `includeInput`. */
  reasons?: string[];
  /** The input after redaction, only with `includeInput`. */
  input?: unknown;
}

export interface AuditShadowOutcome {
  policy: string;
  namespace: string;
  version: string;
  effect: Effect;
  /** Ids of its rules that counted. */
  matched: string[];
  /** Whether enforcing it would have changed the decision's effect. */
  differs: boolean;
}

export interface AuditDecisionError {
  policy: string;
  rule?: string;
  code: string;
  message: string;
  handling: 'deny' | 'skip' | 'warn';
}

export interface UsageAuditRecord extends AuditRecordBase {
  kind: 'usage';
  usage: { keys: string[]; requests?: number; tokens?: number; costUsd?: number; at: number };
}

export type AuditRecord = DecisionAuditRecord | UsageAuditRecord;

// ------------------------------------------------------------------ sinks and options

/** Where records go. `write` gets one batch at a time (never two concurrently) and may be async. */
export interface AuditSink {
  write(records: readonly AuditRecord[]): void | Promise<void>;
  /** Makes what was written durable (called by close before `close`). */
  flush?(): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface AuditRedaction {
  /**
   * Paths whose values are replaced by `"[REDACTED]"`: dot-separated keys, `*` for any key or
   * array index (`user.email`, `request.messages.*.content`).
   */
  redactPaths?: string[];
  /** Applied to every other string of the copy (and to the reasons), e.g. a PII redactor. */
  redact?: (text: string, path: string) => string;
}

export interface AuditOptions {
  sink: AuditSink;
  /** Entries held before the overflow rule applies. Default 10,000. */
  queueSize?: number;
  /** A flush starts as soon as this many entries are queued; also the most records per write. Default 1,000. */
  batchSize?: number;
  /** The longest an entry waits before a flush starts, ms. Default 1,000. */
  flushIntervalMs?: number;
  /**
   * When the queue is full: `'drop-oldest'` (default; counted in stats and in the next record),
   * or `{ spill: sink }` to move the oldest entries to a fallback sink (up to `queueSize` more).
   * Batches the sink fails to write also go to the spill sink when there is one.
   */
  overflow?: 'drop-oldest' | { spill: AuditSink };
  /** Fraction of decisions recorded, by effect (and of usage records). Default 1 for each. */
  sample?: { allow?: number; warn?: number; deny?: number; usage?: number };
  /** Records a decision only when this returns true. Runs on the hot path; an exception counts as true. */
  filter?: (decision: Decision, input: unknown) => boolean;
  /** Tenant of every record, or a function of the input; default: the input's `context.tenant`. */
  tenant?: string | ((input: unknown) => string | undefined);
  /** Include a copy of the input (and the decision's reasons) in each decision record. */
  includeInput?: boolean | AuditRedaction;
  /** Render the input on the hot path, for hosts that mutate input objects after deciding. */
  snapshot?: boolean;
  /**
   * The input digest from the input's canonical JSON. Default `sha256:<hex>`; `false` leaves it
   * out. Pass a keyed hash (HMAC) where inputs are guessable and the digest must not confirm a guess.
   */
  digest?: false | ((canonicalJson: string) => string | Promise<string>);
  /** Engine instance id in the records. Default: 16 random hex digits. */
  instance?: string;
  /** Called when a sink fails to write a batch (the records count as failed or spilled). Default: one console warning. */
  onError?: (error: unknown, records: readonly AuditRecord[]) => void;
  /** Random numbers in [0, 1) for sampling. Default Math.random. */
  random?: () => number;
}

export interface AuditStats {
  enabled: boolean;
  /** Entries waiting, including the batch being written. */
  queued: number;
  /** Records the sink accepted. */
  written: number;
  /** Entries dropped: queue full (drop-oldest), or queued after close. */
  dropped: number;
  /** Records the sink (and the spill sink) failed to write. */
  failed: number;
  /** Records written to the spill sink. */
  spilled: number;
  /** Decisions (and usage) left out by sampling. */
  sampledOut: number;
  /** Decisions left out by `filter`. */
  filteredOut: number;
}

export const AUDIT_DISABLED: Readonly<AuditStats> = Object.freeze({
  enabled: false,
  queued: 0,
  written: 0,
  dropped: 0,
  failed: 0,
  spilled: 0,
  sampledOut: 0,
  filteredOut: 0,
});
