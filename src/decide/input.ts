// Input bounds, checked before a decision: depth (which also stops cycles), node count and
// string length. Recursion is bounded by maxInputDepth, so it cannot overflow the stack.

import type { Limits } from '../compile/limits.js';
import type { EvaluationErrorCode } from '../lang/errors.js';

/** What is wrong with an input, in plain words, or undefined when it is within the limits. */
export function checkInput(input: unknown, limits: Limits): { code: EvaluationErrorCode; message: string } | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const budget = { nodes: limits.maxInputNodes };
  let r: number;
  try {
    r = walk(input, 1, limits, budget);
  } catch (e) {
    // a getter or a Proxy trap that throws: the input cannot be read, so it cannot be allowed
    return { code: 'unsupported_value', message: `input cannot be read: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (r === OK) return undefined;
  const message =
    r === TOO_DEEP
      ? `input nests deeper than ${limits.maxInputDepth} levels (limits.maxInputDepth); a cyclic input does this too`
      : r === TOO_MANY
        ? `input has more than ${limits.maxInputNodes} values (limits.maxInputNodes)`
        : `input holds a string longer than ${limits.maxStringLength} characters (limits.maxStringLength)`;
  return { code: 'limit_exceeded', message };
}

const OK = 0;
const TOO_DEEP = 1;
const TOO_MANY = 2;
const TOO_LONG = 3;

function walk(v: object, depth: number, limits: Limits, budget: { nodes: number }): number {
  if (depth > limits.maxInputDepth) return TOO_DEEP;
  if (Array.isArray(v)) {
    if ((budget.nodes -= v.length) < 0) return TOO_MANY;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'object') {
        if (x !== null) {
          const r = walk(x, depth + 1, limits, budget);
          if (r !== OK) return r;
        }
      } else if (typeof x === 'string' && x.length > limits.maxStringLength) return TOO_LONG;
    }
    return OK;
  }
  if (v instanceof Map) {
    for (const [k, x] of v) {
      for (const y of [k, x]) {
        if (--budget.nodes < 0) return TOO_MANY;
        if (typeof y === 'object' && y !== null) {
          const r = walk(y, depth + 1, limits, budget);
          if (r !== OK) return r;
        } else if (typeof y === 'string' && y.length > limits.maxStringLength) return TOO_LONG;
      }
    }
    return OK;
  }
  if (v instanceof Date || ArrayBuffer.isView(v)) return OK;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    if (--budget.nodes < 0) return TOO_MANY;
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'object') {
      if (x !== null) {
        const r = walk(x, depth + 1, limits, budget);
        if (r !== OK) return r;
      }
    } else if (typeof x === 'string' && x.length > limits.maxStringLength) return TOO_LONG;
  }
  return OK;
}
