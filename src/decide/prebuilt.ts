// Prebuilt policy modules. `llm-policy build` (engine.compileToModule, ./prebuilt-write.ts) writes a revision's
// generated code (./codegen.ts) as an ES module: the functions as real source, the constants
// as literals, the policies' metadata as data. engine.loadCompiled installs one without
// parsing YAML, validating the schema or type-checking, and without compiling anything at run
// time, so it loads where `new Function` is refused (Cloudflare Workers, Vercel Edge) and
// starts in a fraction of the time a load from source takes.
//
// Builtins are not in the module: it records each call site's function, arity and constant
// arguments, and the loading engine chooses the implementation from its own registry, as the
// compiler chose it (selectImpl). The module records the engine version and the code format
// it was built for; a mismatch is an error, not a guess.

import { PolicyError, type Issue } from '../lang/errors.js';
import type { Registry } from '../lang/registry.js';
import { selectImpl, type CallSite, type Evaluator } from '../compile/frame.js';
import { CODEGEN_FORMAT } from '../compile/codegen/runtime.js';
import type { CompiledPolicy, CompiledRule } from '../policy/compile.js';
import { indexFromData, type IndexData } from '../policy/rule-index.js';
import { ENGINE_VERSION } from '../util/version.js';
import type { GeneratedPolicy } from './codegen.js';
import { REVISION_RUNTIME } from './revision-runtime.js';
import { generalRunner, type PolicyRunner } from './run.js';

/** What a prebuilt module's default export holds. */
export interface PrebuiltPolicies {
  /** The llm-policy-engine version that built it. */
  engine: string;
  /** The generated code's format (CODEGEN_FORMAT). */
  format: number;
  /** Hash of the policy sources (the revision id's first part). */
  revision: string;
  meta: PrebuiltMeta;
  /** The call sites, built with the runtime's value constructors (constant arguments may be CEL values). */
  sites(rt: object): Omit<CallSite, 'impl' | 'withHost'>[];
  /** The generated module body: see Unit.source. */
  code(rt: object, impls: readonly unknown[]): GeneratedPolicy[];
}

export interface PrebuiltMeta {
  cachePaths: string[][] | null;
  policies: PolicyMeta[];
}

interface PolicyMeta {
  key: string;
  name: string;
  namespace: string;
  version?: string;
  release: string;
  mode?: 'shadow';
  file?: string;
  combining: CompiledPolicy['combining'];
  default: CompiledPolicy['default'];
  onError: CompiledPolicy['onError'];
  purity: CompiledPolicy['purity'];
  /** The policy's let cells and macro slots (each policy numbers its own). */
  cells: number;
  /** Cells of the lets that are not constants (absent in older modules: every cell). */
  live?: number[];
  vars: number;
  lets: CompiledPolicy['lets'];
  rules: { id: string; effect: CompiledRule['effect']; priority: number; obligations: Record<string, unknown>[]; whenText?: string }[];
  index: IndexData | null;
}

/** A revision as a compiled set, as the engine holds one. */
export interface CompiledSet {
  policies: CompiledPolicy[];
  cachePaths: string[][] | undefined;
}

const noClosure: Evaluator = () => {
  throw new Error('a prebuilt policy has no closures: its lets are evaluated by its generated code');
};

export function invalid(message: string, hint: string): PolicyError {
  const issue: Issue = { code: 'invalid_prebuilt', message, hint };
  return new PolicyError([issue]);
}

/** A module namespace or its default export, checked to be a prebuilt module this engine can run. */
function asPrebuilt(mod: unknown): PrebuiltPolicies {
  const m = (
    typeof mod === 'object' && mod !== null && !('format' in mod) && 'default' in mod ? (mod as { default: unknown }).default : mod
  ) as Partial<PrebuiltPolicies> | undefined;
  const rebuild = 'rebuild it with `llm-policy build` from the policy sources';
  if (typeof m !== 'object' || m === null || typeof m.code !== 'function' || typeof m.sites !== 'function' || typeof m.meta !== 'object') {
    throw invalid(
      'not a prebuilt policy module (expected what `llm-policy build` writes)',
      'pass the imported module: `import built from "./policies.gen.mjs"`',
    );
  }
  if (m.engine !== ENGINE_VERSION || m.format !== CODEGEN_FORMAT) {
    throw invalid(
      `the prebuilt policies were built by llm-policy-engine \`${String(m.engine)}\` (code format ${String(m.format)}); this engine is \`${ENGINE_VERSION}\` (code format ${CODEGEN_FORMAT})`,
      rebuild,
    );
  }
  return m as PrebuiltPolicies;
}

