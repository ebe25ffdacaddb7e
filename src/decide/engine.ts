// The policy engine: holds one immutable revision of compiled policies and decides,
// synchronously, against it. Loading builds a whole new revision and swaps it in only when
// every document compiled, so a decision always sees one complete revision and a failed
// load changes nothing.

import { EvaluationError, PolicyError, SourceText, toEvaluationError, type Issue } from '../lang/errors.js';
import type { JsonSchema } from '../lang/checker.js';
import type { Registry } from '../lang/registry.js';
import { UNSET, type Evaluator, type Notes } from '../compile/compile.js';
import { codegenAllowed, instantiate } from '../compile/codegen/load.js';
import { MAX_UNROLLED_RULES, REVISION_RUNTIME, generateRevision, unrolled, type GeneratedPolicy } from './codegen.js';
import { readModule, writeModule } from './prebuilt.js';
import { resolveLimits, type Limits } from '../compile/limits.js';
import { compilePolicy, type CompiledPolicy, type CompiledRule, type Effect } from '../policy/compile.js';
import { checkInput } from './input.js';
import { parsePolicyText } from '../policy/parse.js';
import type { RawPolicy } from '../policy/types.js';
import { EMPTY, STOP, generalRunner, runPolicy, type DecisionFrame, type PolicyRunner } from './run.js';
import { fnv1a } from '../util/encoding.js';
import { DecisionCache, inputPaths, prunePaths, type CacheOptions, type CacheStats } from './cache.js';
import type { PolicySource } from '../policy/source.js';
import { openSourceFiles, verifyBundle, type BundleVerifyOptions } from '../policy/bundle.js';
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
  trace?: Trace;
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
}

export interface PolicySummary {
  name: string;
  namespace: string;
  version: string | undefined;
  rules: number;
  file: string | undefined;
}

/** A policy text as loaded: shared by the documents it holds, so each text is indexed and hashed once. */
interface LoadedText {
  text: string;
  filename: string | undefined;
  source: SourceText;
  hash: number;
}

/** One policy as loaded: its document (parsed once), the text it came from, and once compiled, the result. */
interface Loaded {
  file: LoadedText;
  raw: RawPolicy;
  compiled?: CompiledPolicy;
  /** Input paths the policy reads, when it is pure (no clock, no state). */
  paths?: string[][] | undefined;
  /** FNV-1a of the key and the text, for the revision id. */
  keyHash?: number;
  /** What evaluates the policy in a decision without `explain`: a generated runner, or runPolicy. */
  runner?: PolicyRunner;
}

/** One immutable, complete set of compiled policies. */
interface Revision {
  id: string;
  policies: CompiledPolicy[];
  /** One per policy: what evaluates it in a decision without `explain`. */
  runners: PolicyRunner[];
  byKey: Map<string, CompiledPolicy>;
  /** Macro variable slots: the most any one policy uses. */
  vars: number;
  /** A frame kept for reuse; taken while a decision runs. */
  spare: DecisionFrame | undefined;
  /** Let cells of each policy (by position in `policies`), kept with the spare frame. */
  spareLets: unknown[][] | undefined;
  /** Input paths the policies read, when every policy is pure (so decisions may be cached). */
  cachePaths: string[][] | undefined;
  /** Whether some policy runs as generated code. */
  code: boolean;
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

export class PolicyEngine {
  private readonly registry: Registry;
  private readonly clock: () => number;
  private readonly limits: Limits;
  private readonly inputSchema: JsonSchema | undefined;
  private readonly fallback: 'allow' | 'deny';
  /** Source texts by policy key, from which every revision is rebuilt. */
  private sources = new Map<string, Loaded>();
  private current: Revision;
  private revisionCounter = 0;
  private readonly host: StateHost & { detect: DetectorHost | undefined };
  private readonly cache: DecisionCache | undefined;
  private decisions = 0;
  private readonly observer: DecisionObserver | undefined;
  private readonly stopWatching: (() => void)[] = [];
  /** Whether loaded policies are compiled to generated code. */
  private readonly codegen: boolean;
  /** Whether the current set came from loadCompiled (it has no sources to add to). */
  private prebuilt = false;
  /** Why the last reload from a source failed (the engine kept the set it had); undefined after a good one. */
  lastReloadError: PolicyError | Error | undefined;

