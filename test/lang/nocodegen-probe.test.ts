import { expect, test } from 'vitest';

// Under `npm run test:nocodegen` this proves the flag is really active in the workers.
test.runIf(process.execArgv.includes('--disallow-code-generation-from-strings'))('code generation from strings is refused', () => {
  expect(() => new Function('return 1')).toThrow(/Code generation from strings disallowed/);
});
