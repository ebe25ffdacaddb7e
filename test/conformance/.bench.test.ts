import { test } from 'vitest';
import { compileExpression } from '../../src/compile/expression.js';
import { Registry } from '../../src/lang/registry.js';
test('bench', () => {
  const registry = new Registry();
  const run = (src: string, input: Record<string, unknown>) => {
    const e = compileExpression(src, { registry });
    for (let i = 0; i < 2e5; i++) e.evaluate(input);
    let best = Infinity;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      const N = 1e6;
      for (let i = 0; i < N; i++) e.evaluate(input);
      best = Math.min(best, ((performance.now() - t0) * 1e6) / N);
    }
    return best;
  };
  for (const [src, input] of [
    ['x * y + z < w', { x: 3, y: 4, z: 5, w: 100 }],
    ['x * y + z < w', { x: 3n, y: 4n, z: 5n, w: 100n }],
    ['x * 4 + 5 < 100', { x: 3 }],
    ['x * 4 + 5 < 100', { x: 3n }],
    ['x * 4.0 + 5.0 < 100.0', { x: 3 }],
  ] as const) console.log('BENCH', src.padEnd(22), JSON.stringify(input, (_, v) => typeof v === 'bigint' ? `${v}n` : v).padEnd(36), run(src, input as never).toFixed(1), 'ns');
});
