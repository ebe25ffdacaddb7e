// Message templates: "Model {{ request.model }} is not allowed" -> literal strings and expressions.
//
// No escaping: every `{{` opens an expression and the first `}}` after it closes it (so an
// expression cannot contain `}}`; write `} }` inside a map literal). A `}}` outside an expression
// is literal text.

import type { ExprSource, TemplateSource } from './types.js';

export interface TemplateProblem {
  message: string;
  /** File offset. */
  offset: number;
  length: number;
  hint?: string;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Splits a message into parts; problems carry file offsets. */
export function parseTemplate(source: ExprSource): { template: TemplateSource; problems: TemplateProblem[] } {
  const { text, offsets } = source;
  const parts: (string | ExprSource)[] = [];
  const problems: TemplateProblem[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, open);
    const close = text.indexOf('}}', open + 2);
    if (close < 0) {
      problems.push({
        message: 'unclosed `{{` in message',
        offset: offsets[open]!,
        length: Math.max(1, offsets[open + 1]! + 1 - offsets[open]!),
        hint: 'close the expression with `}}`',
      });
      break;
    }
    let a = open + 2;
    let b = close;
    while (a < b && isBlank(text[a])) a++;
    while (b > a && isBlank(text[b - 1])) b--;
    if (a === b) {
      problems.push({
        message: 'empty `{{ }}` in message',
        offset: offsets[open]!,
        length: Math.max(1, offsets[close + 1]! + 1 - offsets[open]!),
        hint: 'put an expression inside the braces, e.g. `{{ request.model }}`',
      });
    } else {
      if (literal !== '') parts.push(literal);
      literal = '';
      const expr: ExprSource = { text: text.slice(a, b), offsets: offsets.slice(a, b + 1) };
      if (source.file !== undefined) expr.file = source.file;
      parts.push(expr);
    }
    i = close + 2;
  }
  if (literal !== '') parts.push(literal);
  return { template: { parts }, problems };
}
