// A revision's policies as one generated module: for each policy, its target, conditions,
// messages and lets as functions interchangeable with the closures (src/compile/codegen), and,
// for a policy small enough to unroll and without a rule index, a runner (./run.ts) that is
// runPolicy's loop unrolled for that policy: every condition called directly, the combining
// algorithm decided at generation time, nothing allocated unless a rule counts.
//
// The module is the same text whether the engine compiles it at run time (where `new Function`
// is allowed) or `llm-policy build` writes it to a file (./prebuilt.ts).
//
// Each target and condition evaluated costs a step (ruleBlock, like runPolicy); every error goes
// through `failed`, which holds the error cap, and every match through `matched`.

import type { Expr } from '../lang/ast.js';
import type { Notes } from '../compile/compile.js';
import type { CallSite } from '../compile/frame.js';
import { Unit } from '../compile/codegen/expr.js';
import { jsString } from '../compile/codegen/source.js';
import { REVISION_RUNTIME } from './revision-runtime.js';
import type { CompiledPolicy, Effect } from '../policy/compile.js';

/** Policies with more rules than this (or with a rule index) run through runPolicy's loop. */
export const MAX_UNROLLED_RULES = 64;

/** What the module body returns: per policy, functions by role (undefined where absent). */
export interface GeneratedPolicy {
  target: ((f: unknown) => unknown) | undefined;
  when: (((f: unknown) => unknown) | undefined)[];
  message: (((f: unknown) => string) | undefined)[];
  run: ((f: unknown, p: unknown) => void) | undefined;
}

export interface GeneratedRevision {
  /** A function body of (rt, F): see Unit.source. */
  body: string;
  /** Implementations of `F`, in order. */
  sites: CallSite[];
}

/** Whether a policy gets an unrolled runner. */
export function unrolled(p: CompiledPolicy): boolean {
  return p.index === undefined && p.rules.length <= MAX_UNROLLED_RULES;
}

/**
 * Generates the module of a revision. `how(p)`: a policy's code inlines the fast paths
 * ('full'), calls the read helpers instead (smaller, for policies of many rules), or is not
 * generated ('none': the entry is undefined).
 */
export function generateRevision(
  policies: readonly CompiledPolicy[],
  notes: Notes,
  how: (p: CompiledPolicy) => 'full' | 'compact' | 'none' = (p) => (unrolled(p) ? 'full' : 'compact'),
): GeneratedRevision {
  const unit = new Unit(notes);
  const out: string[] = [];
  policies.forEach((p, i) => {
    const mode = how(p);
    if (mode === 'none') {
      out.push('undefined');
      return;
    }
    const small = mode === 'compact';
    unit.scope = `${i}_`;
    for (const l of p.code.lets) unit.fn(`E${unit.scope}${l.cell}`, l.ast, small);
    const target = p.code.target ? `T${i}` : 'undefined';
    if (p.code.target) unit.fn(target, p.code.target, small);
    const when = p.code.rules.map((r, k) => {
      if (!r.when) return 'undefined';
      unit.fn(`C${i}_${k}`, r.when, small);
      return `C${i}_${k}`;
    });
    const message = p.code.rules.map((r, k) => {
      if (!r.message) return 'undefined';
      unit.add(messageFn(unit, `M${i}_${k}`, r.message, small));
      return `M${i}_${k}`;
    });
    let run = 'undefined';
    if (unrolled(p)) {
      run = `P${i}`;
      unit.add(runner(unit, run, p, target !== 'undefined' ? target : undefined));
    }
    out.push(`{ target: ${target}, when: [${when.join(', ')}], message: [${message.join(', ')}], run: ${run} }`);
  });
  return { body: unit.source(`[\n  ${out.join(',\n  ')}\n]`, REVISION_RUNTIME), sites: unit.sites };
}

/** A message template: its strings, and each `{{ expr }}` displayed (`<error>` when it fails). */
function messageFn(unit: Unit, name: string, parts: (string | Expr)[], compact: boolean): string {
  if (parts.every((x) => typeof x === 'string')) return `function ${name}(f) { return cut(${jsString(parts.join(''))}, f.maxMessage); }`;
  const lines = [`function ${name}(f) {`, '  const I = f.input;', '  let out = "";'];
  for (const part of parts) {
    if (typeof part === 'string') {
      if (part !== '') lines.push(`  out += ${jsString(part)};`);
      continue;
    }
    const v = 'v';
    lines.push(
      '  try {',
      `${unit.statements(part, `const ${v} = `, 2, compact)}    out += display(${v}, f.maxMessage - out.length);`,
      '  } catch {',
      '    out += "<error>";',
      '  }',
    );
  }
  lines.push('  return cut(out, f.maxMessage);', '}');
  return lines.join('\n');
}

/**
 * runPolicy (./run.ts) for one policy, unrolled, the conditions inline (one function V8
 * optimizes as a whole; calling them costs more). Rule k's state is h<k>: 0 did not count,
 * 1 held, 2 failed and counts per `onError` (its error in e<k>).
 */
