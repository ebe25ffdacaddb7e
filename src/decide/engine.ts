// The policy engine: holds one immutable revision of compiled policies and decides,
// synchronously, against it. Loading builds a whole new revision and swaps it in only when
// every document compiled, so a decision always sees one complete revision and a failed
// load changes nothing.

import { PolicyError, type Issue } from '../lang/errors.js';
import type { JsonSchema } from '../lang/checker.js';
import type { Registry } from '../lang/registry.js';
import { UNSET, type Evaluator, type Notes } from '../compile/compile.js';
import { codegenAllowed, instantiate } from '../compile/codegen/load.js';
import { MAX_UNROLLED_RULES, REVISION_RUNTIME, generateRevision, unrolled, type GeneratedPolicy } from './codegen.js';
import { readModule, writeModule, type CompiledSet } from './prebuilt.js';
import { resolveLimits, type Limits } from '../compile/limits.js';
import { compilePolicy, display, type CompiledPolicy, type CompiledRule, type Effect } from '../policy/compile.js';
import { checkInput } from './input.js';
import { parsePolicyText } from '../policy/parse.js';
import type { RawPolicy } from '../policy/types.js';
import { EMPTY, generalRunner, runPolicy, type DecisionFrame, type PolicyRunner } from './run.js';
import { fnv1a } from '../util/encoding.js';
import { DecisionCache, inputPaths, type CacheStats } from './cache.js';
import type { PolicySource } from '../policy/source.js';
import type { StateHost, StateRead, StateStore, Usage } from './state.js';

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
  cache?: { max: number };
  /**
   * Told of every decision and every `record()` after the fact (the audit trail is one: the
   * entries wire `audit` options to it). Called on the hot path: it must only enqueue.
   */
  observer?: DecisionObserver;
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
  /** What decisions of the current revision run: generated code, or closures. */
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

/** One policy as loaded: its document (parsed once) and the text it came from. */
interface Loaded {
  text: string;
  filename: string | undefined;
  raw: RawPolicy;
}

/** One immutable, complete set of compiled policies. */
interface Revision {
  id: string;
  /** The policies, with the evaluators decisions use (closures or generated code). */
  policies: CompiledPolicy[];
  /** One per policy: what evaluates it in a decision without `explain` (a generated runner, or runPolicy). */
  runners: PolicyRunner[];
  /** Let cells, across the whole set. */
  cells: number;
  vars: number;
  /** A frame kept for reuse; taken while a decision runs. */
  spare: DecisionFrame | undefined;
  /** Input paths the policies read, when every policy is pure (so decisions may be cached). */
  cachePaths: string[][] | undefined;
  /** Whether the policies run as generated code. */
  code: boolean;
}

