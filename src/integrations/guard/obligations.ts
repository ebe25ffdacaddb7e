// The obligations middleware carries out itself: `redact` (PII and secrets in the text),
// `route` (another model), `set` (request parameters) and `reserve` (budget held for the call,
// asked for by budget.reserve). Everything else goes to the host's `onObligation` hook.

import type { ReserveSpec } from '../../decide/state.js';

import { redactText, type RedactStyle } from '../../../builtins/llm/pii/index.js';

export interface RedactSpec {
  /** Entity types (pii.* ids); undefined: every type. */
  entities: string[] | undefined;
  style: RedactStyle;
}

export interface ObligationPlan {
  route?: string;
  set?: Record<string, unknown>;
  redact?: RedactSpec;
  /** Budget to hold before the call (all of them, atomically). */
  reserve: ReserveSpec[];
  /** Obligations left for the hook, one key each. */
  other: Record<string, unknown>[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function invalid(what: string, v: unknown): Error {
  let shown: string;
  try {
    shown = JSON.stringify(v) ?? String(v);
  } catch {
    shown = String(v);
  }
  return new Error(`invalid \`${what}\` obligation: ${shown.slice(0, 200)}`);
}

function redactSpec(v: unknown): RedactSpec {
  if (v === true || v === null || v === undefined) return { entities: undefined, style: 'label' };
  if (Array.isArray(v)) return redactSpec({ entities: v });
  if (!isObj(v)) throw invalid('redact', v);
  const list = v.entities ?? v.types;
  if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== 'string'))) throw invalid('redact', v);
  const style = v.style ?? 'label';
  const spec: RedactSpec = { entities: list as string[] | undefined, style: style as RedactStyle };
  try {
    redactText('', spec.entities, spec.style); // validates the type names and the style
  } catch (e) {
    throw new Error(`invalid \`redact\` obligation: ${(e as Error).message}`);
  }
  return spec;
}

function mergeRedact(a: RedactSpec | undefined, b: RedactSpec): RedactSpec {
  if (a === undefined) return b;
  const entities = a.entities === undefined || b.entities === undefined ? undefined : [...new Set([...a.entities, ...b.entities])];
  return { entities, style: a.style };
}

/**
 * Sorts a decision's obligations. `known` names the keys the caller carries out in this phase
 * (the request phase: redact, route, set; the response phase: redact); the rest go to `other`.
 * Several redact obligations merge (the union of their entities; the first style);
 * several `set`s merge (later keys win); the last `route` wins.
 */
export function planObligations(obligations: readonly Record<string, unknown>[], known: ReadonlySet<string>): ObligationPlan {
  const plan: ObligationPlan = { reserve: [], other: [] };
  for (const o of obligations) {
    if (!isObj(o)) continue;
    for (const [key, value] of Object.entries(o)) {
      if (!known.has(key)) {
        plan.other.push({ [key]: value });
        continue;
      }
      if (key === 'redact') plan.redact = mergeRedact(plan.redact, redactSpec(value));
      else if (key === 'route') {
        const model = typeof value === 'string' ? value : isObj(value) ? value.model : undefined;
        if (typeof model !== 'string' || model === '') throw invalid('route', value);
        plan.route = model;
      } else if (key === 'set') {
        if (!isObj(value)) throw invalid('set', value);
        plan.set = { ...plan.set, ...value };
      } else if (key === 'reserve') {
        if (!isObj(value) || typeof value.key !== 'string' || typeof value.period !== 'string') throw invalid('reserve', value);
        plan.reserve.push(value as unknown as ReserveSpec);
      } else plan.other.push({ [key]: value });
    }
  }
  return plan;
}

/** The text transform for a redact obligation. */
export function redactor(spec: RedactSpec): (text: string) => string {
  return (text) => (text === '' ? text : redactText(text, spec.entities, spec.style));
}

export const REQUEST_OBLIGATIONS: ReadonlySet<string> = new Set(['redact', 'route', 'set', 'reserve']);
/** `reserve` after the call has nothing left to hold: a response-phase one is dropped. */
export const RESPONSE_OBLIGATIONS: ReadonlySet<string> = new Set(['redact', 'reserve']);
