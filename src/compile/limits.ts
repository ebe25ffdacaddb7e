// Bounds on the work one load or one decision may do. Every limit has a safe default and can
// be raised per engine (`new PolicyEngine({ limits })`); unknown keys are rejected.

export interface Limits {
  /** Characters in one expression. */
  maxExpressionLength: number;
  /** Nesting depth of one expression's syntax tree. */
  maxExpressionDepth: number;
  /** Nodes in one expression's syntax tree. */
  maxAstNodes: number;
  /** Macro iterations (all, exists, map, filter, ...) per decision, across every rule. */
  maxSteps: number;
  /** Nesting depth of the input object (objects and arrays). */
  maxInputDepth: number;
  /** Objects, arrays and values in the input object. */
  maxInputNodes: number;
  /** Length of any one string in the input, in UTF-16 units. */
  maxStringLength: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxExpressionLength: 100_000,
  maxExpressionDepth: 250,
  maxAstNodes: 25_000,
  maxSteps: 1_000_000,
  maxInputDepth: 64,
  maxInputNodes: 1_000_000,
  maxStringLength: 10_000_000,
});

export function resolveLimits(given: Partial<Limits> | undefined): { limits: Limits; unknown: string[] } {
  const unknown = Object.keys(given ?? {}).filter((k) => !(k in DEFAULT_LIMITS));
  const limits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(given ?? {})) {
    if (k in DEFAULT_LIMITS && typeof v === 'number' && v > 0) (limits as Record<string, number>)[k] = v;
  }
  return { limits, unknown };
}