  constructor(options: EngineOptions) {
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
    else if (codegen === 'always' && !codegenAllowed())
      bad.push({
        code: 'invalid_option',
        message: "`codegen: 'always'` needs code generation from strings, which this runtime refuses",
        hint: "use `codegen: 'auto'` to fall back to closures here, or load policies built with `llm-policy build` (loadCompiled)",
      });
    if (bad.length) throw new PolicyError(bad);
    this.codegen = codegen === 'always' || (codegen === 'auto' && codegenAllowed());
    this.registry = options.registry;
    this.clock = options.clock ?? Date.now;
    this.limits = limits;
    this.inputSchema = options.inputSchema;
    this.fallback = options.default ?? 'allow';
    this.current = {
      id: 'empty',
      policies: [],
      runners: [],
      byKey: new Map(),
      vars: 0,
      spare: undefined,
      spareLets: undefined,
      cachePaths: [],
      code: false,
    };
    const detectors = options.detectors;
    this.host = {
      state: options.state,
      clock: this.clock,
      reads: undefined,
      holds: [],
      detect: detectors ? new DetectorHost(Array.isArray(detectors) ? { detectors } : detectors) : undefined,
    };
    if (options.cache) this.cache = new DecisionCache(options.cache);
    this.observer = options.observer;
  }

  /** Id of the policy set decisions are made with. */
  get revision(): string {
    return this.current.id;
  }

  /**
   * Adds (or replaces, by namespace and name) every policy in a YAML or JSON text. Throws a
   * PolicyError listing every problem; then nothing changes.
   */
  addPolicy(text: string, options: { filename?: string } = {}): PolicySummary[] {
    this.notPrebuilt('addPolicy');
    this.checkSize([{ text, filename: options.filename }]);
    const { policies, issues } = parsePolicyText(text, options.filename);
    if (issues.length) throw new PolicyError(issues, new Map([[options.filename, text]]));
    const file = loadedText(text, options.filename);
    const next = new Map(this.sources);
    for (const p of policies) next.set(`${p.namespace}/${p.name}`, { file, raw: p });
    this.swap(next);
    return policies.map((p) => this.summary(`${p.namespace}/${p.name}`)!);
  }

  /** Replaces the whole policy set at once. */
  setPolicies(files: { text: string; filename?: string }[]): void {
    this.checkSize(files);
    const next = new Map<string, Loaded>();
    const issues: Issue[] = [];
    const texts = new Map<string | undefined, string>();
    for (const f of files) {
      const r = parsePolicyText(f.text, f.filename);
      issues.push(...r.issues);
      texts.set(f.filename, f.text);
      const file = loadedText(f.text, f.filename);
      for (const p of r.policies) {
        const key = `${p.namespace}/${p.name}`;
        if (next.has(key)) {
          const where = p.file !== undefined ? { file: p.file } : {};
          issues.push({
            code: 'duplicate_policy',
            message: `policy \`${p.name}\` (namespace \`${p.namespace}\`) is defined twice`,
            ...where,
            offset: p.offset,
            hint: 'rename one of them or give it another namespace',
          });
        }
        // a policy whose text did not change keeps what it compiled to
        const prev = this.sources.get(key);
        next.set(key, prev !== undefined && prev.file.text === f.text && prev.file.filename === f.filename ? prev : { file, raw: p });
      }
    }
    if (issues.length) throw new PolicyError(issues, texts);
    this.swap(next);
  }

