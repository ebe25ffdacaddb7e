// The policy engine: holds one immutable revision of compiled policies and decides,
// synchronously, against it. Loading builds a whole new revision and swaps it in only when
// every document compiled, so a decision always sees one complete revision and a failed
// load changes nothing. This class loads prebuilt modules only; ./source-engine.ts adds
// building from sources, which the `/runtime` entry leaves out.

import { EvaluationError, PolicyError, toEvaluationError, type Issue } from '../lang/errors.js';
import type { JsonSchema } from '../lang/checker.js';
import type { Registry } from '../lang/registry.js';
import { UNSET } from '../compile/frame.js';
import { readModule } from './prebuilt.js';
import { resolveLimits, type Limits } from '../compile/limits.js';
import type { CompiledPolicy, Effect } from '../policy/compile.js';
import { checkInput } from './input.js';
import { EMPTY, STOP, generalRunner, runPolicy, type DecisionFrame, type PolicyRunner } from './run.js';
import type { CacheOptions, CacheStats, DecisionCache } from './decision-cache.js';
import type { BundleVerifyOptions } from '../policy/bundle.js';
import {
  checkTime,
  checkUsage,
  DEFAULT_RESERVATION_TTL_MS,
  reservationId,
  shown,
  toHolds,
  type Reservation,
  type ReserveSpec,
  type StateHost,
  type StateRead,
  type StateStore,
  type Usage,
} from './state.js';
import { DetectorHost, settleDetectors, type Detector, type DetectorOptions } from './detectors.js';

export type { Effect } from '../policy/compile.js';

export interface MatchedRule {
  policy: string;
  namespace: string;
  /** The version of the policy that decided: `metadata.version`, or `#` and a hash of its text. */
  version: string;
  rule: string;
  effect: Effect;
  message: string | undefined;
}

export interface DecisionError {
  policy: string;
  rule: string | undefined;
  code: string;
  message: string;
  /** What the error counted as, per the policy's `onError`. */
  handling: 'deny' | 'skip' | 'warn';
}

export interface Decision {
  effect: Effect;
  allowed: boolean;
  reasons: string[];
  matched: MatchedRule[];
  obligations: Record<string, unknown>[];
  errors: DecisionError[];
  revision: string;
  /** What the shadow policies would have done (only when some are loaded): docs/lifecycle.md. */
  shadow?: ShadowOutcome[];
  /** The tenant the decision was made for (`evaluate(input, { tenant })`). */
  tenant?: string;
  trace?: Trace;
}

/** One shadow policy's outcome for a decision it took no part in. */
export interface ShadowOutcome {
  policy: string;
  namespace: string;
  version: string;
  /** What the policy alone decides: `deny`, `warn`, or `allow` (which includes not applying). */
  effect: Effect;
  /** Its rules that counted, as in `decision.matched`. */
  matched: MatchedRule[];
  /** Whether enforcing it would have changed the decision's effect. */
  differs: boolean;
  /** Its evaluation errors (they are not the decision's). */
  errors?: DecisionError[];
}

export interface RuleTrace {
  rule: string;
  when: string | undefined;
  /** true / false, or 'error' with the error's message. */
  result: boolean | 'error';
  error?: string;
}

export interface PolicyTrace {
  policy: string;
  applicable: boolean | 'error';
  effect: Effect | undefined;
  /** Whether the rule index narrowed the rules tried. */
  indexed: boolean;
  rules: RuleTrace[];
  lets: Record<string, unknown>;
  /** A shadow policy: evaluated after the decision, not part of it. */
  shadow?: true;
}

export interface Trace {
  policies: PolicyTrace[];
  durationMs: number;
}

export interface EngineOptions {
  /** The function library. The main entry passes the standard library. */
  registry: Registry;
  /** Milliseconds since the epoch; `now` in policies. Default Date.now. */
  clock?: () => number;
  limits?: Partial<Limits>;
  /** JSON Schema of the input: variables and fields it does not list are load errors. */
  inputSchema?: JsonSchema;
  /** Effect when no policy applies. Default `allow`. */
  default?: 'allow' | 'deny';
  /** Where rate and budget functions read and `record()` writes. */
  state?: StateStore;
  /**
   * Decision cache (LRU of `max` decisions). Used only for a revision whose policies the
   * compiler proves pure (no clock, no state); keyed by revision and the input paths read.
   */
  cache?: CacheOptions;
  /**
   * Told of every decision and every `record()` after the fact (the audit trail is one: the
   * entries wire `audit` options to it). Called on the hot path: it must only enqueue.
   */
  observer?: DecisionObserver;
  /** Classifiers policies read with `injection.classifier(name, text)`; evaluateAsync runs them (docs/injection.md). */
  detectors?: Detector[] | DetectorOptions;
  /**
   * How policies become code. `auto` (default): where the runtime allows compiling code from
   * strings (Node, Deno, browsers without a strict CSP), loaded policies are compiled to
   * generated JavaScript; where it refuses (Cloudflare Workers, Vercel Edge,
   * `--disallow-code-generation-from-strings`), to closures, with the same results. `always`:
   * generated code, and an error at construction where the runtime refuses it. `never`:
   * closures. Policies built ahead of time (`llm-policy build`, `loadCompiled`) are code already.
   */
  codegen?: 'auto' | 'always' | 'never';
}

