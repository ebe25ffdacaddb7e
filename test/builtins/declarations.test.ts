// Every builtin declaration is complete and well-typed. Its examples run through
// the real engine in examples.test.ts.

import { describe, expect, test } from 'vitest';
import { builtinLibrary } from '../../builtins/index.js';
import { Registry } from '../../src/lang/registry.js';

const KIND = '(?:int|uint|double|bool|string|bytes|null_type|timestamp|duration|type|dyn|[A-Z])';
const OPTIONAL = `optional\\(${KIND}\\)`;
const TYPE_NAME = new RegExp(`^(${KIND}|list|map|list\\(${KIND}\\)|map\\(${KIND}, ${KIND}\\)|${OPTIONAL}|list\\(${OPTIONAL}\\))$`);

describe('declarations', () => {
  test('names are unique and the registry accepts them', () => {
    const names = builtinLibrary.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(() => new Registry(builtinLibrary)).not.toThrow();
  });

  test('overload ids are unique across the library', () => {
    const ids = builtinLibrary.flatMap((d) => d.overloads.map((o) => o.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const d of builtinLibrary) {
    test(`${d.name} is documented and well-typed`, () => {
      expect(d.category).toMatch(/^[a-z]+$/);
      expect(d.description.length).toBeGreaterThan(10);
      expect(d.description).not.toMatch(/\n/);
      expect(d.description).not.toMatch(/\.$/);
      expect(['pure', 'clock', 'state']).toContain(d.purity);
      expect(d.examples?.length ?? 0).toBeGreaterThanOrEqual(2);
      expect(d.overloads.length).toBeGreaterThan(0);
      for (const o of d.overloads) {
        expect(o.id).toMatch(/^[a-z0-9_]+$/);
        expect(typeof o.impl).toBe('function');
        if (o.receiver !== undefined) expect(o.receiver).toMatch(TYPE_NAME);
        for (const p of o.params) expect(p).toMatch(TYPE_NAME);
        expect(o.result).toMatch(TYPE_NAME);
      }
      // No two overloads of one call style take the same argument kinds.
      const sigs = d.overloads.map((o) => `${o.receiver ?? '-'}(${o.params.join(',')})`);
      expect(new Set(sigs).size).toBe(sigs.length);
    });
  }
});