  /** Refuses a load larger than limits.maxPolicyBytes, pointing where the budget ran out. */
  private checkSize(files: { text: string; filename?: string }[]): void {
    const max = this.limits.maxPolicyBytes;
    let total = 0;
    for (const f of files) {
      if (typeof f.text !== 'string') continue; // the parser reports it
      if (total + f.text.length > max) {
        const offset = max - total;
        const where = new SourceText(f.text).position(offset);
        throw new PolicyError(
          [
            {
              code: 'limit_exceeded',
              message: `the policy text of this load is longer than ${max} characters (limits.maxPolicyBytes)`,
              ...(f.filename !== undefined ? { file: f.filename } : {}),
              offset,
              ...where,
              hint: 'split the policies across engines or raise `limits.maxPolicyBytes`',
            },
          ],
          new Map([[f.filename, f.text]]),
        );
      }
      total += f.text.length;
    }
  }

  removePolicy(name: string, namespace = 'default'): boolean {
    this.notPrebuilt('removePolicy');
    const key = `${namespace}/${name}`;
    if (!this.sources.has(key)) return false;
    const next = new Map(this.sources);
    next.delete(key);
    this.swap(next);
    return true;
  }

  private notPrebuilt(what: string): void {
    if (this.prebuilt)
      throw new Error(
        `\`${what}\` changes a set loaded from sources, but this one was loaded prebuilt (loadCompiled): rebuild the module, or replace the set with setPolicies`,
      );
  }

  policies(): PolicySummary[] {
    return this.current.policies.map((p) => this.summary(p.key)!);
  }

  private summary(key: string): PolicySummary | undefined {
    const p = this.current.byKey.get(key);
    return p && { name: p.name, namespace: p.namespace, version: p.version, rules: p.rules.length, file: p.file };
  }

  /**
   * Compiles the policies of `sources` that are not compiled yet into a new revision and swaps
   * it in, or throws and changes nothing. Each policy compiles on its own, so a load costs
   * what the policies it adds cost, not what the whole set costs.
   */
  private swap(sources: Map<string, Loaded>): void {
    const env = { registry: this.registry, limits: this.limits, inputSchema: this.inputSchema };
    const issues: Issue[] = [];
    const texts = new Map<string | undefined, string>();
    const fresh: [Loaded, CompiledPolicy, Notes | undefined][] = [];
    for (const l of sources.values()) {
      if (l.compiled !== undefined) continue;
      texts.set(l.file.filename, l.file.text);
      // only policies small enough to unroll become code at run time: the others need no notes
      const notes: Notes | undefined = this.codegen && l.raw.rules.length <= MAX_UNROLLED_RULES ? new Map() : undefined;
      const c = compilePolicy(l.raw, l.file.source, { ...env, notes }, issues);
      if (c) fresh.push([l, c, notes]);
    }
    if (issues.length) throw new PolicyError(issues, texts);
    for (const [l, c, notes] of fresh) {
      const code = notes && unrolled(c) ? generated(c, notes) : undefined;
      l.compiled = code?.policy ?? c;
      l.runner = code?.runner ?? generalRunner;
      l.paths = c.purity.clock || c.purity.state ? undefined : inputPaths(c.asts, new Set(c.lets.map((x) => x.name)));
    }
    this.sources = sources;
    this.prebuilt = false;
    const policies: CompiledPolicy[] = [];
    const runners: PolicyRunner[] = [];
    const byKey = new Map<string, CompiledPolicy>();
    let vars = 0;
    let pure = true;
    let code = false;
    let hash = 0;
    for (const [key, l] of sources) {
      const c = l.compiled!;
      policies.push(c);
      runners.push(l.runner!);
      if (l.runner !== generalRunner) code = true;
      byKey.set(key, c);
      if (c.vars > vars) vars = c.vars;
      if (l.paths === undefined) pure = false;
      // a sum, so the id does not depend on the order policies were added in
      hash = (hash + (l.keyHash ??= fnv1a(`${key}\u0000${l.file.hash}`))) >>> 0;
    }
    // what a cache key reads, worked out only when there is a cache
    const cachePaths = pure && this.cache !== undefined ? prunePaths([...sources.values()].flatMap((l) => l.paths!)) : undefined;
    const id = `${hash.toString(16).padStart(8, '0')}-${++this.revisionCounter}`;
    this.current = { id, policies, runners, byKey, vars, spare: undefined, spareLets: undefined, cachePaths, code };
  }