export interface EngineStats {
  revision: string;
  decisions: number;
  cache: CacheStats;
  /** What decisions of the current revision run: generated code (for at least one policy), or closures only. */
  compiledTo: 'code' | 'closures';
  /** Per shadow policy of the current revision, since it was loaded: docs/lifecycle.md. */
  shadow: ShadowStats[];
}

export interface ShadowStats {
  policy: string;
  namespace: string;
  version: string;
  /** Decisions it was evaluated on (cached decisions included). */
  decisions: number;
  /** Decisions whose effect it would have changed. */
  changed: number;
  /** Per rule: how often it counted, and how often it counted in a decision the policy would have changed. */
  rules: { rule: string; matched: number; changed: number }[];
}

/** What the engine tells an observer (src/audit implements it). */
export interface DecisionObserver {
  decision(policies: readonly CompiledPolicy[], input: unknown, decision: Decision, startedMs: number, cached: boolean): void;
  usage(usage: Usage & { at: number }, revision: string, policies: readonly CompiledPolicy[]): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface LoadFromOptions {
  /** Keep following the source and swap in each good revision. */
  watch?: boolean;
  /** Called after every reload: the new revision, or the error that kept the last good one. */
  onReload?: (result: { revision: string; error?: PolicyError | Error }) => void;
  /** Require signed bundles from the source, verified with this key (policy/bundle.ts; docs/lifecycle.md). */
  verify?: BundleVerifyOptions;
}

export interface EvaluateOptions {
  explain?: boolean;
  /** Decide with the shared namespace (`default`) and this tenant's namespace only. */
  tenant?: string;
}

export interface AddPolicyOptions {
  filename?: string;
  /** Add the text as a candidate version of a policy already loaded, deciding for `percent` of the keys at `by`. */
  canary?: CanaryOptions;
}

export interface CanaryOptions {
  /** 0..100: the share of keys the candidate decides for. */
  percent: number;
  /** An input path such as `user.id`: inputs with the same value there land on the same side. */
  by: string;
}

export interface PolicySummary {
  name: string;
  namespace: string;
  version: string | undefined;
  rules: number;
  file: string | undefined;
  /** Only for a shadow policy. */
  mode?: 'shadow';
  /** Only while a candidate version of the policy is rolling out. */
  canary?: { version: string; percent: number; by: string; file: string | undefined };
}

/** One policy of a revision, ready to run: the unit the decision loop iterates. */
interface Slot {
  policy: CompiledPolicy;
  runner: PolicyRunner;
  /** Its position in `Revision.policies`: which let cells it uses. */
  cell: number;
  /** Input paths it reads, when it is pure. */
  paths: string[][] | undefined;
}

/** An enforcing policy, and the candidate that decides for part of the inputs while one rolls out. */
interface Enforced extends Slot {
  canary: Canary | undefined;
}

interface Canary extends Slot {
  /** Whether the candidate decides for this input (made by ./source-engine.ts, where canaries are added). */
  takes: (input: unknown) => boolean;
}

interface Shadow extends Slot {
  counts: ShadowCounts;
}

interface ShadowCounts {
  decisions: number;
  changed: number;
  /** Per rule, by position in the policy. */
  matched: number[];
  ruleChanged: number[];
  rule: Map<string, number>;
}

/** What a decision for one tenant (or for none) runs: the policies of its namespaces, in load order. */
interface View {
  enforced: Enforced[];
  shadows: Shadow[];
  /** How many of `enforced` have a candidate. */
  canaries: number;
  /** Every policy the view may run, for the audit record. */
  policies: CompiledPolicy[];
  /** Input paths its policies read, when they are all pure and there is a cache. */
  cachePaths: string[][] | undefined;
}

/** One immutable, complete set of compiled policies. */
interface Revision {
  id: string;
  /** Every compiled policy (stable, candidate, shadow); a slot's `cell` is its position here. */
  policies: CompiledPolicy[];
  /** The running (stable) policies by key. */
  byKey: Map<string, CompiledPolicy>;
  /** Macro variable slots: the most any one policy uses. */
  vars: number;
  /** A frame kept for reuse; taken while a decision runs. */
  spare: DecisionFrame | undefined;
  /** Let cells of each policy (by position in `policies`), kept with the spare frame. */
  spareLets: unknown[][] | undefined;
  /** Whether some policy runs as generated code. */
  code: boolean;
  /** Every namespace's policies: a decision without a tenant. */
  all: View;
  /** The `default` namespace's policies: a tenant with none of its own. */
  shared: View;
  /** Slots by namespace, in load order, from which tenant views are made. */
  namespaces: Map<string, (Enforced | Shadow)[]>;
  /** Tenant views made so far (only for namespaces that exist, so the map is bounded). */
  views: Map<string, View>;
}

const CODEGEN_MODES = new Set(['auto', 'always', 'never']);
const ENGINE_OPTION_KEYS = new Set([
  'registry',
  'clock',
  'limits',
  'inputSchema',
  'default',
  'observer',
  'state',
  'cache',
  'detectors',
  'codegen',
]);

/**
 * What the engine of the main and `/core` entries brings (./source-engine.ts): the `/runtime`
 * engine has neither, so that its import stays small.
 */
export interface EngineParts {
  codegenAllowed(): boolean;
  /** The decision cache (`cache` option): its LRU is as large as the rest of the deciding core. */
  decisionCache(options: CacheOptions): DecisionCache;
}

/**
 * The engine that decides: it holds one revision of compiled policies, loads prebuilt ones
 * (loadCompiled), and decides with them. What builds policies from their sources is in
 * ./source-engine.ts, which the `/runtime` entry does not import.
 */
export class PolicyEngine {
  protected readonly registry: Registry;
  private readonly clock: () => number;
  protected readonly limits: Limits;
  private readonly fallback: 'allow' | 'deny';
  /** Shadow policies' counters, kept across revisions while the policy's text stays the same. */
  private shadowCounts = new Map<CompiledPolicy, ShadowCounts>();
  private current: Revision;
  private revisionCounter = 0;
  private readonly host: StateHost & { detect: DetectorHost | undefined };
  private readonly cache: DecisionCache | undefined;
  private decisions = 0;
  private readonly observer: DecisionObserver | undefined;
  /** Whether the current set came from loadCompiled (it has no sources to add to). */
  protected prebuilt = false;

