// The accuracy goal of injection.found on the labelled set in test/fixtures/injection/
// (written by the project; `npm run accuracy:injection` prints the full table): recall >= 0.9
// at a false-positive rate <= 2%, at the default threshold, on the tuning part, on the held-out
// part and on the whole set. The prompts written after the rules were frozen ("fresh3") measure
// how the heuristics do on phrasing they were not built from: they miss that goal (about 65%
// recall, docs/injection.md), so for them the test only guards against getting worse.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { analyzeRules as analyze, DEFAULT_THRESHOLD, FAMILIES } from '../../builtins/llm/injection/index.js';

interface Row {
  id: string;
  label: 'attack' | 'benign';
  family?: string;
  topic?: string;
  obfuscation?: string;
  split: 'train' | 'heldout' | 'fresh1' | 'fresh2' | 'fresh3';
  text: string;
}

const read = (name: string): Row[] =>
  readFileSync(new URL(`../fixtures/injection/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);

const attacks = read('attacks.jsonl');
const benign = read('benign.jsonl');
const flagged = (r: Row) => analyze(r.text).score >= DEFAULT_THRESHOLD;

function rates(split?: Row['split']) {
  const a = attacks.filter((r) => !split || r.split === split);
  const b = benign.filter((r) => !split || r.split === split);
  return { recall: a.filter(flagged).length / a.length, fpr: b.filter(flagged).length / b.length, attacks: a.length, benign: b.length };
}

describe('labelled set', () => {
  test('size and coverage', () => {
    expect(attacks.length).toBeGreaterThanOrEqual(150);
    expect(benign.length).toBeGreaterThanOrEqual(300);
    for (const f of FAMILIES) expect(attacks.filter((r) => r.family === f).length).toBeGreaterThanOrEqual(15);
    const tricks = new Set(attacks.map((r) => r.obfuscation).filter(Boolean));
    for (const t of ['leetspeak', 'homoglyph', 'zero_width', 'base64', 'split_words', 'casing']) expect(tricks.has(t)).toBe(true);
    // Most benign prompts are the risky-looking kind, not plain chit-chat.
    expect(benign.filter((r) => r.topic !== 'plain').length).toBeGreaterThan(benign.length / 2);
    const ids = [...attacks, ...benign].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(rates('heldout').attacks).toBeGreaterThanOrEqual(40);
    expect(rates('heldout').benign).toBeGreaterThanOrEqual(90);
  });

  for (const split of ['train', 'heldout', undefined] as const) {
    test(`recall >= 0.9 at FPR <= 2% (${split ?? 'all'})`, () => {
      const r = rates(split);
      expect(r.recall).toBeGreaterThanOrEqual(0.9);
      expect(r.fpr).toBeLessThanOrEqual(0.02);
    });
  }

  test('phrasing never tuned on (fresh3): no worse than when it was first scored', () => {
    const r = rates('fresh3');
    expect(r.attacks).toBeGreaterThanOrEqual(30);
    expect(r.recall).toBeGreaterThanOrEqual(0.6);
    expect(r.fpr).toBeLessThanOrEqual(0.05);
  });

  test('every family is caught at least 80% of the time', () => {
    for (const f of FAMILIES) {
      const a = attacks.filter((r) => r.family === f);
      expect(a.filter(flagged).length / a.length, f).toBeGreaterThanOrEqual(0.8);
    }
  });
});
