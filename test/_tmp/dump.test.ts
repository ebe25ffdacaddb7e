import { test } from 'vitest';
import { readFileSync } from 'node:fs';
import { Registry } from '../../src/lang/registry.js';
import { builtinLibrary } from '../../builtins/index.js';
import { parsePolicyText } from '../../src/policy/parse.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { DEFAULT_LIMITS } from '../../src/compile/limits.js';
import { generateRevision } from '../../src/decide/codegen.js';

test('dump', () => {
  const text = readFileSync(process.env.POLICY ?? 'bench/policies/gate.yaml', 'utf8');
  const { policies } = parsePolicyText(text, 'p.yaml');
  const notes = new Map();
  const env = { registry: new Registry(builtinLibrary), limits: DEFAULT_LIMITS, letEvals: [], varSlots: { n: 0 }, notes };
  const issues: never[] = [];
  const compiled = policies.map((p) => compilePolicy(p, text, env, issues)!);
  console.log(generateRevision(compiled, notes).body);
});