  constructor(options: EngineOptions, parts?: EngineParts) {
    const unknownOptions = Object.keys(options).filter((k) => !ENGINE_OPTION_KEYS.has(k));
    const { limits, unknown } = resolveLimits(options.limits);
    const bad: Issue[] = [
      ...unknownOptions.map((k) => `unknown engine option \`${k}\``),
      ...unknown.map((k) => `unknown limit \`${k}\` (or a value of the wrong type)`),
    ].map((message) => ({ code: 'invalid_option', message }));
    const codegen = options.codegen ?? 'auto';
    if (!CODEGEN_MODES.has(codegen))
      bad.push({
        code: 'invalid_option',
        message: `unknown \`codegen\` mode \`${String(codegen)}\``,
        hint: "use 'auto', 'always' or 'never'",
      });
    else if (codegen === 'always' && !parts?.codegenAllowed())
      bad.push({
        code: 'invalid_option',
        message: "`codegen: 'always'` needs code generation from strings, which this runtime refuses",
        hint: "use `codegen: 'auto'` to fall back to closures here, or load policies built with `llm-policy build` (loadCompiled)",
      });
    if (bad.length) throw new PolicyError(bad);
    this.registry = options.registry;
    this.clock = options.clock ?? Date.now;
    this.limits = limits;
    this.fallback = options.default ?? 'allow';
    // the LRU is as large as the rest of the deciding core: the `/runtime` engine refuses `cache`
    if (options.cache && parts) this.cache = parts.decisionCache(options.cache);
    this.current = this.assemble([], 'empty');
    const detectors = options.detectors;
    this.host = {
      state: options.state,
      clock: this.clock,
      reads: undefined,
      holds: [],
      detect: detectors ? new DetectorHost(Array.isArray(detectors) ? { detectors } : detectors) : undefined,
    };
    this.observer = options.observer;
  }

  /** Id of the policy set decisions are made with. */
  get revision(): string {
    return this.current.id;
  }

  policies(): PolicySummary[] {
    return [...this.current.byKey.keys()].map((key) => this.summary(key)!);
  }

  /** A running policy's summary (undefined for another key). */
  protected summary(key: string): PolicySummary | undefined {
    const p = this.current.byKey.get(key);
    if (p === undefined) return undefined;
    const out: PolicySummary = { name: p.name, namespace: p.namespace, version: p.version, rules: p.rules.length, file: p.file };
    if (p.mode === 'shadow') out.mode = 'shadow';
    return out;
  }

  /** Makes a revision of these policies the current one, identified by `prefix` and a counter. */
  protected install(items: Item[], prefix: string): void {
    this.current = this.assemble(items, `${prefix}-${++this.revisionCounter}`);
    this.prebuilt = false;
  }

  /** A revision of these policies, in this order (the order decisions list what matched in). */
  private assemble(items: Item[], id: string): Revision {
    const policies: CompiledPolicy[] = [];
    const byKey = new Map<string, CompiledPolicy>();
    const namespaces = new Map<string, (Enforced | Shadow)[]>();
    const every: (Enforced | Shadow)[] = [];
    const counts = new Map<CompiledPolicy, ShadowCounts>();
    let vars = 0;
    let code = false;
    const slot = (policy: CompiledPolicy, runner: PolicyRunner, paths: string[][] | undefined): Slot => {
      const cell = policies.length;
      policies.push(policy);
      if (policy.vars > vars) vars = policy.vars;
      if (runner !== generalRunner) code = true;
      return { policy, runner, cell, paths };
    };
    for (const it of items) {
      byKey.set(it.key, it.policy);
      let s: Enforced | Shadow;
      if (it.policy.mode === 'shadow') {
        const c = this.shadowCounts.get(it.policy) ?? shadowCounts(it.policy);
        counts.set(it.policy, c);
        s = { ...slot(it.policy, it.runner, it.paths), counts: c };
      } else {
        const e = slot(it.policy, it.runner, it.paths);
        const c = it.candidate;
        s = { ...e, canary: c && { ...slot(c.policy, c.runner, c.paths), takes: c.takes } };
      }
      every.push(s);
      const ns = namespaces.get(it.policy.namespace);
      if (ns) ns.push(s);
      else namespaces.set(it.policy.namespace, [s]);
    }
    this.shadowCounts = counts;
    const rev: Revision = {
      id,
      policies,
      byKey,
      vars,
      spare: undefined,
      spareLets: undefined,
      code,
      namespaces,
      views: new Map(),
      all: undefined as unknown as View,
      shared: undefined as unknown as View,
    };
    rev.all = this.view(every);
    rev.shared = this.view(namespaces.get('default') ?? []);
    return rev;
  }