  /**
   * The current policy set as the source of an ES module of generated code, which
   * `loadCompiled` installs (in any engine of this version with the same functions) without
   * parsing, checking or compiling anything. `llm-policy build` writes one.
   */
  compileToModule(): string {
    if (this.prebuilt) throw new Error('the policy set was loaded prebuilt (loadCompiled): build a module from the policy sources instead');
    const env = { registry: this.registry, limits: this.limits, inputSchema: this.inputSchema };
    const notes: Notes = new Map();
    const issues: Issue[] = [];
    const policies: CompiledPolicy[] = [];
    for (const l of this.sources.values()) {
      const c = compilePolicy(l.raw, l.file.source, { ...env, notes }, issues);
      if (c) policies.push(c);
    }
    if (issues.length) throw new PolicyError(issues);
    const pure = [...this.sources.values()].every((l) => l.paths !== undefined);
    const cachePaths = pure ? prunePaths([...this.sources.values()].flatMap((l) => l.paths!)) : undefined;
    return writeModule({ policies, cachePaths }, notes, this.current.id.split('-')[0]!);
  }

  /**
   * Replaces the policy set with a prebuilt module (`llm-policy build`, compileToModule): pass
   * the imported module or its default export. Needs neither YAML parsing nor code generation
   * at run time. Throws a PolicyError (`invalid_prebuilt`) when the module was built by
   * another engine version or calls a function this engine lacks.
   */
  loadCompiled(module: unknown): PolicySummary[] {
    const set = readModule(module, this.registry);
    this.sources = new Map();
    this.prebuilt = true;
    const byKey = new Map(set.policies.map((p) => [p.key, p]));
    this.current = {
      id: `${set.revision}-${++this.revisionCounter}`,
      policies: set.policies,
      runners: set.runners,
      byKey,
      vars: Math.max(0, ...set.policies.map((p) => p.vars)),
      spare: undefined,
      spareLets: undefined,
      cachePaths: this.cache !== undefined ? set.cachePaths : undefined,
      code: true,
    };
    return this.policies();
  }

  /** Decides synchronously. Never throws: odd input and evaluation errors become part of the decision. */
  evaluate(input: unknown, options?: EvaluateOptions): Decision {
    const rev = this.current;
    const explain = options?.explain === true;
    this.decisions++;
    const observer = this.observer;
    const started = observer !== undefined ? now() : 0;
    let d: Decision;
    let cached = false;
    try {
      const key =
        this.cache !== undefined && rev.cachePaths !== undefined && !explain ? this.cache.key(rev.id, rev.cachePaths, input) : undefined;
      const hit = key !== undefined ? this.cache!.get<Decision>(key) : undefined;
      cached = hit !== undefined;
      if (hit !== undefined) d = hit;
      else {
        d = this.evaluateUncached(rev, input, explain);
        if (key !== undefined) this.cache!.set(key, d);
      }
    } catch (err) {
      // The last line of the never-throws promise: whatever escaped (a host object that throws
      // where no rule reads it, a bug of ours) is a decision, and it denies.
      d = unreadable(rev.id, toEvaluationError(err), explain);
    }
    // the hot path only stores references; the record is built in the background
    if (observer !== undefined) observer.decision(rev.policies, input, d, started, cached);
    return d;
  }