const nameOf = (site: Pick<CallSite, 'kind' | 'fn'>) => (site.kind === 'sortBy' ? 'sortBy' : site.fn);

/** The functions a prebuilt module calls, by name, sorted: what the engine that loads it must be given. */
export function functionsCalled(mod: unknown): string[] {
  return [...new Set(asPrebuilt(mod).sites(REVISION_RUNTIME).map(nameOf))].sort();
}

/** Installs a prebuilt module: its policies with their generated functions, and their runners. */
export function readModule(mod: unknown, registry: Registry): CompiledSet & { runners: PolicyRunner[]; revision: string } {
  const m = asPrebuilt(mod);
  const sites = m.sites(REVISION_RUNTIME);
  // every missing function at once, before anything is installed
  const missing = [...new Set(sites.map(nameOf))].filter((name) => !registry.has(name));
  if (missing.length > 0)
    throw new PolicyError(
      missing.map((name) => ({
        code: 'invalid_prebuilt',
        message: `the prebuilt policies call \`${name}\`, which this engine's function library lacks`,
        hint: "give the engine the functions the policies were built with (`functions` or `registry`): on `llm-policy-engine/runtime`, the builtin families they call from `llm-policy-engine/functions` (`llm-policy build` prints which); the main entry's engine has them all",
      })),
    );
  const impls = sites.map((site) => {
    const name = nameOf(site);
    try {
      return selectImpl(registry, site);
    } catch (err) {
      throw invalid(
        `the prebuilt policies' call of \`${name}\` does not compile here: ${(err as Error).message}`,
        'rebuild them with this engine',
      );
    }
  });
  const gen = m.code(REVISION_RUNTIME, impls);
  const policies = m.meta.policies.map((p, i): CompiledPolicy => {
    const g = gen[i]!;
    return {
      key: p.key,
      name: p.name,
      namespace: p.namespace,
      version: p.version,
      release: p.release ?? p.version ?? `#${m.revision}`,
      mode: p.mode === 'shadow' ? 'shadow' : 'enforce',
      combining: p.combining,
      default: p.default,
      onError: p.onError,
      target: g.target as Evaluator | undefined,
      lets: p.lets,
      rules: p.rules.map((r, k) => ({
        id: r.id,
        effect: r.effect,
        when: g.when[k] as Evaluator | undefined,
        whenText: r.whenText,
        message: g.message[k] as CompiledRule['message'],
        obligations: Object.freeze(r.obligations.map((o) => Object.freeze(o))),
        priority: r.priority,
      })),
      index: p.index ? indexFromData(p.index) : undefined,
      purity: p.purity,
      file: p.file,
      asts: [],
      code: { target: undefined, lets: [], rules: [] },
      // the generated code evaluates the lets; the engine only needs to know how many cells
      letEvals: new Array<Evaluator>(p.cells).fill(noClosure),
      live: liveCells(p),
      vars: p.vars,
    };
  });
  return {
    policies,
    runners: gen.map((g) => (g.run as PolicyRunner | undefined) ?? generalRunner),
    cachePaths: m.meta.cachePaths ?? undefined,
    revision: m.revision,
  };
}

/** The cells a decision empties: as the module says, else (an older module) every cell. */
function liveCells(p: PolicyMeta): number[] {
  const all = Array.from({ length: p.cells }, (_, k) => k);
  if (!Array.isArray(p.live)) return all;
  return p.live.every((k) => Number.isInteger(k) && k >= 0 && k < p.cells) ? p.live : all;
}
