// The engine of the main and `/core` entries: the deciding engine (./engine.ts) and what builds
// policies from their sources, which the `/runtime` entry leaves out so that its import stays
// small: the YAML and JSON parser with its schema validator, composition, the checker and
// compiler, the code generator with its `new Function`, the prebuilt module writer, bundle
// verification, and the decision cache (whose LRU weighs as much as the deciding core).

import type { Notes } from '../compile/compile.js';
import type { Evaluator } from '../compile/frame.js';
import { codegenAllowed, instantiate } from '../compile/codegen/load.js';
import { PolicyError, SourceText, type Issue } from '../lang/errors.js';
import { openSourceFiles, verifyBundle, type BundleVerifyOptions } from '../policy/bundle.js';
import { compilePolicy, policyRelease, type CompiledPolicy, type CompiledRule } from '../policy/compile.js';
import { compose } from '../policy/compose.js';
import { parsePolicyText } from '../policy/parse.js';
import type { PolicySource } from '../policy/source.js';
import type { RawPolicy } from '../policy/types.js';
import { fnv1a } from '../util/fnv.js';
import { closest } from '../util/suggest.js';
import { canonicalKey, inputPaths, prunePaths } from './cache.js';
import { MAX_UNROLLED_RULES, generateRevision, unrolled, type GeneratedPolicy } from './codegen.js';
import { DecisionCache } from './decision-cache.js';
import {
  PolicyEngine,
  type AddPolicyOptions,
  type CanaryOptions,
  type EngineOptions,
  type Item,
  type LoadFromOptions,
  type PolicySummary,
} from './engine.js';
import { writeModule } from './prebuilt-write.js';
import { REVISION_RUNTIME } from './revision-runtime.js';
import { generalRunner, type PolicyRunner } from './run.js';
import { shown } from './state.js';

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
  /**
   * What compiles for this document once its imports and extensions are resolved
   * (policy/compose.ts); undefined for an extension, which compiles into its base.
   */
  composed?: RawPolicy | undefined;
  /** The texts `composed` was built from (keys and hashes): when they change, it recompiles. */
  deps?: string;
}

/** Whether a document decides on its own: not a library, not an extension (part of its base). */
const decides = (raw: RawPolicy): boolean => raw.kind === 'Policy' && raw.extends === undefined;

/** A candidate being rolled out, as loaded. */
interface Candidate {
  loaded: Loaded;
  percent: number;
  by: string[];
}

/** The deciding engine, and the policies it decides with built from their YAML or JSON sources. */
export class SourceEngine extends PolicyEngine {
  /** Source texts by policy key, from which every revision is rebuilt. */
  private sources = new Map<string, Loaded>();
  /** Candidate versions rolling out, by the key of the policy they would replace. */
  private candidates = new Map<string, Candidate>();
  private readonly inputSchema: EngineOptions['inputSchema'];
  /** Whether loaded policies are compiled to generated code. */
  private readonly codegen: boolean;
  private readonly stopWatching: (() => void)[] = [];
  /** Why the last reload from a source failed (the engine kept the set it had); undefined after a good one. */
  lastReloadError: PolicyError | Error | undefined;

  constructor(options: EngineOptions) {
    super(options, { codegenAllowed, decisionCache: (o) => new DecisionCache(o) });
    const codegen = options.codegen ?? 'auto';
    this.codegen = codegen === 'always' || (codegen === 'auto' && codegenAllowed());
    this.inputSchema = options.inputSchema;
  }

  /**
   * Adds (or replaces, by namespace and name) every policy in a YAML or JSON text. Throws a
   * PolicyError listing every problem; then nothing changes.
   */
  addPolicy(text: string, options: AddPolicyOptions = {}): PolicySummary[] {
    this.notPrebuilt('addPolicy');
    const canary = options.canary !== undefined ? canaryOptions(options.canary) : undefined;
    this.checkSize([{ text, filename: options.filename }]);
    const { policies, issues } = parsePolicyText(text, options.filename);
    if (issues.length) throw new PolicyError(issues, new Map([[options.filename, text]]));
    const file = loadedText(text, options.filename);
    if (canary) return [this.addCandidate(policies, file, canary)];
    const next = new Map(this.sources);
    for (const p of policies) next.set(`${p.namespace}/${p.name}`, { file, raw: p });
    this.swap(next);
    return policies.map((p) => this.summary(`${p.namespace}/${p.name}`)!);
  }