  private evaluateUncached(rev: Revision, input: unknown, explain: boolean): Decision {
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
      frame.steps = 0;
      frame.now = undefined;
      frame.denied = false;
      frame.warned = false;
      frame.matched = undefined;
      frame.owed = undefined;
      frame.errors = undefined;
      frame.defaults = undefined;
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
      cells = rev.policies.map((p) => (p.letEvals.length === 0 ? (EMPTY as unknown as unknown[]) : new Array(p.letEvals.length)));
    }
    const holds = this.host.holds!;
    holds.length = 0;
    try {
      const d = this.decide(rev, frame, cells, explain ? { policies: [], durationMs: 0 } : undefined, started);
      // budget.reserve asked for holds: an allowed decision carries them for the enforcement point
      if (holds.length > 0 && d.allowed) d.obligations = [...d.obligations, ...holds.map((h) => ({ reserve: { ...h } }))];
      return d;
    } finally {
      holds.length = 0;
      frame.input = EMPTY_INPUT;
      rev.spare = frame;
      rev.spareLets = cells;
    }
  }

  /** Runs every policy into the frame, then combines across policies (deny-overrides). */
  private decide(rev: Revision, f: DecisionFrame, cells: unknown[][], trace: Trace | undefined, started: number): Decision {
    const policies = rev.policies;
    const runners = rev.runners;
    try {
      for (let i = 0; i < policies.length; i++) {
        const p = policies[i]!;
        // the policy's let cells, empty again for this decision
        const lets = cells[i]!;
        for (let k = 0; k < lets.length; k++) lets[k] = UNSET;
        f.lets = lets;
        if (trace) {
          const pt: PolicyTrace = { policy: p.key, applicable: true, effect: undefined, indexed: false, rules: [], lets: {} };
          trace.policies.push(pt);
          runPolicy(p, f, pt);
        } else runners[i]!(f, p);
      }
    } catch (e) {
      // the step budget or the error cap ran out (run.ts): the decision stops and denies
      if (e === STOP) return this.stopped(rev, f, trace, started);
      throw e;
    }

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
      reasons = [];
      for (let i = 0; i < matched.length; i++) {
        const m = matched[i]!;
        if (m.effect === effect) reasons.push(m.message ?? `${m.policy}/${m.rule}`);
        const o = owed?.[i];
        if (o !== undefined && o.length > 0 && (effect === 'deny' ? m.effect === 'deny' : m.effect !== 'deny')) {
          if (obligations.length === 0) obligations = [];
          obligations.push(...o);
        }
      }
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
    if (trace) trace.durationMs = now() - started;
    return finish(decision, trace);
  }

