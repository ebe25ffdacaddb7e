// Strings for escaping tests: what breaks a code generator that pastes text into source.
import fc from 'fast-check';

/** Strings made of the characters that break naive escaping, and anything else. */
export const hostileString = fc.oneof(
  fc.string({
    unit: fc.constantFrom('"', "'", '`', '\\', '$', '{', '}', '*', '/', '\n', '\r', '\u2028', '\u2029', '\ud800', '\udfff', '<', 'a', ' '),
  }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    // biome-ignore lint/suspicious/noTemplateCurlyInString: text that would run if it reached a template literal
    '${globalThis.pwned = 1}',
    '*/ globalThis.pwned = 1; /*',
    '"); globalThis.pwned = 1; ("',
    '</script>',
    '\u2028globalThis.pwned = 1',
  ),
);
