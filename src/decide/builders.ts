// What the engine uses to build policies from their sources, and nothing else needs: the YAML
// and JSON parser with its schema validator, composition, the checker and compiler, the code
// generator with its `new Function`, the prebuilt module writer, bundle verification (and the
// decision cache, whose LRU weighs as much as the rest of the deciding core). The
// deciding core (./engine.ts) does not import them: the engines of the main and `/core`
// entries are given BUILDERS (src/entries/core.ts); the engine of `llm-policy-engine/runtime`
// is not, so it loads only prebuilt modules (loadCompiled), and its import stays small.

import type { Notes } from '../compile/compile.js';
import type { Evaluator } from '../compile/frame.js';
import { codegenAllowed, instantiate } from '../compile/codegen/load.js';
import { openSourceFiles, verifyBundle } from '../policy/bundle.js';
import { compilePolicy, policyRelease, type CompiledPolicy, type CompiledRule } from '../policy/compile.js';
import { compose } from '../policy/compose.js';
import { parsePolicyText } from '../policy/parse.js';
import { inputPaths } from './cache.js';
import { DecisionCache, type CacheOptions } from './decision-cache.js';
import { MAX_UNROLLED_RULES, generateRevision, unrolled, type GeneratedPolicy } from './codegen.js';
import { writeModule } from './prebuilt-write.js';
import { REVISION_RUNTIME } from './revision-runtime.js';
import type { PolicyRunner } from './run.js';

export interface Builders {
  parsePolicyText: typeof parsePolicyText;
  compose: typeof compose;
  compilePolicy: typeof compilePolicy;
  policyRelease: typeof policyRelease;
  inputPaths: typeof inputPaths;
  /** Policies with more rules than this run through runPolicy's loop, so they need no notes. */
  maxUnrolledRules: number;
  codegenAllowed: typeof codegenAllowed;
  generated: typeof generated;
  writeModule: typeof writeModule;
  openSourceFiles: typeof openSourceFiles;
  verifyBundle: typeof verifyBundle;
  /** The decision cache (`cache` option): not a builder, but its LRU is as large as the rest of the deciding core. */
  decisionCache: (options: CacheOptions) => DecisionCache;
}

export const BUILDERS: Builders = {
  parsePolicyText,
  compose,
  compilePolicy,
  policyRelease,
  inputPaths,
  maxUnrolledRules: MAX_UNROLLED_RULES,
  codegenAllowed,
  generated,
  writeModule,
  openSourceFiles,
  verifyBundle,
  decisionCache: (options) => new DecisionCache(options),
};

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
