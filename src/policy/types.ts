// The raw policy model: what a policy document says, with exact source positions, before any
// expression is parsed. Produced by parsePolicyText (./parse.ts).

/** One expression as written in a policy file. */
export interface ExprSource {
  /** The expression string exactly as YAML/JSON produced it (quotes removed, escapes decoded). */
  text: string;
  file?: string;
  /**
   * offsets[i] = offset in the FILE text of the character that produced text[i] (for an escape
   * sequence, its backslash); offsets.length === text.length + 1 and the last entry is the end.
   */
  offsets: number[];
}

/**
 * A `message`, split into literal strings and `{{ expr }}` expressions (whitespace inside the braces
 * trimmed). There is no escaping: the first `}}` after a `{{` closes it.
 */
export interface TemplateSource {
  parts: (string | ExprSource)[];
}

export type RuleEffect = 'allow' | 'deny' | 'warn';
export type CombiningAlgorithm = 'deny-overrides' | 'first-match' | 'priority';
export type DefaultEffect = 'allow' | 'deny';
export type OnError = 'deny' | 'skip' | 'warn';
/** `shadow`: evaluated and reported, never deciding (docs/lifecycle.md). */
export type PolicyMode = 'enforce' | 'shadow';

export interface RawRule {
  id: string;
  description?: string;
  /** Absent: the rule always applies. A YAML boolean `when: true` becomes the expression `true`. */
  when?: ExprSource;
  effect: RuleEffect;
  message?: TemplateSource;
  /** Plain data (fresh plain objects and arrays), one key per obligation. */
  obligations: Record<string, unknown>[];
  /** Default 0. */
  priority: number;
  labels?: Record<string, string>;
  /** File offset of the rule's `id` value, for issues about the rule. */
  offset: number;
}

export interface RawLet {
  name: string;
  expr: ExprSource;
  /** File offset of the name (the key). */
  offset: number;
}

export interface RawPolicy {
  name: string;
  /** Default `default`. */
  namespace: string;
  version?: string;
  description?: string;
  labels: Record<string, string>;
  target?: ExprSource;
  combining: CombiningAlgorithm;
  default: DefaultEffect;
  onError: OnError;
  /** Absent: `enforce`. */
  mode?: PolicyMode;
  /** In document order. */
  lets: RawLet[];
  rules: RawRule[];
  file?: string;
  /** File offset of the document's content (its first key). */
  offset: number;
  /** 0-based index of the document in the file's YAML stream. */
  docIndex: number;
}