  /**
   * Ends a decision that ran past the step budget or failed on too many rules: deny, once,
   * whatever the policies' onError, since the rules not tried could have denied. The errors
   * kept are the first `maxErrors`, then one that says why the decision stopped.
   */
  private stopped(rev: Revision, f: DecisionFrame, trace: Trace | undefined, started: number): Decision {
    const { maxSteps, maxErrors } = this.limits;
    const message =
      f.steps > maxSteps
        ? `the decision stopped after ${maxSteps} evaluation steps (limits.maxSteps); the rules not tried count as a deny`
        : `the decision stopped after ${maxErrors} rule errors (limits.maxErrors); the rules not tried count as a deny`;
    const kept = (f.errors ?? []).slice(0, maxErrors);
    kept.push({ policy: '', rule: undefined, code: 'limit_exceeded', message, handling: 'deny' });
    if (trace) trace.durationMs = now() - started;
    return finish(
      {
        effect: 'deny',
        allowed: false,
        reasons: [message],
        matched: f.matched ?? (EMPTY as unknown as MatchedRule[]),
        obligations: EMPTY as unknown as Record<string, unknown>[],
        errors: kept,
        revision: rev.id,
      },
      trace,
    );
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
    if (detect) await settleDetectors(detect, () => this.evaluateUncached(this.current, input, false));
    const state = this.host.state;
    if (!state?.prefetch) return this.evaluate(input, options);
    const seen = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const reads = this.readsOf(input);
      const fresh = reads.filter((r) => !seen.has(`${r.metric}\u0000${r.key}\u0000${r.since}`));
      if (fresh.length === 0) break;
      for (const r of fresh) seen.add(`${r.metric}\u0000${r.key}\u0000${r.since}`);
      await state.prefetch(fresh, this.clock());
    }
    return this.evaluate(input, options);
  }

  /** The state reads one decision makes for this input. */
  private readsOf(input: unknown): StateRead[] {
    const reads: StateRead[] = [];
    this.host.reads = reads;
    try {
      this.evaluateUncached(this.current, input, false);
    } finally {
      this.host.reads = undefined;
    }
    return reads;
  }

  /**
   * Loads the policy set from a source, and with `watch` keeps following it: each change is
   * loaded as a whole and swapped in atomically; a change that does not compile keeps the
   * last good set (see `lastReloadError` and `onReload`). The first load throws on error.
   */
  async loadFrom(source: PolicySource, options: LoadFromOptions = {}): Promise<void> {
    this.setPolicies(await openSourceFiles(await source.load(), options.verify));
    this.lastReloadError = undefined;
    if (!options.watch || !source.watch) return;
    let running = Promise.resolve();
    const reload = () => {
      running = running.then(async () => {
        try {
          this.setPolicies(await openSourceFiles(await source.load(), options.verify));
          this.lastReloadError = undefined;
          options.onReload?.({ revision: this.revision });
        } catch (e) {
          this.lastReloadError = e as Error;
          options.onReload?.({ revision: this.revision, error: e as Error });
        }
      });
    };
    this.stopWatching.push(source.watch(reload));
  }

  /**
   * Replaces the whole set with the policies of a signed bundle, once its signature and every
   * digest check out (`signature_invalid` otherwise); all or nothing, like setPolicies.
   */
  async loadBundle(bundle: string | Uint8Array, options: BundleVerifyOptions): Promise<PolicySummary[]> {
    const { files } = await verifyBundle(bundle, options);
    this.setPolicies(files);
    return this.policies();
  }

  stats(): EngineStats {
    return {
      revision: this.current.id,
      decisions: this.decisions,
      cache: this.cache?.stats() ?? { enabled: false, hits: 0, misses: 0, size: 0, bytes: 0, skipped: 0 },
      compiledTo: this.current.code ? 'code' : 'closures',
    };
  }

  /** Writes the audit records queued so far (e.g. before a serverless invocation ends). */
  async flushAudit(): Promise<void> {
    await this.observer?.flush();
  }

  /** Stops watching sources, closes the state store, and writes every queued audit record and closes the sink. */
  async close(): Promise<void> {
    for (const stop of this.stopWatching.splice(0)) stop();
    this.current.spare = undefined;
    try {
      await this.host.state?.close?.();
    } finally {
      await this.observer?.close();
    }
  }
}

/**
 * One policy as generated code: its conditions, messages and target as generated functions,
 * and its runner; or undefined when that fails (a form the generator does not know, a constant
 * that cannot be written as code): the closures then serve, with the same results.
 */
function generated(p: CompiledPolicy, notes: Notes): { policy: CompiledPolicy; runner: PolicyRunner } | undefined {
  let mod: GeneratedPolicy[];
  try {
    const gen = generateRevision([p], notes, () => 'full');
    mod = instantiate<GeneratedPolicy[]>(
      gen.body,
      REVISION_RUNTIME,
      gen.sites.map((s) => s.impl),
    );
  } catch {
    return undefined;
  }
  const g = mod[0];
  if (!g?.run) return undefined;
  return { policy: withCode(p, g), runner: g.run as PolicyRunner };
}

/** A policy whose evaluators are the generated functions (where there are some). */
export function withCode(p: CompiledPolicy, g: GeneratedPolicy | undefined): CompiledPolicy {
  if (!g) return p;
  return {
    ...p,
    target: g.target as Evaluator | undefined,
    rules: p.rules.map((r, k) => ({ ...r, when: g.when[k] as Evaluator | undefined, message: g.message[k] as CompiledRule['message'] })),
  };
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

const perf = (globalThis as { performance?: { now(): number } }).performance;
function now(): number {
  return perf ? perf.now() : Date.now();
}

function loadedText(text: string, filename: string | undefined): LoadedText {
  return { text, filename, source: new SourceText(text), hash: fnv1a(text) };
}
