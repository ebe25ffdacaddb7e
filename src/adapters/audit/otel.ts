// `llm-policy-engine/otel`: an audit sink that turns records into OpenTelemetry spans (or span
// events) and metrics. `@opentelemetry/api` is an optional peer dependency: install it (and an
// SDK) to use this entry. Spans are made when a batch is flushed, after the decision, with the
// decision's own start and end times; they are not children of the request's span (the hot
// path does not capture the active context).

import {
  metrics,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type HrTime,
  type Histogram,
  type Meter,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { AuditRecord, AuditSink, AuditStats, DecisionAuditRecord } from '../../audit/index.js';

export interface OtelAuditSinkOptions {
  /** Default: `trace.getTracer('llm-policy-engine')`. */
  tracer?: Tracer;
  /** Default: `metrics.getMeter('llm-policy-engine')`. */
  meter?: Meter;
  /**
   * `spans` (default): one span per decision; `events`: one span per flushed batch with an event
   * per decision; `none`: metrics only.
   */
  mode?: 'spans' | 'events' | 'none';
  /** Add the record's tenant to the decision counter's attributes (mind the cardinality). Default false. */
  tenantAttribute?: boolean;
}

/** Bucket bounds of the latency histogram, microseconds. */
export const DURATION_BUCKETS_US = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 50_000, 100_000];

interface EngineLike {
  stats(): { cache: { hits: number; misses: number }; audit: AuditStats };
}

function hr(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

function attributesOf(r: DecisionAuditRecord): Attributes {
  const a: Attributes = {
    'llm_policy.effect': r.effect,
    'llm_policy.revision': r.revision,
    'llm_policy.instance': r.instance,
    'llm_policy.record_id': r.id,
    'llm_policy.matched': r.matched.map((m) => `${m.namespace}/${m.policy}/${m.rule}`),
    'llm_policy.errors': r.errors.length,
    'llm_policy.duration_us': r.durationUs,
  };
  if (r.tenant !== undefined) a['llm_policy.tenant'] = r.tenant;
  if (r.inputDigest !== undefined) a['llm_policy.input_digest'] = r.inputDigest;
  if (r.cached) a['llm_policy.cached'] = true;
  if (r.sampled !== undefined) a['llm_policy.sampled'] = r.sampled;
  return a;
}

export class OtelAuditSink implements AuditSink {
  private readonly tracer: Tracer;
  private readonly meter: Meter;
  private readonly mode: 'spans' | 'events' | 'none';
  private readonly tenantAttribute: boolean;
  private readonly decisions: Counter;
  private readonly matches: Counter;
  private readonly errors: Counter;
  private readonly duration: Histogram;
  private readonly cacheHits: Counter;
  private readonly dropped: Counter;
  private readonly usageRequests: Counter;
  private readonly usageTokens: Counter;
  private readonly usageCost: Counter;

  constructor(options: OtelAuditSinkOptions = {}) {
    this.tracer = options.tracer ?? trace.getTracer('llm-policy-engine');
    this.meter = options.meter ?? metrics.getMeter('llm-policy-engine');
    this.mode = options.mode ?? 'spans';
    this.tenantAttribute = options.tenantAttribute === true;
    const m = this.meter;
    this.decisions = m.createCounter('llm_policy.decisions', {
      description: 'Policy decisions by effect (estimated from sampled records)',
    });
    this.matches = m.createCounter('llm_policy.rule.matches', {
      description: 'Rules that counted in a decision, by policy, rule and effect',
    });
    this.errors = m.createCounter('llm_policy.rule.errors', { description: 'Evaluation errors, by policy and code' });
    this.duration = m.createHistogram('llm_policy.decision.duration', {
      description: 'Time spent deciding',
      unit: 'us',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_US },
    });
    this.cacheHits = m.createCounter('llm_policy.cache.hits', { description: 'Decisions served from the decision cache' });
    this.dropped = m.createCounter('llm_policy.audit.dropped', { description: 'Audit records dropped because the queue was full' });
    this.usageRequests = m.createCounter('llm_policy.usage.requests', { description: 'Requests recorded with engine.record()' });
    this.usageTokens = m.createCounter('llm_policy.usage.tokens', { description: 'Tokens recorded with engine.record()' });
    this.usageCost = m.createCounter('llm_policy.usage.cost', { description: 'Cost recorded with engine.record()', unit: 'USD' });
  }

  /**
   * Observes an engine's own counters: the cache hit ratio, the audit queue length and the
   * records the sink failed to write. Call once, after creating the engine.
   */
  observe(engine: EngineLike): void {
    const m = this.meter;
    m.createObservableGauge('llm_policy.cache.hit_ratio', { description: 'Decision cache hits / lookups' }).addCallback((o) => {
      const { hits, misses } = engine.stats().cache;
      if (hits + misses > 0) o.observe(hits / (hits + misses));
    });
    m.createObservableGauge('llm_policy.audit.queued', { description: 'Audit records waiting to be written' }).addCallback((o) =>
      o.observe(engine.stats().audit.queued),
    );
    m.createObservableCounter('llm_policy.audit.failed', { description: 'Audit records the sink failed to write' }).addCallback((o) =>
      o.observe(engine.stats().audit.failed),
    );
  }

  write(records: readonly AuditRecord[]): void {
    let batch: Span | undefined;
    for (const r of records) {
      if (r.dropped) this.dropped.add(r.dropped);
      const weight = r.sampled !== undefined && r.sampled > 0 ? 1 / r.sampled : 1;
      if (r.kind === 'usage') {
        this.usageRequests.add((r.usage.requests ?? 1) * weight);
        if (r.usage.tokens) this.usageTokens.add(r.usage.tokens * weight);
        if (r.usage.costUsd) this.usageCost.add(r.usage.costUsd * weight);
        continue;
      }
      this.decisions.add(
        weight,
        this.tenantAttribute && r.tenant !== undefined ? { effect: r.effect, tenant: r.tenant } : { effect: r.effect },
      );
      for (const m of r.matched) this.matches.add(weight, { policy: `${m.namespace}/${m.policy}`, rule: m.rule, effect: m.effect });
      for (const e of r.errors) this.errors.add(weight, { policy: e.policy, code: e.code });
      this.duration.record(r.durationUs, { effect: r.effect });
      if (r.cached) this.cacheHits.add(weight);
      if (this.mode === 'spans') {
        const span = this.tracer.startSpan('llm_policy.decision', {
          startTime: hr(r.time - r.durationUs / 1000),
          attributes: attributesOf(r),
        });
        if (r.errors.length > 0) span.setStatus({ code: SpanStatusCode.ERROR, message: r.errors[0]!.message });
        span.end(hr(r.time));
      } else if (this.mode === 'events') {
        batch ??= this.tracer.startSpan('llm_policy.audit.batch', { startTime: hr(r.time) });
        batch.addEvent('llm_policy.decision', attributesOf(r), hr(r.time));
      }
    }
    batch?.end();
  }
}