  /** What a decision over these slots runs, and what its cache key reads. */
  private view(slots: (Enforced | Shadow)[]): View {
    const enforced: Enforced[] = [];
    const shadows: Shadow[] = [];
    const policies: CompiledPolicy[] = [];
    const paths: string[][] = [];
    let canaries = 0;
    let pure = true;
    const read = (x: Slot) => {
      policies.push(x.policy);
      if (x.paths === undefined) pure = false;
      else if (this.cache !== undefined) for (const p of x.paths) paths.push(p);
    };
    for (const s of slots) {
      read(s);
      if ('counts' in s) shadows.push(s);
      else {
        enforced.push(s);
        if (s.canary) {
          canaries++;
          read(s.canary);
        }
      }
    }
    return { enforced, shadows, canaries, policies, cachePaths: pure && this.cache !== undefined ? this.cache.paths(paths) : undefined };
  }

  /**
   * The view of a tenant: the shared namespace's slots and its own, merged in load order. Made
   * once per tenant and revision, in O(shared + own); a tenant without policies gets the shared
   * view, and is not remembered (tenant names come from requests).
   */
  private tenantView(rev: Revision, tenant: string): View {
    if (tenant === 'default') return rev.shared;
    const known = rev.views.get(tenant);
    if (known !== undefined) return known;
    const own = rev.namespaces.get(tenant);
    if (own === undefined) return rev.shared;
    const shared = rev.namespaces.get('default') ?? [];
    const merged: (Enforced | Shadow)[] = [];
    let i = 0;
    let j = 0;
    while (i < shared.length || j < own.length) {
      if (j >= own.length || (i < shared.length && shared[i]!.cell < own[j]!.cell)) merged.push(shared[i++]!);
      else merged.push(own[j++]!);
    }
    const v = this.view(merged);
    rev.views.set(tenant, v);
    return v;
  }

  /**
   * Replaces the policy set with a prebuilt module (`llm-policy build`, compileToModule): pass
   * the imported module or its default export. Needs neither YAML parsing nor code generation
   * at run time. Throws a PolicyError (`invalid_prebuilt`) when the module was built by
   * another engine version or calls a function this engine lacks.
   */
  loadCompiled(module: unknown): PolicySummary[] {
    const set = readModule(module, this.registry);
    // the module records the paths of the whole set, not per policy: each view's key reads them all
    const items = set.policies.map((p, i): Item => ({ key: p.key, policy: p, runner: set.runners[i]!, paths: set.cachePaths }));
    this.install(items, set.revision);
    this.current.code = true;
    this.prebuilt = true;
    return this.policies();
  }

  /**
   * Decides synchronously. Never throws: odd input and evaluation errors become part of the
   * decision. With `tenant`, only the shared namespace and that tenant's decide.
   */
  evaluate(input: unknown, options?: EvaluateOptions): Decision {
    const rev = this.current;
    const explain = options?.explain === true;
    const tenant = options?.tenant;
    this.decisions++;
    const observer = this.observer;
    const started = observer !== undefined ? now() : 0;
    let d: Decision;
    let cached = false;
    let view: View | undefined;
    try {
      view = this.viewOf(rev, tenant);
      if (view === undefined) {
        d = unreadable(rev.id, new EvaluationError('invalid_argument', `\`tenant\` must be a string, got ${shown(tenant)}`), explain);
      } else {
        const key =
          this.cache !== undefined && view.cachePaths !== undefined && !explain
            ? this.cache.key(cacheScope(rev, view, tenant as string | undefined, input), view.cachePaths, input)
            : undefined;
        const hit = key !== undefined ? this.cache!.get<Decision>(key) : undefined;
        cached = hit !== undefined;
        if (hit !== undefined) d = hit;
        else {
          d = this.evaluateUncached(rev, view, input, explain, tenant as string | undefined);
          if (key !== undefined) this.cache!.set(key, d);
        }
      }
    } catch (err) {
      // The last line of the never-throws promise: whatever escaped (a host object that throws
      // where no rule reads it, a bug of ours) is a decision, and it denies.
      d = unreadable(rev.id, toEvaluationError(err), explain);
      if (typeof tenant === 'string') d.tenant = tenant;
    }
    // counted per decision served, cached or not, so the counts do not depend on the cache
    if (d.shadow !== undefined && view !== undefined) countShadows(view, d.shadow);
    // the hot path only stores references; the record is built in the background
    if (observer !== undefined) observer.decision(view?.policies ?? rev.all.policies, input, d, started, cached);
    return d;
  }

