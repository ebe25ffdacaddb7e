// The policy document loader: YAML/JSON text -> raw policy model with exact source positions.
export { parsePolicyText } from './parse.js';
export { parseTemplate } from './template.js';
export type {
  CombiningAlgorithm,
  DefaultEffect,
  ExprSource,
  OnError,
  RawLet,
  RawPolicy,
  RawRule,
  RuleEffect,
  TemplateSource,
} from './types.js';
