// Bounds on the work one load or one decision may do. Every limit has a safe default and can
// be raised per engine (`new PolicyEngine({ limits })`); unknown keys are rejected.

export interface Limits {
  /**
   * Characters of policy text in one load (`addPolicy`, `setPolicies`, a reload from a source).
   * Loading is linear in the text (docs/performance.md), so this bounds how long a load can
   * hold the thread; a larger load is refused with a positioned `limit_exceeded`.
   */
  maxPolicyBytes: number;
  /** Characters in one expression. */
  maxExpressionLength: number;
  /** Nesting depth of one expression's syntax tree. */
  maxExpressionDepth: number;
  /** Nodes in one expression's syntax tree. */
  maxAstNodes: number;
  /**
   * Work per decision, across every rule: each condition and target evaluated, macro
   * iterations (all, exists, map, filter, ...) and list elements visited by `in`. A decision
   * that runs past it stops and denies.
   */
  maxSteps: number;
  /**
   * Walk the whole input before each decision and deny it when it breaks the three limits
   * below. Off by default: the walk costs about as much as a small policy (see
   * docs/engine.md), and without it the work of a decision is still bounded by maxSteps and
   * by the depth guard of the recursive operations.
   */
  validateInput: boolean;
  /**
   * Rule errors in one decision before it stops and denies (whatever the policies' onError):
   * an input that makes every rule fail must not cost every rule's error.
   */
  maxErrors: number;
  /** Reasons listed in a decision; the rest are counted in one last reason. */
  maxReasons: number;
  /** Characters of a rule's message; each interpolated value is cut to fit, ending in `…`. */
  maxMessageLength: number;
  /** Nesting depth of the input object (objects and arrays), with validateInput. */
  maxInputDepth: number;
  /** Objects, arrays and values in the input object, with validateInput. */
  maxInputNodes: number;
  /** Length of any one string in the input, in UTF-16 units, with validateInput. */
  maxStringLength: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxPolicyBytes: 4_000_000,
  maxExpressionLength: 100_000,
  maxExpressionDepth: 250,
  maxAstNodes: 25_000,
  maxSteps: 1_000_000,
  validateInput: false,
  maxErrors: 100,
  maxReasons: 100,
  maxMessageLength: 1_000,
  maxInputDepth: 64,
  maxInputNodes: 1_000_000,
  maxStringLength: 10_000_000,
});

export function resolveLimits(given: Partial<Limits> | undefined): { limits: Limits; unknown: string[] } {
  const unknown = Object.keys(given ?? {}).filter((k) => !(k in DEFAULT_LIMITS));
  const limits: Limits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(given ?? {})) {
    if (!(k in DEFAULT_LIMITS)) continue;
    if (typeof DEFAULT_LIMITS[k as keyof Limits] === 'boolean') {
      if (typeof v === 'boolean') (limits as unknown as Record<string, boolean>)[k] = v;
      else unknown.push(k);
    } else if (typeof v === 'number' && v > 0) (limits as unknown as Record<string, number>)[k] = v;
    else unknown.push(k);
  }
  return { limits, unknown };
}