  /** The view a decision for `tenant` runs; undefined for a tenant that is not a string. */
  private viewOf(rev: Revision, tenant: unknown): View | undefined {
    return tenant === undefined ? rev.all : typeof tenant === 'string' ? this.tenantView(rev, tenant) : undefined;
  }

  private evaluateUncached(rev: Revision, view: View, input: unknown, explain: boolean, tenant?: string): Decision {
    const d = this.decideInput(rev, view, input, explain);
    if (tenant !== undefined) d.tenant = tenant;
    return d;
  }

  private decideInput(rev: Revision, view: View, input: unknown, explain: boolean): Decision {
    const started = explain ? now() : 0;
    const data = (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
    const inputProblem = this.limits.validateInput ? checkInput(input, this.limits) : undefined;
    if (inputProblem) {
      const d = unreadable(rev.id, new EvaluationError(inputProblem.code, inputProblem.message), explain);
      if (d.trace) d.trace.durationMs = now() - started;
      return d;
    }
    let frame = rev.spare;
    let cells = rev.spareLets;
    if (frame !== undefined && cells !== undefined) {
      rev.spare = undefined;
      rev.spareLets = undefined;
      frame.input = data;
      frame.now = undefined;
      clearOutcome(frame);
    } else {
      frame = {
        input: data,
        lets: EMPTY as unknown as unknown[],
        vars: new Array(rev.vars).fill(undefined),
        steps: 0,
        maxSteps: this.limits.maxSteps,
        maxErrors: this.limits.maxErrors,
        maxMessage: this.limits.maxMessageLength,
        now: undefined,
        clock: this.clock,
        host: this.host,
        denied: false,
        warned: false,
        matched: undefined,
        owed: undefined,
        errors: undefined,
        defaults: undefined,
      };
      cells = rev.policies.map((p) =>
        p.letEvals.length === 0 ? (EMPTY as unknown as unknown[]) : new Array<unknown>(p.letEvals.length).fill(UNSET),
      );
    }
    const holds = this.host.holds!;
    // (setting `length` is a runtime call even when it changes nothing: only when there are holds)
    if (holds.length !== 0) holds.length = 0;
    try {
      const d = this.decide(rev, view, frame, cells, explain ? { policies: [], durationMs: 0 } : undefined, started);
      // budget.reserve asked for holds: an allowed decision carries them for the enforcement point
      if (holds.length > 0 && d.allowed) d.obligations = [...d.obligations, ...holds.map((h) => ({ reserve: { ...h } }))];
      return d;
    } finally {
      if (holds.length !== 0) holds.length = 0;
      frame.input = EMPTY_INPUT;
      rev.spare = frame;
      rev.spareLets = cells;
    }
  }

  /**
   * Runs every enforcing policy of the view into the frame (a policy rolling out: the version
   * the input's side picks), combines across them (deny-overrides), then runs the shadow
   * policies beside the decision.
   */
  private decide(rev: Revision, view: View, f: DecisionFrame, cells: unknown[][], trace: Trace | undefined, started: number): Decision {
    const slots = view.enforced;
    let d: Decision;
    let fellBack = false;
    try {
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i]!;
        const x: Slot = s.canary?.takes(f.input) ? s.canary : s;
        const p = x.policy;
        f.lets = freshLets(cells[x.cell]!, p.live);
        if (trace) {
          const pt: PolicyTrace = { policy: p.key, applicable: true, effect: undefined, indexed: false, rules: [], lets: {} };
          trace.policies.push(pt);
          runPolicy(p, f, pt);
        } else x.runner(f, p);
      }
      fellBack = !f.denied && !f.warned && f.matched === undefined && f.defaults === undefined;
      d = this.combine(rev, f);
    } catch (e) {
      // the step budget or the error cap ran out (run.ts): the decision stops and denies
      if (e !== STOP) throw e;
      d = this.stopped(rev, f);
    }
    if (view.shadows.length > 0) d.shadow = this.shadows(view, f, cells, d, fellBack, trace);
    if (trace) trace.durationMs = now() - started;
    return finish(d, trace);
  }