const ENGINE_OPTION_KEYS = new Set(['registry', 'clock', 'limits', 'inputSchema', 'default', 'observer', 'state', 'cache', 'codegen']);
const CODEGEN_MODES = new Set(['auto', 'always', 'never']);

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
  private readonly host: StateHost;
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
    this.current = { id: 'empty', policies: [], runners: [], cells: 0, vars: 0, spare: undefined, cachePaths: [], code: false };
    this.host = { state: options.state, clock: this.clock, reads: undefined };
    if (options.cache) this.cache = new DecisionCache(options.cache.max);
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
    const { policies, issues } = parsePolicyText(text, options.filename);
    if (issues.length) throw new PolicyError(issues, new Map([[options.filename, text]]));
    const next = new Map(this.sources);
    for (const p of policies) next.set(`${p.namespace}/${p.name}`, { text, filename: options.filename, raw: p });
    this.swap(next);
    return policies.map((p) => this.summary(`${p.namespace}/${p.name}`)!);
  }

  /** Replaces the whole policy set at once. */
  setPolicies(files: { text: string; filename?: string }[]): void {
    const next = new Map<string, Loaded>();
    const issues: Issue[] = [];
    const texts = new Map<string | undefined, string>();
    for (const f of files) {
      const r = parsePolicyText(f.text, f.filename);
      issues.push(...r.issues);
      texts.set(f.filename, f.text);
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
        next.set(key, { text: f.text, filename: f.filename, raw: p });
      }
    }
    if (issues.length) throw new PolicyError(issues, texts);
    this.swap(next);
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
    const p = this.current.policies.find((x) => x.key === key);
    return p && { name: p.name, namespace: p.namespace, version: p.version, rules: p.rules.length, file: p.file };
  }

  /** Compiles the policies of `sources` into a new revision and swaps it in, or throws. */
  private swap(sources: Map<string, Loaded>): void {
    const notes: Notes | undefined = this.codegen ? new Map() : undefined;
    const set = this.compileSet(sources, notes);
    this.sources = sources;
    this.prebuilt = false;
    const code = notes ? generated(set.policies, notes) : undefined;
    this.current = {
      id: `${sourceHash(sources)}-${++this.revisionCounter}`,
      policies: code?.policies ?? set.policies,
      runners: code?.runners ?? set.policies.map(() => generalRunner),
      cells: set.cells,
      vars: set.vars,
      spare: undefined,
      cachePaths: set.cachePaths,
      code: code !== undefined,
    };
  }

  /** Compiles the policies of `sources` to closures (noting what the code generator needs), or throws. */
  private compileSet(sources: Map<string, Loaded>, notes: Notes | undefined, everyPolicy = false): CompiledSet {
    const letEvals: Evaluator[] = [];
    const varSlots = { n: 0 };
    const env = { registry: this.registry, limits: this.limits, inputSchema: this.inputSchema, letEvals, varSlots, notes };
    const issues: Issue[] = [];
    const texts = new Map<string | undefined, string>();
    const policies: CompiledPolicy[] = [];
    for (const src of sources.values()) {
      texts.set(src.filename, src.text);
      // at run time only small policies become code (see unrolled()): the others need no notes
      env.notes = everyPolicy || src.raw.rules.length <= MAX_UNROLLED_RULES ? notes : undefined;
      const c = compilePolicy(src.raw, src.text, env, issues);
      if (c) policies.push(c);
    }
    if (issues.length) throw new PolicyError(issues, texts);
    const pure = policies.every((p) => !p.purity.clock && !p.purity.state);
    const cachePaths = pure
      ? inputPaths(
          policies.flatMap((p) => p.asts),
          new Set(policies.flatMap((p) => p.lets.map((l) => l.name))),
        )
      : undefined;
    return { policies, cells: letEvals.length, vars: varSlots.n, cachePaths };
  }

  /**
   * The current policy set as the source of an ES module of generated code, which
   * `loadCompiled` installs (in any engine of this version with the same functions) without
   * parsing, checking or compiling anything. `llm-policy build` writes one.
   */
  compileToModule(): string {
    if (this.prebuilt) throw new Error('the policy set was loaded prebuilt (loadCompiled): build a module from the policy sources instead');
    const notes: Notes = new Map();
    return writeModule(this.compileSet(this.sources, notes, true), notes, sourceHash(this.sources));
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
    this.current = {
      id: `${set.revision}-${++this.revisionCounter}`,
      policies: set.policies,
      runners: set.runners,
      cells: set.cells,
      vars: set.vars,
      spare: undefined,
      cachePaths: set.cachePaths,
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
    const key =
      this.cache !== undefined && rev.cachePaths !== undefined && !explain ? this.cache.key(rev.id, rev.cachePaths, input) : undefined;
    let d = key !== undefined ? this.cache!.get<Decision>(key) : undefined;
    const cached = d !== undefined;
    if (d === undefined) {
      d = this.evaluateUncached(rev, input, explain);
      if (key !== undefined) this.cache!.set(key, d);
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
      return finish(
        {
          effect: 'deny',
          allowed: false,
          reasons: [inputProblem],
          matched: EMPTY as unknown as MatchedRule[],
          obligations: EMPTY as unknown as Record<string, unknown>[],
          errors: [{ policy: '', rule: undefined, code: 'limit_exceeded', message: inputProblem, handling: 'deny' }],
          revision: rev.id,
        },
        explain ? { policies: [], durationMs: now() - started } : undefined,
      );
    }
    let frame = rev.spare;
    if (frame !== undefined) {
      rev.spare = undefined;
      frame.input = data;
      frame.steps = 0;
      frame.now = undefined;
      frame.denied = false;
      frame.warned = false;
      frame.matched = undefined;
      frame.owed = undefined;
      frame.errors = undefined;
      frame.defaults = undefined;
      const lets = frame.lets;
      for (let i = 0; i < lets.length; i++) lets[i] = UNSET;
    } else {
      frame = {
        input: data,
        lets: new Array(rev.cells).fill(UNSET),
        vars: new Array(rev.vars).fill(undefined),
        steps: 0,
        maxSteps: this.limits.maxSteps,
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
    }
    try {
      return this.decide(rev, frame, explain ? { policies: [], durationMs: 0 } : undefined, started);
    } finally {
      frame.input = EMPTY_INPUT;
      rev.spare = frame;
    }
  }

  /** Runs every policy into the frame, then combines across policies (deny-overrides). */
  private decide(rev: Revision, f: DecisionFrame, trace: Trace | undefined, started: number): Decision {
    const policies = rev.policies;
    if (trace) {
      for (const p of policies) {
        const pt: PolicyTrace = { policy: p.key, applicable: true, effect: undefined, indexed: false, rules: [], lets: {} };
        trace.policies.push(pt);
        runPolicy(p, f, pt);
      }
    } else {
      const runners = rev.runners;
      for (let i = 0; i < policies.length; i++) runners[i]!(f, policies[i]!);
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
   * Records what a call used (requests, tokens, USD) against keys, at `usage.at` or now.
   * Rate and budget functions read it back. Asynchronous for stores that write remotely.
   */
  async record(usage: Usage): Promise<void> {
    const state = this.host.state;
    if (!state) throw new Error('no state store: pass `state` to the engine to record usage');
    const recorded = { ...usage, at: usage.at ?? this.clock() };
    await state.record(recorded);
    this.observer?.usage(recorded, this.current.id, this.current.policies);
  }

  /**
   * Strict reads: finds which state keys this input makes the policies read (by deciding
   * once while noting them), has the store fetch exactly those, then decides. Repeats when
   * the fresh values lead the policies to read other keys (at most three rounds).
   */
  async evaluateAsync(input: unknown, options?: EvaluateOptions): Promise<Decision> {
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
    this.setPolicies(await source.load());
    this.lastReloadError = undefined;
    if (!options.watch || !source.watch) return;
    let running = Promise.resolve();
    const reload = () => {
      running = running.then(async () => {
        try {
          this.setPolicies(await source.load());
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

  stats(): EngineStats {
    return {
      revision: this.current.id,
      decisions: this.decisions,
      cache: this.cache?.stats() ?? { enabled: false, hits: 0, misses: 0, size: 0 },
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
 * The policies as generated code (at run time, so only the ones worth it: those with an
 * unrolled runner; the others keep their closures), or undefined when that fails (a constant
 * that cannot be written as code): the closures then serve, with the same results.
 */
function generated(policies: CompiledPolicy[], notes: Notes): { policies: CompiledPolicy[]; runners: PolicyRunner[] } | undefined {
  let mod: GeneratedPolicy[];
  try {
    const gen = generateRevision(policies, notes, (p) => (unrolled(p) ? 'full' : 'none'));
    mod = instantiate<GeneratedPolicy[]>(
      gen.body,
      REVISION_RUNTIME,
      gen.sites.map((s) => s.impl),
    );
  } catch {
    return undefined;
  }
  return {
    policies: policies.map((p, i) => withCode(p, mod[i])),
    runners: policies.map((_, i) => (mod[i]?.run as PolicyRunner | undefined) ?? generalRunner),
  };
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

function finish(d: Decision, trace: Trace | undefined): Decision {
  if (trace) d.trace = trace;
  return d;
}

const perf = (globalThis as { performance?: { now(): number } }).performance;
function now(): number {
  return perf ? perf.now() : Date.now();
}

/** A stable id for a policy set (a revision id is this and a local counter): FNV-1a over the sources. */
function sourceHash(sources: Map<string, Loaded>): string {
  let h = 0x811c9dc5;
  for (const key of [...sources.keys()].sort()) h = fnv1a(`${key}\u0000${sources.get(key)!.text}\u0000`, h);
  return h.toString(16).padStart(8, '0');
}
export { display };
