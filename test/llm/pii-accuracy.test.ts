// The accuracy goal, as a test: precision and recall >= 0.95 on the labelled corpus for every
// entity with a checksum or a fixed format (scripts/pii-accuracy.ts; figures in docs/pii.md).
import { describe, expect, test } from 'vitest';
import { clearPiiCache, scanPii } from '../../builtins/llm/pii/index.js';
import { getRegexEngine, setRegexEngine } from '../../builtins/regex/index.js';
import { GOAL, GOAL_ENTITIES, loadCorpus, measure } from '../../scripts/pii-accuracy.js';
import { loadNativeRe2 } from '../../src/adapters/regex/re2.js';

const corpus = loadCorpus();
const report = measure(corpus);

describe('PII corpus', () => {
  test('is big enough: 30+ labelled spans per goal entity, 150+ hard negatives', () => {
    for (const type of GOAL_ENTITIES) expect(report.rows.find((r) => r.type === type)!.labels, type).toBeGreaterThanOrEqual(30);
    expect(report.negatives).toBeGreaterThanOrEqual(150);
  });

  test('labels are consistent with the texts', () => {
    for (const doc of corpus) {
      for (const s of doc.spans) {
        expect(s.start, doc.id).toBeGreaterThanOrEqual(0);
        expect(s.end, doc.id).toBeLessThanOrEqual(doc.text.length);
        expect(s.end, doc.id).toBeGreaterThan(s.start);
      }
      if (doc.group === 'negative') expect(doc.spans, doc.id).toEqual([]);
    }
  });
});

test('nothing at all is found in the hard negatives (any type, goal or not)', () => {
  const found = report.misses.filter((m) => m.startsWith('FP ') && corpus.find((d) => d.id === m.split(' ')[1])?.group === 'negative');
  expect(found).toEqual([]);
});

describe(`PII accuracy (goal ${GOAL})`, () => {
  for (const row of report.rows.filter((r) => r.goal)) {
    test(`${row.type}: precision and recall`, () => {
      const misses = report.misses.filter((m) => m.split(' ')[2]?.split('/')[0] === row.type);
      expect({ precision: row.precision >= GOAL, recall: row.recall >= GOAL, misses }).toEqual({
        precision: true,
        recall: true,
        misses: expect.any(Array),
      });
    });
  }
});

const native = loadNativeRe2().engine;

test.skipIf(native === undefined)('the native RE2 engine finds exactly what re2js finds', () => {
  const before = getRegexEngine();
  const withDefault = corpus.map((d) => scanPii(d.text));
  try {
    setRegexEngine(native!);
    clearPiiCache();
    expect(corpus.map((d) => scanPii(d.text))).toEqual(withDefault);
  } finally {
    setRegexEngine(before);
    clearPiiCache();
  }
});