  /** The decision of what the frame holds. */
  private combine(rev: Revision, f: DecisionFrame): Decision {
    const { matched, owed, errors, defaults } = f;
    const effect: Effect = f.denied
      ? 'deny'
      : f.warned
        ? 'warn'
        : matched === undefined && defaults === undefined
          ? this.fallback
          : 'allow';
    let reasons: string[] = EMPTY as unknown as string[];
    let obligations: Record<string, unknown>[] = EMPTY as unknown as Record<string, unknown>[];
    if (matched !== undefined) {
      // `[r]` before any push: an array made empty then pushed to gets room for 17
      let first: string | undefined;
      for (let i = 0; i < matched.length; i++) {
        const m = matched[i]!;
        if (m.effect === effect) {
          const r = m.message ?? `${m.policy}/${m.rule}`;
          if (first === undefined) reasons = [(first = r)];
          else reasons.push(r);
        }
        const o = owed?.[i];
        if (o !== undefined && o.length > 0 && (effect === 'deny' ? m.effect === 'deny' : m.effect !== 'deny')) {
          if (obligations.length === 0) obligations = [];
          obligations.push(...o);
        }
      }
      if (first === undefined) reasons = [];
    }
    if (defaults !== undefined) {
      if (reasons.length === 0) reasons = [];
      for (const d of defaults) if (d.effect === effect) reasons.push(d.reason);
    }
    if (effect === 'deny' && reasons.length === 0 && errors)
      reasons = errors.map((e) => `${e.policy}${e.rule ? `/${e.rule}` : ''}: ${e.message}`);
    const maxReasons = this.limits.maxReasons;
    if (reasons.length > maxReasons) {
      const rest = reasons.length - maxReasons;
      reasons = reasons.slice(0, maxReasons);
      reasons.push(`and ${rest} more (limits.maxReasons)`);
    }
    if (effect === 'deny' && reasons.length === 0 && matched === undefined)
      reasons = ['no policy allowed the request (engine default deny)'];
    const decision: Decision = {
      effect,
      allowed: effect !== 'deny',
      reasons,
      matched: matched ?? (EMPTY as unknown as MatchedRule[]),
      obligations,
      errors: errors ?? (EMPTY as unknown as DecisionError[]),
      revision: rev.id,
    };
    return decision;
  }

  /**
   * Ends a decision that ran past the step budget or failed on too many rules: deny, once,
   * whatever the policies' onError, since the rules not tried could have denied. The errors
   * kept are the first `maxErrors`, then one that says why the decision stopped.
   */
  private stopped(rev: Revision, f: DecisionFrame): Decision {
    const { maxSteps, maxErrors } = this.limits;
    const message =
      f.steps > maxSteps
        ? `the decision stopped after ${maxSteps} evaluation steps (limits.maxSteps); the rules not tried count as a deny`
        : `the decision stopped after ${maxErrors} rule errors (limits.maxErrors); the rules not tried count as a deny`;
    const kept = (f.errors ?? []).slice(0, maxErrors);
    kept.push({ policy: '', rule: undefined, code: 'limit_exceeded', message, handling: 'deny' });
    return {
      effect: 'deny',
      allowed: false,
      reasons: [message],
      matched: f.matched ?? (EMPTY as unknown as MatchedRule[]),
      obligations: EMPTY as unknown as Record<string, unknown>[],
      errors: kept,
      revision: rev.id,
    };
  }

  /**
   * Runs each shadow policy alone against the decision made: its own outcome, and whether
   * enforcing it would have changed the effect. Each gets a fresh step budget and error cap, so
   * a shadow policy can neither stop the decision nor add to it; reservations it asks for are
   * dropped.
   */
  private shadows(
    view: View,
    f: DecisionFrame,
    cells: unknown[][],
    d: Decision,
    fellBack: boolean,
    trace: Trace | undefined,
  ): ShadowOutcome[] {
    const { denied, warned, matched, owed, errors, defaults, steps } = f;
    const holds = this.host.holds!;
    const held = holds.length;
    // the decision as flags: `fellBack` when no policy counted and the engine default decided
    const eDeny = d.effect === 'deny' && !fellBack;
    const eWarn = d.effect === 'warn';
    const out: ShadowOutcome[] = [];
    for (const s of view.shadows) {
      const p = s.policy;
      clearOutcome(f);
      f.lets = freshLets(cells[s.cell]!, p.live);
      let stopped = false;
      try {
        if (trace) {
          const pt: PolicyTrace = { policy: p.key, applicable: true, effect: undefined, indexed: false, rules: [], lets: {}, shadow: true };
          trace.policies.push(pt);
          runPolicy(p, f, pt);
        } else s.runner(f, p);
      } catch (e) {
        // what would have stopped the decision counts as the deny it would have been
        stopped = true;
        const message =
          e === STOP
            ? `the shadow policy stopped after ${f.steps > this.limits.maxSteps ? `${this.limits.maxSteps} evaluation steps (limits.maxSteps)` : `${this.limits.maxErrors} rule errors (limits.maxErrors)`}`
            : toEvaluationError(e).message;
        (f.errors ??= []).push({
          policy: p.key,
          rule: undefined,
          code: e === STOP ? 'limit_exceeded' : toEvaluationError(e).code,
          message,
          handling: 'deny',
        });
      }
      holds.length = held;
      const sDeny = stopped || f.denied;
      const sWarn = f.warned;
      const sAny = stopped || f.matched !== undefined || f.defaults !== undefined;
      const effect: Effect = sDeny ? 'deny' : sWarn ? 'warn' : 'allow';
      const combined: Effect = eDeny || sDeny ? 'deny' : eWarn || sWarn ? 'warn' : fellBack && !sAny ? this.fallback : 'allow';
      const o: ShadowOutcome = {
        policy: p.name,
        namespace: p.namespace,
        version: p.release,
        effect,
        matched: f.matched ?? [],
        differs: combined !== d.effect,
      };
      if (f.errors !== undefined) o.errors = f.errors;
      out.push(o);
    }
    f.denied = denied;
    f.warned = warned;
    f.matched = matched;
    f.owed = owed;
    f.errors = errors;
    f.defaults = defaults;
    f.steps = steps;
    return out;
  }

