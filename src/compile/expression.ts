// One expression from source text to an evaluator: parse, check, limit, compile.
// Used by the policy compiler for every `when`, `target`, `let` and message part, and by
// compileExpression() for a single expression.

import { countNodes, type Expr } from '../lang/ast.js';
import { check, type CheckEnv, type CheckIssue, type CType, type JsonSchema } from '../lang/checker.js';
import { EvaluationError, PolicyError, SourceText, toEvaluationError, type Issue } from '../lang/errors.js';
import { ParseError } from '../lang/parse-error.js';
import { parse } from '../lang/parser.js';
import type { Registry } from '../lang/registry.js';
import { compileNode, newFrame, type CompileContext, type Purity } from './compile.js';
import type { Evaluator } from './frame.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { meter } from '../util/meter.js';

export interface SourceResult {
  ast?: Expr;
  ev?: Evaluator;
  /** Set when the expression is a constant. */
  konst?: { value: unknown };
  type?: CType;
  issues: CheckIssue[];
}

export interface SourceOptions extends Omit<CompileContext, 'issues'> {
  variables?: Map<string, CType>;
  inputSchema?: JsonSchema;
  strictVariables?: boolean;
  limits?: Limits;
}

export function compileSource(text: string, opts: SourceOptions): SourceResult {
  meter.scanned += text.length;
  const limits = opts.limits ?? DEFAULT_LIMITS;
  let ast: Expr;
  try {
    ast = parse(text, { maxDepth: limits.maxExpressionDepth, maxLength: limits.maxExpressionLength });
  } catch (e) {
    if (e instanceof ParseError) return { issues: [{ code: e.code, message: e.message, pos: e.pos }] };
    if (e instanceof RangeError) return { issues: [{ code: 'limit_exceeded', message: 'expression nests too deeply', pos: 0 }] };
    throw e;
  }
  const nodes = countNodes(ast);
  if (nodes > limits.maxAstNodes) {
    return {
      issues: [
        {
          code: 'limit_exceeded',
          message: `expression has ${nodes} nodes, more than the limit of ${limits.maxAstNodes}`,
          pos: 0,
          hint: 'split it into `let` values or raise `limits.maxAstNodes`',
        },
      ],
    };
  }
  const env: CheckEnv = { registry: opts.registry };
  if (opts.variables) env.variables = opts.variables;
  if (opts.inputSchema) env.inputSchema = opts.inputSchema;
  if (opts.strictVariables) env.strictVariables = true;
  const issues: CheckIssue[] = [];
  let checked: ReturnType<typeof check>;
  let node: ReturnType<typeof compileNode>;
  try {
    checked = check(ast, env);
    if (checked.issues.length > 0) return { issues: checked.issues };
    node = compileNode(checked.expr, { ...opts, issues });
  } catch (e) {
    // Only a host that raised limits.maxExpressionDepth far past the default gets here.
    if (e instanceof RangeError)
      return {
        issues: [
          { code: 'limit_exceeded', message: 'expression nests too deeply to check', pos: 0, hint: 'lower `limits.maxExpressionDepth`' },
        ],
      };
    throw e;
  }
  if (issues.length) return { issues };
  const out: SourceResult = { ast: checked.expr, ev: node.ev, type: checked.type, issues };
  if (node.konst) out.konst = node.konst;
  return out;
}

export interface ExpressionOptions {
  registry: Registry;
  /** JSON Schema of the bindings object: unknown variables and fields become errors. */
  inputSchema?: JsonSchema;
  /** Milliseconds since the epoch, for `now`. Default: Date.now. */
  clock?: () => number;
  /** Read by rate and budget functions (a StateStore; see src/decide/state.ts). */
  state?: unknown;
  limits?: Partial<Limits>;
}

export interface CompiledExpression {
  readonly source: string;
  /** What evaluating the expression reads besides its bindings. */
  readonly purity: Readonly<Purity>;
  /** The value, or throws EvaluationError (with `code` and `offset` into the source). */
  evaluate(bindings?: Record<string, unknown>): unknown;
}

export function compileExpression(source: string, options: ExpressionOptions): CompiledExpression {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const purity: Purity = { clock: false, state: false };
  const varSlots = { n: 0 };
  const r = compileSource(source, { registry: options.registry, inputSchema: options.inputSchema, limits, purity, varSlots });
  if (!r.ev) {
    const st = new SourceText(source);
    const issues: Issue[] = r.issues
      .map((i) => ({ ...i, pos: undefined, offset: i.pos, ...st.position(i.pos) }))
      .map(({ pos: _p, ...rest }) => rest as Issue);
    throw new PolicyError(issues, new Map([[undefined, source]]));
  }
  const ev = r.ev;
  const clock = options.clock ?? Date.now;
  const host = { state: options.state, clock, reads: undefined };
  return {
    source,
    purity,
    evaluate(bindings = {}) {
      const input = bindings !== null && typeof bindings === 'object' ? bindings : {};
      try {
        return ev(newFrame(input, 0, varSlots.n, limits.maxSteps, clock, host));
      } catch (e) {
        if (e instanceof EvaluationError) throw e;
        throw toEvaluationError(e);
      }
    },
  };
}
