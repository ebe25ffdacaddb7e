// Prebuilt policy modules. `llm-policy build` (engine.compileToModule) writes a revision's
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
import { selectImpl, type CallSite, type Evaluator, type Notes } from '../compile/compile.js';
import { CODEGEN_FORMAT } from '../compile/codegen/runtime.js';
import { UnsupportedConstant, jsString, literal } from '../compile/codegen/source.js';
import type { CompiledPolicy, CompiledRule } from '../policy/compile.js';
import { indexFromData, indexToData, type IndexData } from '../policy/rule-index.js';
import { ENGINE_VERSION } from '../util/version.js';
import { REVISION_RUNTIME, generateRevision, type GeneratedPolicy } from './codegen.js';
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

interface PrebuiltMeta {
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

/** The module text of a compiled set (its policies compiled with `notes`). */
export function writeModule(set: CompiledSet, notes: Notes, revision: string): string {
  try {
    return moduleText(set, notes, revision);
  } catch (err) {
    // a builtin folded to a host object (a custom function's result), which has no source form
    if (!(err instanceof UnsupportedConstant)) throw err;
    throw invalid(
      `a policy holds a constant prebuilt modules cannot hold (${err.message})`,
      'load that policy from its source (addPolicy or a source) instead, where it runs as closures',
    );
  }
}

function moduleText(set: CompiledSet, notes: Notes, revision: string): string {
  const gen = generateRevision(set.policies, notes);
  const meta: PrebuiltMeta = {
    cachePaths: set.cachePaths ?? null,
    policies: set.policies.map((p) => ({
      key: p.key,
      name: p.name,
      namespace: p.namespace,
      version: p.version,
      release: p.release,
      ...(p.mode === 'shadow' ? { mode: 'shadow' as const } : {}),
      file: p.file,
      combining: p.combining,
      default: p.default,
      onError: p.onError,
      purity: p.purity,
      cells: p.letEvals.length,
      live: p.live,
      vars: p.vars,
      lets: p.lets,
      rules: p.rules.map((r) => ({
        id: r.id,
        effect: r.effect,
        priority: r.priority,
        obligations: [...r.obligations],
        whenText: r.whenText,
      })),
      index: p.index ? indexToData(p.index) : null,
    })),
  };
  const json = JSON.stringify(meta);
  // obligations are data from YAML or JSON: anything JSON cannot hold (`.inf`) is refused here
  if (JSON.stringify(JSON.parse(json)) !== json || !sameData(JSON.parse(json).policies, meta.policies)) {
    throw new PolicyError([
      {
        code: 'invalid_prebuilt',
        message: 'an obligation holds a value a prebuilt module cannot record (a non-finite number?)',
        hint: 'use plain JSON values in obligations',
      },
    ]);
  }
  const sites = gen.sites.map(
    (s) =>
      `      { kind: ${jsString(s.kind)}, fn: ${jsString(s.fn)}, receiver: ${s.receiver}, args: ${s.args}, consts: [${s.consts.map((c) => (c === undefined ? 'undefined' : literal(c))).join(', ')}] },`,
  );
  const indent = (text: string) =>
    text
      .split('\n')
      .map((l) => (l === '' ? l : `    ${l}`))
      .join('\n');
  return `// Prebuilt policies for llm-policy-engine ${ENGINE_VERSION}, written by \`llm-policy build\`: do not edit.
// Load with engine.loadCompiled(module): no YAML parsing, type checking or code compiled from strings.
export default {
  engine: ${jsString(ENGINE_VERSION)},
  format: ${CODEGEN_FORMAT},
  revision: ${jsString(revision)},
  meta: JSON.parse(${jsString(json)}),
  sites(rt) {
    const { CelUint, CelTimestamp, CelDuration, CelType, CelOptional, obj } = rt;
    return [
${sites.join('\n')}
    ];
  },
  code(rt, F) {
${indent(gen.body)}
  },
};
`;
}

function sameData(a: unknown, b: unknown): boolean {
  if (typeof a !== typeof b) return b === undefined && a === undefined;
  if (typeof a !== 'object' || a === null || b === null) return Object.is(a, b) || (a === null && b === undefined);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const noClosure: Evaluator = () => {
  throw new Error('a prebuilt policy has no closures: its lets are evaluated by its generated code');
};

function invalid(message: string, hint: string): PolicyError {
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

/** Installs a prebuilt module: its policies with their generated functions, and their runners. */
export function readModule(mod: unknown, registry: Registry): CompiledSet & { runners: PolicyRunner[]; revision: string } {
  const m = asPrebuilt(mod);
  const impls = m.sites(REVISION_RUNTIME).map((site) => {
    const name = site.kind === 'sortBy' ? 'sortBy' : site.fn;
    if (!registry.has(name))
      throw invalid(
        `the prebuilt policies call \`${name}\`, which this engine's function library lacks`,
        'give the engine the functions the policies were built with (`functions` or `registry`)',
      );
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
