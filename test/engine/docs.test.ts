// Every error code is documented in docs/errors.md.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { EVALUATION_ERROR_CODES, ISSUE_CODES } from '../../src/lang/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

test.each([...ISSUE_CODES])('load error `%s` has a row in docs/errors.md', (code) => {
  expect(doc).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'));
});

test.each([...EVALUATION_ERROR_CODES])('evaluation error `%s` is in docs/errors.md', (code) => {
  expect(doc).toMatch(new RegExp(`^\\| [^|]*\`${code}\``, 'm'));
});
