// Plain-text renderings of decisions and explain traces, for assertion messages and the CLI.
// Runtime-neutral, and type-only imports from the engine: this entry adds no engine code.

import type { Decision, PolicyTrace, Trace } from '../decide/engine.js';

/** A CEL optional (CelOptional), recognised by its shape so that this entry imports no engine code. */
function isOptional(x: unknown): x is { hasValue(): boolean; valueOrUndefined: unknown } {
  return typeof x === 'object' && x !== null && typeof (x as { hasValue?: unknown }).hasValue === 'function' && 'valueOrUndefined' in x;
}

/** JSON-ish text of a value; bigints as numbers, Maps as objects, optionals as `optional.of(...)`. */
export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  try {
    return (
      JSON.stringify(v, (_k, x: unknown) => {
        if (typeof x === 'bigint') return Number(x);
        if (isOptional(x)) return x.hasValue() ? `optional.of(${show(x.valueOrUndefined)})` : 'optional.none()';
        if (x instanceof Map) return Object.fromEntries(x);
        if (x instanceof Uint8Array) return `b'${Array.from(x, (c) => c.toString(16).padStart(2, '0')).join('')}'`;
        if (
          typeof x === 'object' &&
          x !== null &&
          !Array.isArray(x) &&
          Object.getPrototypeOf(x) !== Object.prototype &&
          Object.getPrototypeOf(x) !== null
        ) {
          const s = String(x);
          return s === '[object Object]' ? { ...(x as object) } : s;
        }
        return x;
      }) ?? String(v)
    );
  } catch {
    return String(v);
  }
}

/** The decision's fields, one per line, indented. */
export function formatDecision(d: Decision, indent = '  '): string {
  const lines: string[] = [];
  lines.push(`${indent}effect: ${d.effect}`);
  lines.push(`${indent}reasons: ${d.reasons.length ? d.reasons.map((r) => JSON.stringify(r)).join(', ') : '(none)'}`);
  lines.push(`${indent}matched: ${d.matched.length ? d.matched.map((m) => `${m.policy}/${m.rule} (${m.effect})`).join(', ') : '(none)'}`);
  lines.push(`${indent}obligations: ${d.obligations.length ? d.obligations.map(show).join(', ') : '(none)'}`);
  lines.push(
    `${indent}errors: ${d.errors.length ? d.errors.map((e) => `${e.policy}${e.rule ? `/${e.rule}` : ''} [${e.code}] ${e.message}`).join('; ') : '(none)'}`,
  );
  return lines.join('\n');
}

function ruleResult(r: PolicyTrace['rules'][number]): string {
  return r.result === 'error' ? `error: ${r.error ?? 'failed'}` : String(r.result);
}

/** The explain trace as an indented list: each policy, whether it applied, each rule tried. */
export function formatTrace(t: Trace, indent = '  '): string {
  const lines: string[] = [];
  if (t.policies.length === 0) lines.push(`${indent}(no policies)`);
  for (const p of t.policies) {
    const applies = p.applicable === true ? '' : p.applicable === false ? ' (target false: not applicable)' : ' (target failed)';
    lines.push(`${indent}${p.policy}${applies}${p.effect ? ` -> ${p.effect}` : ''}`);
    const width = Math.max(0, ...p.rules.map((r) => r.rule.length));
    for (const r of p.rules) {
      const when = r.when === undefined ? '(no condition)' : oneLine(r.when);
      lines.push(`${indent}  ${r.rule.padEnd(width)}  ${ruleResult(r).padEnd(5)}  ${when}`);
    }
    const lets = Object.keys(p.lets);
    if (lets.length) lines.push(`${indent}  lets: ${lets.map((k) => `${k} = ${show(p.lets[k])}`).join(', ')}`);
  }
  return lines.join('\n');
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 100 ? `${t.slice(0, 97)}...` : t;
}