  /**
   * Records what a call used (requests, tokens, USD) against keys, at `usage.at` or now.
   * Rate and budget functions read it back. Asynchronous for stores that write remotely.
   */
  async record(usage: Usage): Promise<void> {
    const state = this.host.state;
    if (!state) throw new Error('no state store: pass `state` to the engine to record usage');
    const recorded = checkUsage(usage, this.clock());
    await state.record(recorded);
    this.observer?.usage({ ...usage, at: recorded.at }, this.current.id, this.current.policies);
  }

  /**
   * Check-and-add in one atomic step: adds `amount` (default 1) of `metric` (default
   * `requests`) to each key only when every limit holds with it, counting open reservations.
   * Resolves to whether it did. Unlike `evaluate` then `record`, concurrent callers cannot all
   * pass a limit that has room for one of them (docs/state.md).
   */
  async consume(limits: ReserveSpec | ReserveSpec[], options: { at?: number } = {}): Promise<boolean> {
    const state = this.needs('consume');
    const at = checkTime('consume', 'at', options.at ?? this.clock());
    const holds = toHolds(limits, at, 'requests');
    const admitted = await state.consume!(holds, at);
    if (admitted)
      for (const h of holds)
        this.observer?.usage({ keys: [h.key], requests: 0, [h.metric]: h.amount, at }, this.current.id, this.current.policies);
    return admitted;
  }

  /**
   * Holds `amount` (default metric `costUsd`) on each key until the call it is for is settled
   * or released, atomically refused when a limit would be exceeded: `spent + reserved + amount >
   * limit`. Resolves to the reservation, or undefined when refused. A reservation that is never
   * settled lapses after `ttlMs` (default 10 minutes).
   */
  async reserve(limits: ReserveSpec | ReserveSpec[], options: { ttlMs?: number } = {}): Promise<Reservation | undefined> {
    const state = this.needs('reserve');
    const at = this.clock();
    const ttl = options.ttlMs ?? DEFAULT_RESERVATION_TTL_MS;
    if (typeof ttl !== 'number' || !(ttl > 0) || ttl === Infinity)
      throw new TypeError(`invalid reservation: \`ttlMs\` must be a positive number of ms, got ${shown(ttl)}`);
    const reservation: Reservation = Object.freeze({ id: reservationId(), holds: toHolds(limits, at, 'costUsd'), expiresAt: at + ttl });
    return (await state.reserve!(reservation, at)) ? reservation : undefined;
  }

  /**
   * Replaces a reservation's holds with what the call actually used, in one atomic step: the
   * holds go and `usage` is recorded (at its `at` or now). Settling an expired reservation just
   * records the usage.
   */
  async settle(reservation: Reservation, usage: Usage): Promise<void> {
    const state = this.needs('settle');
    const recorded = checkUsage(usage, this.clock());
    await state.settle!(reservation, recorded);
    this.observer?.usage({ ...usage, at: recorded.at }, this.current.id, this.current.policies);
  }

  /** Drops a reservation's holds (the call failed, was aborted, or timed out). */
  async release(reservation: Reservation): Promise<void> {
    await this.needs('release').settle!(reservation, undefined);
  }

  private needs(op: 'consume' | 'reserve' | 'settle' | 'release'): StateStore {
    const state = this.host.state;
    if (!state) throw new Error(`no state store: pass \`state\` to the engine to ${op}`);
    const has = op === 'consume' ? state.consume : op === 'reserve' ? state.reserve : state.settle;
    if (typeof has !== 'function')
      throw new Error(
        `the state store has no \`${op === 'consume' ? 'consume' : op === 'reserve' ? 'reserve' : 'settle'}\`: use MemoryStateStore or RedisStateStore, or implement it (docs/state.md)`,
      );
    return state;
  }

