// The raw policy model: what a policy document says, with exact source positions, before any
// expression is parsed. Produced by parsePolicyText (./parse.ts).

import type { SourceText } from '../lang/errors.js';

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
  /** The text the rule was written in when it is not the policy's own (an extension's rule). */
  source?: SourceText;
}

export interface RawLet {
  name: string;
  expr: ExprSource;
  /** File offset of the name (the key). */
  offset: number;
  /** Declared under `conditions`: a boolean let. */
  condition?: boolean;
  /**
   * The text the let was written in, when it is not the policy's own (a let imported from a
   * library): issues about it point into that text. Set by compose.ts.
   */
  source?: SourceText;
}

/** A name a document refers to (an `imports` entry, `extends`), where it is written. */
export interface RawRef {
  name: string;
  offset: number;
  length: number;
}

/** `Policy`: rules that decide. `Library`: lets and named conditions that policies import. */
export type DocumentKind = 'Policy' | 'Library';

export interface RawPolicy {
  kind: DocumentKind;
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
  /** In document order: `let` entries, then `conditions` entries. */
  lets: RawLet[];
  rules: RawRule[];
  /** `spec.imports`: libraries whose lets and conditions this document uses. */
  imports: RawRef[];
  /** `spec.extends`: the policy this one adds rules to. */
  extends?: RawRef;
  /** Which of `target`, `combining`, `default` and `onError` the document sets, and where: an extension may not. */
  settings: RawRef[];
  file?: string;
  /** File offset of the document's content (its first key). */
  offset: number;
  /** 0-based index of the document in the file's YAML stream. */
  docIndex: number;
}
