// Writing prebuilt policy modules (`llm-policy build`, engine.compileToModule): the module
// format and how the engine loads one are in ./prebuilt.ts; this half needs the code generator,
// which an engine that only loads modules (`llm-policy-engine/runtime`) goes without.

import { PolicyError } from '../lang/errors.js';
import type { Notes } from '../compile/compile.js';
import { CODEGEN_FORMAT } from '../compile/codegen/runtime.js';
import { UnsupportedConstant, jsString, literal } from '../compile/codegen/source.js';
import { indexToData } from '../policy/rule-index.js';
import { ENGINE_VERSION } from '../util/version.js';
import { generateRevision } from './codegen.js';
import { invalid, type CompiledSet, type PrebuiltMeta } from './prebuilt.js';

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