  /**
   * Adds a candidate version of a running policy (or replaces its candidate), deciding for
   * `percent` of the keys at `by`; checked and compiled before anything changes.
   */
  private addCandidate(policies: RawPolicy[], file: LoadedText, canary: { percent: number; by: string[] }): PolicySummary {
    const texts = new Map([[file.filename, file.text]]);
    const at = (p: RawPolicy | undefined) => ({
      ...(file.filename !== undefined ? { file: file.filename } : {}),
      offset: p?.offset ?? 0,
      ...file.source.position(p?.offset ?? 0),
    });
    const refuse = (p: RawPolicy | undefined, message: string, hint: string): never => {
      throw new PolicyError([{ code: 'invalid_option', message, ...at(p), hint }], texts);
    };
    if (policies.length !== 1)
      refuse(
        policies[1],
        `a canary text must hold exactly one policy; this one holds ${policies.length === 0 ? 'none' : policies.length}`,
        'add each candidate with its own addPolicy call',
      );
    const p = policies[0]!;
    const key = `${p.namespace}/${p.name}`;
    const stable = this.sources.get(key);
    if (stable === undefined) {
      const near = closest(key, this.sources.keys());
      refuse(
        p,
        `there is no policy \`${p.name}\` (namespace \`${p.namespace}\`) to roll a candidate out for`,
        near !== undefined ? `did you mean \`${near}\`?` : 'load the stable version first, with addPolicy without `canary`',
      );
    }
    if (!decides(p) || !decides(stable!.raw))
      refuse(
        p,
        `${!decides(p) ? 'the candidate' : `\`${p.name}\``} is a library or an extension, which decides only through the policies that use it: there is nothing to roll out`,
        'roll out the policy that imports the library, or the base of the extension',
      );
    if (p.mode === 'shadow' || stable!.raw.mode === 'shadow')
      refuse(
        p,
        `policy \`${p.name}\` ${p.mode === 'shadow' ? 'candidate is' : 'is'} a shadow policy, which takes no part in decisions: there is nothing to roll out`,
        'roll out enforcing versions; to watch a version first, load it as another policy with `mode: shadow`',
      );
    const release = policyRelease(p, file.text);
    const running = stable!.compiled?.release ?? policyRelease(stable!.raw, stable!.file.text);
    if (release === running)
      refuse(
        p,
        p.version !== undefined
          ? `the candidate has the version of the running policy (\`${release}\`), so decisions could not tell them apart`
          : 'the candidate is the same text as the running policy',
        'give the candidate another `metadata.version`',
      );
    const candidates = new Map(this.candidates);
    candidates.set(key, { loaded: { file, raw: p }, ...canary });
    this.swap(this.sources, candidates);
    return this.summary(key)!;
  }

  /**
   * Makes the candidate of a policy its running version (no recompilation). Throws when the
   * policy has no candidate.
   */
  promote(name: string, namespace = 'default'): PolicySummary {
    this.notPrebuilt('promote');
    const key = `${namespace}/${name}`;
    const c = this.candidates.get(key);
    if (c === undefined)
      throw new Error(
        `policy \`${name}\` (namespace \`${namespace}\`) has no candidate to promote: add one with addPolicy(text, { canary })`,
      );
    const sources = new Map(this.sources);
    sources.set(key, c.loaded);
    const candidates = new Map(this.candidates);
    candidates.delete(key);
    this.swap(sources, candidates);
    return this.summary(key)!;
  }

  /** Drops the candidate of a policy: the running version decides for every input again. False when there was none. */
  rollback(name: string, namespace = 'default'): boolean {
    const key = `${namespace}/${name}`;
    if (!this.candidates.has(key)) return false;
    const candidates = new Map(this.candidates);
    candidates.delete(key);
    this.swap(this.sources, candidates);
    return true;
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

  /**
   * Compiles the policies of `sources` that are not compiled yet into a new revision and swaps
   * it in, or throws and changes nothing. Each policy compiles on its own, so a load costs
   * what the policies it adds cost, not what the whole set costs.
   */
  private swap(sources: Map<string, Loaded>, candidates: Map<string, Candidate> = this.candidates): void {
    const env = { registry: this.registry, limits: this.limits, inputSchema: this.inputSchema };
    const issues: Issue[] = [];
    const texts = new Map<string | undefined, string>();
    this.resolve(sources, issues);
    const fresh: [Loaded, CompiledPolicy, Notes | undefined][] = [];
    candidates = this.resolveCandidates(sources, candidates, issues);
    for (const l of [...sources.values(), ...[...candidates.values()].map((c) => c.loaded)]) {
      if (l.compiled !== undefined || l.composed === undefined) continue;
      texts.set(l.file.filename, l.file.text);
      // only policies small enough to unroll become code at run time: the others need no notes
      const raw = l.composed;
      const notes: Notes | undefined = this.codegen && decides(l.raw) && raw.rules.length <= MAX_UNROLLED_RULES ? new Map() : undefined;
      const c = compilePolicy(raw, l.file.source, { ...env, notes }, issues);
      if (c) fresh.push([l, c, notes]);
    }
    if (issues.length) {
      // an imported let that fails fails in every policy that imports it: report it once
      for (const l of sources.values()) texts.set(l.file.filename, l.file.text);
      throw new PolicyError(uniqueIssues(issues), texts);
    }
    for (const [l, c, notes] of fresh) {
      const code = notes ? generated(c, notes) : undefined;
      l.compiled = code?.policy ?? c;
      l.runner = code?.runner ?? generalRunner;
      l.paths = c.purity.clock || c.purity.state ? undefined : inputPaths(c.asts, new Set(c.lets.map((x) => x.name)));
    }
    // a candidate lives as long as the enforcing policy it would replace
    const kept = new Map<string, Candidate>();
    for (const [key, c] of candidates) if (sources.get(key)?.compiled?.mode === 'enforce') kept.set(key, c);
    this.sources = sources;
    this.candidates = kept;
    const items: Item[] = [];
    let hash = 0;
    for (const [key, l] of sources) {
      // a library or an extension changes the revision id, but decides nothing on its own
      if (!decides(l.raw)) {
        hash = (hash + (l.keyHash ??= fnv1a(`${key}\u0000${l.file.hash}`))) >>> 0;
        continue;
      }
      const c = kept.get(key);
      items.push({
        key,
        policy: l.compiled!,
        runner: l.runner!,
        paths: l.paths,
        candidate: c && { policy: c.loaded.compiled!, runner: c.loaded.runner!, paths: c.loaded.paths, takes: onCandidate(fnv1a(key), c) },
      });
      // a sum, so the id does not depend on the order policies were added in
      hash = (hash + (l.keyHash ??= fnv1a(`${key}\u0000${l.file.hash}`))) >>> 0;
      if (c) hash = (hash + fnv1a(`${key}\u0000${c.loaded.file.hash}\u0000${c.percent}\u0000${c.by.join('.')}`)) >>> 0;
    }
    this.install(items, hash.toString(16).padStart(8, '0'));
  }

  /**
   * The candidates whose composed form is due, composed against `sources` as if each replaced its
   * running version (so a candidate may use `imports`, and a base's candidate keeps its
   * extensions). A candidate recompiles when a text it was composed from changes.
   */
  private resolveCandidates(sources: Map<string, Loaded>, candidates: Map<string, Candidate>, issues: Issue[]): Map<string, Candidate> {
    if (issues.length || candidates.size === 0) return candidates;
    const out = new Map<string, Candidate>();
    for (const [key, c] of candidates) {
      if (!sources.has(key)) continue; // its running version is gone, and the candidate with it
      const entries = [...sources].map(([k, l]) =>
        k === key ? { key: k, raw: c.loaded.raw, source: c.loaded.file.source } : { key: k, raw: l.raw, source: l.file.source },
      );
      const plan = compose(entries, issues);
      if (issues.length) return candidates;
      const composed = plan.get(key)!;
      const deps = composed.deps
        .filter((k) => k !== key)
        .sort()
        .map((k) => `${k}\u0000${sources.get(k)!.file.hash}`)
        .join('\u0001');
      const fresh = c.loaded.compiled === undefined || c.loaded.deps !== deps;
      out.set(key, fresh ? { ...c, loaded: { file: c.loaded.file, raw: c.loaded.raw, composed: composed.raw, deps } } : c);
    }
    return out;
  }

  /**
   * Resolves imports and extensions across the whole set (cheap: raw documents only) and
   * gives a fresh entry, to be compiled, to each document whose composed form was built from
   * texts that changed: a library's importers, an extended base. Entries are replaced in
   * `sources`, never changed, so a load that fails leaves the running set as it was.
   */
  private resolve(sources: Map<string, Loaded>, issues: Issue[]): void {
    const plan = compose(
      [...sources].map(([key, l]) => ({ key, raw: l.raw, source: l.file.source })),
      issues,
    );
    if (issues.length) return;
    for (const [key, l] of sources) {
      const c = plan.get(key)!;
      const deps = c.deps
        .sort()
        .map((k) => `${k}\u0000${sources.get(k)!.file.hash}`)
        .join('\u0001');
      if (l.composed !== undefined && l.deps === deps) continue;
      if (l.composed === undefined && l.deps === deps && c.raw === undefined) continue;
      sources.set(key, { file: l.file, raw: l.raw, composed: c.raw, deps });
    }
  }

  /**
   * The current policy set as the source of an ES module of generated code, which
   * `loadCompiled` installs (in any engine of this version with the same functions) without
   * parsing, checking or compiling anything. `llm-policy build` writes one.
   */
  compileToModule(): string {
    if (this.prebuilt) throw new Error('the policy set was loaded prebuilt (loadCompiled): build a module from the policy sources instead');
    if (this.candidates.size > 0)
      throw new Error(
        `a prebuilt module holds one version of each policy, and ${[...this.candidates.keys()].map((k) => `\`${k}\``).join(', ')} ${this.candidates.size === 1 ? 'has a candidate' : 'have candidates'} rolling out: promote or roll back first`,
      );
    const env = { registry: this.registry, limits: this.limits, inputSchema: this.inputSchema };
    const notes: Notes = new Map();
    const issues: Issue[] = [];
    const policies: CompiledPolicy[] = [];
    const deciding = [...this.sources.values()].filter((l) => decides(l.raw));
    for (const l of deciding) {
      const c = compilePolicy(l.composed ?? l.raw, l.file.source, { ...env, notes }, issues);
      if (c) policies.push(c);
    }
    if (issues.length) throw new PolicyError(issues);
    const pure = deciding.every((l) => l.paths !== undefined);
    const cachePaths = pure ? prunePaths(deciding.flatMap((l) => l.paths!)) : undefined;
    return writeModule({ policies, cachePaths }, notes, this.revision.split('-')[0]!);
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

  override loadCompiled(module: unknown): PolicySummary[] {
    const out = super.loadCompiled(module);
    this.sources = new Map();
    this.candidates = new Map();
    return out;
  }

  protected override summary(key: string): PolicySummary | undefined {
    const out = super.summary(key);
    if (this.prebuilt) return out;
    if (out === undefined) {
      // a library or an extension: its rules decide as part of its base
      const raw = this.sources.get(key)?.raw;
      return raw && { name: raw.name, namespace: raw.namespace, version: raw.version, rules: raw.rules.length, file: raw.file };
    }
    const c = this.candidates.get(key);
    if (c !== undefined)
      out.canary = { version: c.loaded.compiled!.release, percent: c.percent, by: c.by.join('.'), file: c.loaded.file.filename };
    return out;
  }

  override async close(): Promise<void> {
    for (const stop of this.stopWatching.splice(0)) stop();
    await super.close();
  }
}

/**
 * Whether an input goes to the candidate: the value at `by`, rendered canonically, hashed
 * (FNV-1a seeded with the policy key, so that each policy's rollout splits the keys
 * independently, then mixed) into [0, 100) and compared with `percent`. The same value always
 * lands on the same side, and raising `percent` only moves inputs to the candidate. An input
 * without the value goes to the running version.
 */
const onCandidate =
  (seed: number, c: { percent: number; by: string[] }) =>
  (input: unknown): boolean => {
    let v: unknown = input;
    for (const k of c.by) {
      if (v === null || typeof v !== 'object') return false;
      if (v instanceof Map) v = v.get(k);
      else if (Object.prototype.hasOwnProperty.call(v, k)) v = (v as Record<string, unknown>)[k];
      else return false;
    }
    if (v === undefined || v === null) return false;
    const key = canonicalKey(v);
    return key !== undefined && bucket(seed, key) < c.percent;
  };

/** A point in [0, 100) for a key: FNV-1a, then murmur3's finalizer, since FNV's high bits mix keys that differ at the end poorly. */
function bucket(seed: number, key: string): number {
  let h = fnv1a(key, seed);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) / 0x1_0000_0000) * 100;
}

/** Issues with the same code, place and message once. */
function uniqueIssues(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.code}\u0000${i.file}\u0000${i.offset}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function loadedText(text: string, filename: string | undefined): LoadedText {
  return { text, filename, source: new SourceText(text), hash: fnv1a(text) };
}

const BY_PATH = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;

/** `canary` as given to addPolicy, checked before anything is parsed. */
function canaryOptions(canary: CanaryOptions): { percent: number; by: string[] } {
  const issues: Issue[] = [];
  const c = (typeof canary === 'object' && canary !== null ? canary : {}) as Partial<CanaryOptions>;
  if (typeof c.percent !== 'number' || !(c.percent >= 0 && c.percent <= 100))
    issues.push({
      code: 'invalid_option',
      message: `\`canary.percent\` must be a number from 0 to 100, got ${shown(c.percent)}`,
      hint: "e.g. `{ percent: 5, by: 'user.id' }`",
    });
  if (typeof c.by !== 'string' || !BY_PATH.test(c.by))
    issues.push({
      code: 'invalid_option',
      message: `\`canary.by\` must be a dotted input path such as \`user.id\`, got ${shown(c.by)}`,
      hint: 'name the input field whose value keeps a caller on one side: `user.id`, `context.tenant`',
    });
  const unknown = Object.keys(c).filter((k) => k !== 'percent' && k !== 'by');
  for (const k of unknown)
    issues.push({ code: 'invalid_option', message: `unknown canary option \`${k}\``, hint: 'use `percent` and `by`' });
  if (issues.length) throw new PolicyError(issues);
  return { percent: c.percent!, by: c.by!.split('.') };
}

/**
 * One policy as generated code: its conditions, messages and target as generated functions,
 * and its runner; or undefined when it is not unrolled, or that fails (a form the generator
 * does not know, a constant that cannot be written as code): the closures then serve, with the
 * same results.
 */
function generated(p: CompiledPolicy, notes: Notes): { policy: CompiledPolicy; runner: PolicyRunner } | undefined {
  if (!unrolled(p)) return undefined;
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
function withCode(p: CompiledPolicy, g: GeneratedPolicy | undefined): CompiledPolicy {
  if (!g) return p;
  return {
    ...p,
    target: g.target as Evaluator | undefined,
    rules: p.rules.map((r, k) => ({ ...r, when: g.when[k] as Evaluator | undefined, message: g.message[k] as CompiledRule['message'] })),
  };
}
