// Input bounds, checked before a decision: depth (which also stops cycles), node count and
// string length. The walk is iterative, so a deep or cyclic input cannot overflow the stack.

import type { Limits } from '../compile/limits.js';

/** A plain-words problem with the input, or undefined when it is within the limits. */
export function checkInput(input: unknown, limits: Limits): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const stack: unknown[] = [input];
  const depths: number[] = [1];
  let nodes = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    const depth = depths.pop()!;
    if (++nodes > limits.maxInputNodes) return `input has more than ${limits.maxInputNodes} values (limits.maxInputNodes)`;
    if (typeof v === 'string') {
      if (v.length > limits.maxStringLength) return `input holds a string longer than ${limits.maxStringLength} characters (limits.maxStringLength)`;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limits.maxInputDepth) return `input nests deeper than ${limits.maxInputDepth} levels (limits.maxInputDepth); a cyclic input does this too`;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        stack.push(v[i]);
        depths.push(depth + 1);
      }
    } else if (v instanceof Map) {
      for (const [k, x] of v) {
        stack.push(k, x);
        depths.push(depth + 1, depth + 1);
      }
    } else {
      if (v instanceof Date || ArrayBuffer.isView(v)) continue;
      for (const k of Object.keys(v)) {
        stack.push((v as Record<string, unknown>)[k]);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}
