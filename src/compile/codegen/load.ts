// The one place that turns generated source into functions at run time. Edge runtimes
// (Cloudflare Workers, Vercel Edge), `node --disallow-code-generation-from-strings` and a
// Content-Security-Policy without 'unsafe-eval' refuse it; a probe finds out once, and the
// engine then uses the closure compiler instead (or, for `codegen: 'always'`, says why it
// cannot). Prebuilt modules (`llm-policy build`) hold the same code as real source and never
// come here. test/architecture/layers.test.ts checks that nothing else in src/ or builtins/
// compiles code from strings.

let allowed: boolean | undefined;

/** Whether this runtime lets the engine compile generated code (asked once, then remembered). */
export function codegenAllowed(): boolean {
  if (allowed === undefined) {
    try {
      allowed = new Function('return 1')() === 1;
    } catch {
      // EvalError (refused by the runtime or a CSP), or anything else: not available
      allowed = false;
    }
  }
  return allowed;
}

/**
 * Runs a generated module body (see Unit.source) with its runtime and the call sites'
 * implementations, returning what it returns. Only call it when codegenAllowed().
 */
export function instantiate<T>(body: string, rt: object, impls: readonly unknown[]): T {
  return new Function('rt', 'F', body)(rt, impls) as T;
}
