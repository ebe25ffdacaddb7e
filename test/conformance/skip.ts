// Conformance tests we do not run, each with the reason. Patterns are `file/section/test`;
// `*` matches any run of characters. docs/conformance.md groups these reasons.
//
// Only three kinds of reason are acceptable here: the test needs protobuf messages (which the
// engine has no use for: its input is JSON), it needs a proto2/proto3 feature (wrappers,
// enums, containers), or it exercises a feature the language deliberately leaves out.
// A test that fails for any other reason is a bug to fix, not a skip.

export type SkipCategory = 'protobuf' | 'unchecked' | 'container';

export interface Skip {
  pattern: string;
  category: SkipCategory;
  reason: string;
}

const PROTO =
  'builds protobuf messages or wrapper types (`TestAllTypes{...}`, `google.protobuf.Int32Value{...}`): the engine has no message types, its input is JSON';
const UNCHECKED =
  'needs type checking turned off (`disable_check`): our checker always runs, and an unknown function or a non-bool `&&`/`||` operand is a load error by design';
const CONTAINER =
  'resolves a name inside a container (a protobuf package namespace): expressions have no container, names are resolved as written';

const proto = (pattern: string, detail = ''): Skip => ({ pattern, category: 'protobuf', reason: PROTO + detail });
const unchecked = (pattern: string, detail = ''): Skip => ({ pattern, category: 'unchecked', reason: UNCHECKED + detail });
const container = (pattern: string): Skip => ({ pattern, category: 'container', reason: CONTAINER });

export const SKIPS: Skip[] = [
  proto('comparisons/eq_literal/eq_dyn_json_null'),
  proto('comparisons/eq_literal/not_eq_dyn_proto*_msg_null'),
  proto('comparisons/eq_wrapper/*'),
  proto('comparisons/ne_literal/ne_proto*'),
  proto('parse/nest/message_literal'),
  proto('parse/repeat/select'),
  proto('parse/repeat/message_literal'),
  proto('parse/struct_field_names/*'),
  proto('parse/whitespace/*', ' (whitespace between every token of a message literal)'),
  proto('parse/comments/new_line_terminated', ' (a comment after every token of a message literal)'),
  proto('optionals/optionals/*struct*', ' (optional fields of a `TestAllTypes` message: `TestAllTypes{?field: x}`, `msg.?field`)'),

  unchecked('basic/functions/unbound_is_runtime_error'),
  unchecked('logic/AND/short_circuit_type_*'),
  unchecked('logic/OR/short_circuit_type_*'),
  unchecked('parse/receiver_function_names/*', ' (`a.as()` calls an undeclared function)'),

  container('namespace/namespace/self_eval_container_lookup*'),
];

const compiled = SKIPS.map((s) => ({
  ...s,
  re: new RegExp(
    `^${s.pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ),
  used: 0,
}));

/** The skip entry of a test, or undefined when it runs. */
export function skipOf(id: string): Skip | undefined {
  for (const s of compiled) {
    if (s.re.test(id)) {
      s.used++;
      return s;
    }
  }
  return undefined;
}

/** Patterns that matched no test (stale entries). */
export function unusedSkips(): string[] {
  return compiled.filter((s) => s.used === 0).map((s) => s.pattern);
}
