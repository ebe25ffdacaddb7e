// Conformance tests we do not run, each with the reason. Patterns are `file/section/test`;
// `*` matches any run of characters. docs/conformance.md groups these reasons.
//
// Only three kinds of reason are acceptable here: the test needs protobuf messages (which the
// engine has no use for: its input is JSON), it needs a proto2/proto3 feature (wrappers,
// enums, containers), or it exercises a feature the language deliberately leaves out.
// A test that fails for any other reason is a bug to fix, not a skip.

export interface Skip {
  pattern: string;
  reason: string;
}

const PROTO =
  'builds protobuf messages or wrapper types (`TestAllTypes{...}`, `google.protobuf.Int32Value{...}`): the engine has no message types, its input is JSON';
const UNCHECKED =
  'needs type checking turned off (`disable_check`): our checker always runs, and an unknown function or a non-bool `&&`/`||` operand is a load error by design';
const CONTAINER =
  'resolves a name inside a container (a protobuf package namespace): expressions have no container, names are resolved as written';

export const SKIPS: Skip[] = [
  // protobuf messages
  { pattern: 'comparisons/eq_literal/eq_dyn_json_null', reason: PROTO },
  { pattern: 'comparisons/eq_literal/not_eq_dyn_proto*_msg_null', reason: PROTO },
  { pattern: 'comparisons/eq_wrapper/*', reason: PROTO },
  { pattern: 'comparisons/ne_literal/ne_proto*', reason: PROTO },
  { pattern: 'parse/nest/message_literal', reason: PROTO },
  { pattern: 'parse/repeat/select', reason: PROTO },
  { pattern: 'parse/repeat/message_literal', reason: PROTO },
  { pattern: 'parse/struct_field_names/*', reason: PROTO },
  { pattern: 'parse/whitespace/*', reason: `${PROTO} (whitespace between every token of a message literal)` },
  { pattern: 'parse/comments/new_line_terminated', reason: `${PROTO} (comments between every token of a message literal)` },

  // unchecked evaluation
  { pattern: 'basic/functions/unbound_is_runtime_error', reason: UNCHECKED },
  { pattern: 'logic/AND/short_circuit_type_*', reason: UNCHECKED },
  { pattern: 'logic/OR/short_circuit_type_*', reason: UNCHECKED },
  { pattern: 'parse/receiver_function_names/*', reason: `${UNCHECKED} (\`a.as()\` calls an undeclared function)` },

  // containers
  { pattern: 'namespace/namespace/self_eval_container_lookup*', reason: CONTAINER },
];

const compiled = SKIPS.map((s) => ({
  ...s,
  re: new RegExp(`^${s.pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`),
  used: 0,
}));

/** The reason a test is skipped, or undefined when it runs. */
export function skipReason(id: string): string | undefined {
  for (const s of compiled) {
    if (s.re.test(id)) {
      s.used++;
      return s.reason;
    }
  }
  return undefined;
}

/** Patterns that matched no test (stale entries). */
export function unusedSkips(): string[] {
  return compiled.filter((s) => s.used === 0).map((s) => s.pattern);
}