  /**
   * Strict reads: finds which state keys this input makes the policies read (by deciding
   * once while noting them), has the store fetch exactly those, then decides. Repeats when
   * the fresh values lead the policies to read other keys (at most three rounds). Registered
   * classifiers run the same way first (detectors.ts).
   */
  async evaluateAsync(input: unknown, options?: EvaluateOptions): Promise<Decision> {
    const detect = this.host.detect;
    const tenant = options?.tenant;
    if (detect)
      await settleDetectors(detect, () => {
        const rev = this.current;
        const view = this.viewOf(rev, tenant);
        if (view !== undefined) this.decideInput(rev, view, input, false);
      });
    const state = this.host.state;
    if (!state?.prefetch) return this.evaluate(input, options);
    const seen = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const reads = this.readsOf(input, tenant);
      const fresh = reads.filter((r) => !seen.has(`${r.metric}\u0000${r.key}\u0000${r.since}`));
      if (fresh.length === 0) break;
      for (const r of fresh) seen.add(`${r.metric}\u0000${r.key}\u0000${r.since}`);
      await state.prefetch(fresh, this.clock());
    }
    return this.evaluate(input, options);
  }

  /** The state reads one decision makes for this input. */
  private readsOf(input: unknown, tenant: unknown): StateRead[] {
    const reads: StateRead[] = [];
    const rev = this.current;
    const view = this.viewOf(rev, tenant);
    if (view === undefined) return reads;
    this.host.reads = reads;
    try {
      this.decideInput(rev, view, input, false);
    } finally {
      this.host.reads = undefined;
    }
    return reads;
  }

  stats(): EngineStats {
    return {
      revision: this.current.id,
      decisions: this.decisions,
      cache: this.cache?.stats() ?? { enabled: false, hits: 0, misses: 0, size: 0, bytes: 0, skipped: 0 },
      compiledTo: this.current.code ? 'code' : 'closures',
      shadow: this.current.all.shadows.map(({ policy: p, counts: c }) => ({
        policy: p.name,
        namespace: p.namespace,
        version: p.release,
        decisions: c.decisions,
        changed: c.changed,
        rules: p.rules.map((r, k) => ({ rule: r.id, matched: c.matched[k]!, changed: c.ruleChanged[k]! })),
      })),
    };
  }

  /** Writes the audit records queued so far (e.g. before a serverless invocation ends). */
  async flushAudit(): Promise<void> {
    await this.observer?.flush();
  }

  /** Stops watching sources, closes the state store, and writes every queued audit record and closes the sink. */
  async close(): Promise<void> {
    this.current.spare = undefined;
    try {
      await this.host.state?.close?.();
    } finally {
      await this.observer?.close();
    }
  }
}

const EMPTY_INPUT: Record<string, unknown> = Object.freeze(Object.create(null)) as Record<string, unknown>;

/** The decision for an input the engine could not read or decide on at all: deny, with why. */
function unreadable(revision: string, e: EvaluationError, explain: boolean): Decision {
  return finish(
    {
      effect: 'deny',
      allowed: false,
      reasons: [e.message],
      matched: EMPTY as unknown as MatchedRule[],
      obligations: EMPTY as unknown as Record<string, unknown>[],
      errors: [{ policy: '', rule: undefined, code: e.code, message: e.message, handling: 'deny' }],
      revision,
    },
    explain ? { policies: [], durationMs: 0 } : undefined,
  );
}

function finish(d: Decision, trace: Trace | undefined): Decision {
  if (trace) d.trace = trace;
  return d;
}

// read on first use: in Node, the first read of `performance` loads perf_hooks (~1 ms of a cold start)
let perf: { now(): number } | null | undefined;
function now(): number {
  perf ??= (globalThis as { performance?: { now(): number } }).performance ?? null;
  return perf ? perf.now() : Date.now();
}

/** One policy of a revision as `swap` and `loadCompiled` hand it to `assemble`. */
export interface Item {
  key: string;
  policy: CompiledPolicy;
  runner: PolicyRunner;
  paths: string[][] | undefined;
  candidate?:
    | { policy: CompiledPolicy; runner: PolicyRunner; paths: string[][] | undefined; takes: (input: unknown) => boolean }
    | undefined;
}

/** A policy's let cells, empty again for this decision (a constant's cell stays empty: nothing reads it). */
function freshLets(lets: unknown[], live: readonly number[]): unknown[] {
  for (let k = 0; k < live.length; k++) lets[live[k]!] = UNSET;
  return lets;
}

/** Resets what policies wrote into a frame, for a reused frame or the next shadow policy. */
function clearOutcome(f: DecisionFrame): void {
  f.steps = 0;
  f.denied = false;
  f.warned = false;
  f.matched = undefined;
  f.owed = undefined;
  f.errors = undefined;
  f.defaults = undefined;
}

/**
 * What, besides the input paths, a cached decision depends on: the revision, the tenant, and
 * for each policy rolling out which side the input is on.
 */
function cacheScope(rev: Revision, view: View, tenant: string | undefined, input: unknown): string {
  let scope = tenant === undefined ? rev.id : `${rev.id}\u0001${tenant}`;
  if (view.canaries > 0) {
    scope += '\u0001';
    for (const s of view.enforced) if (s.canary !== undefined) scope += s.canary.takes(input) ? '1' : '0';
  }
  return scope;
}

function shadowCounts(p: CompiledPolicy): ShadowCounts {
  return {
    decisions: 0,
    changed: 0,
    matched: p.rules.map(() => 0),
    ruleChanged: p.rules.map(() => 0),
    rule: new Map(p.rules.map((r, k) => [r.id, k])),
  };
}

/** Adds a decision's shadow outcomes to the counters of the view's shadow policies (same order). */
function countShadows(view: View, outcomes: readonly ShadowOutcome[]): void {
  const shadows = view.shadows;
  if (outcomes.length !== shadows.length) return;
  for (let i = 0; i < shadows.length; i++) {
    const c = shadows[i]!.counts;
    const o = outcomes[i]!;
    c.decisions++;
    if (o.differs) c.changed++;
    for (const m of o.matched) {
      const k = c.rule.get(m.rule);
      if (k === undefined) continue;
      c.matched[k]!++;
      // the rules with the effect that made the difference
      if (o.differs && m.effect === o.effect) c.ruleChanged[k]!++;
    }
  }
}