function runner(unit: Unit, name: string, p: CompiledPolicy, target: string | undefined): string {
  const n = p.rules.length;
  const failEffect: Effect = p.onError === 'warn' ? 'warn' : 'deny';
  const lines: string[] = [`function ${name}(f, p) {`, '  const R = p.rules;', '  const I = f.input;'];
  if (target) {
    lines.push(
      '  let applies;',
      '  if (++f.steps > f.maxSteps) throw STOP;',
      `  try { applies = ${target}(f); if (typeof applies !== 'boolean') throw targetNotBool(applies); } catch (err) { targetFailed(f, p, err); return; }`,
      '  if (applies === false) return;',
    );
  }
  if (n === 0) {
    lines.push('  noMatch(f, p);', '}');
    return lines.join('\n');
  }
  const hs = p.rules.map((_, k) => `h${k}`);
  lines.push(`  let ${hs.map((h) => `${h} = 0`).join(', ')};`);
  lines.push(`  let ${p.rules.map((_, k) => `e${k}`).join(', ')};`);
  const block = (k: number): string[] => ruleBlock(unit, k, p.code.rules[k]!.when, p.onError === 'skip');
  // the effect rule k counts with, when h<k> is set
  const effectOf = (k: number) => `(h${k} === 1 ? ${jsString(p.rules[k]!.effect)} : ${jsString(failEffect)})`;
  const matchedCall = (k: number, effect = effectOf(k)) => `matched(f, p, R[${k}], ${effect}, e${k});`;
  // "rule k counts as `effect`" as a condition on h<k>
  const countsAs = (k: number, effect: Effect): string | undefined => {
    const held = p.rules[k]!.effect === effect;
    const fails = p.onError !== 'skip' && failEffect === effect;
    return held && fails ? `h${k} !== 0` : held ? `h${k} === 1` : fails ? `h${k} === 2` : undefined;
  };
  const any = (ks: number[], effect: Effect) =>
    ks
      .map((k) => countsAs(k, effect))
      .filter((c) => c !== undefined)
      .join(' || ') || 'false';
  const all = p.rules.map((_, k) => k);

  if (p.combining === 'deny-overrides') {
    for (const k of all) lines.push(...block(k));
    lines.push(`  if ((${hs.join(' | ')}) === 0) { noMatch(f, p); return; }`);
    lines.push(`  if (${any(all, 'deny')}) f.denied = true;`, `  else if (${any(all, 'warn')}) f.warned = true;`);
    for (const k of all) lines.push(`  if (h${k} !== 0) ${matchedCall(k)}`);
  } else if (p.combining === 'first-match') {
    lines.push('  decide: {');
    for (const k of all) lines.push(...block(k).map((l) => `  ${l}`), `    if (h${k} !== 0) break decide;`);
    lines.push('  }');
    all.forEach((k) => {
      lines.push(`  ${k === 0 ? '' : 'else '}if (h${k} !== 0) {`, `    const effect = ${effectOf(k)};`);
      lines.push("    if (effect === 'deny') f.denied = true;", "    else if (effect === 'warn') f.warned = true;");
      lines.push(`    ${matchedCall(k, 'effect')}`, '  }');
    });
    lines.push('  else noMatch(f, p);');
  } else {
    // priority: rules come sorted by descending priority; the first group with a match decides
    const groups: number[][] = [];
    for (const k of all) {
      const last = groups[groups.length - 1];
      if (last && p.rules[last[0]!]!.priority === p.rules[k]!.priority) last.push(k);
      else groups.push([k]);
    }
    const hit = (g: number[]) => g.map((k) => `h${k} !== 0`).join(' || ');
    lines.push('  decide: {');
    for (const g of groups) {
      for (const k of g) lines.push(...block(k).map((l) => `  ${l}`));
      lines.push(`    if (${hit(g)}) break decide;`);
    }
    lines.push('  }');
    groups.forEach((g, gi) => {
      lines.push(`  ${gi === 0 ? '' : 'else '}if (${hit(g)}) {`);
      lines.push(`    if (${any(g, 'deny')}) f.denied = true;`, `    else if (${any(g, 'warn')}) f.warned = true;`);
      for (const k of g) lines.push(`    if (h${k} !== 0) ${matchedCall(k)}`);
      lines.push('  }');
    });
    lines.push('  else noMatch(f, p);');
  }
  lines.push('}');
  return lines.join('\n');
}

/** One rule: evaluate its condition, note whether it counts, record an error through `failed`. */
function ruleBlock(unit: Unit, k: number, when: Expr | undefined, skip: boolean): string[] {
  if (when === undefined) return [`  h${k} = 1;`];
  return [
    '  if (++f.steps > f.maxSteps) throw STOP;',
    '  try {',
    `${unit.statements(when, 'const v = ', 2)}    if (v === true) h${k} = 1;`,
    '    else if (v !== false) throw conditionNotBool(v);',
    `  } catch (err) { e${k} = failed(f, p, R[${k}], err);${skip ? '' : ` h${k} = 2;`} }`,
  ];
}
