// Precision and recall of the PII detector on the labelled corpus in test/fixtures/pii/.
//
//   npm run accuracy:pii            prints the table (and every miss with --verbose)
//
// A finding counts as a true positive when a labelled span has the same type and exactly the
// same offsets (a finding that covers only part of a number would leak the rest when
// redacted); the "overlap" columns also accept a same-type finding that overlaps the label.
// Texts in the negative group carry no labels: every finding in them is a false positive.
// test/llm/pii-accuracy.test.ts fails when an entity with a checksum or a fixed format falls
// under the goal.

import { readFileSync } from 'node:fs';
import { detectPii, PII_TYPES, type PiiFinding } from '../builtins/llm/pii/index.js';

export interface Labelled {
  id: string;
  group: 'positive' | 'negative';
  text: string;
  spans: { type: string; start: number; end: number }[];
}

export interface EntityAccuracy {
  type: string;
  /** Labelled spans of the type. */
  labels: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  overlapPrecision: number;
  overlapRecall: number;
  /** Whether the entity has a checksum or a fixed format, so the goal applies. */
  goal: boolean;
}

/** Entities with a checksum or a fixed format: precision and recall must reach GOAL. */
export const GOAL_ENTITIES: readonly string[] = [
  'email',
  'us_ssn',
  'credit_card',
  'iban',
  'ip_address',
  'aws_access_key',
  'api_key',
  'jwt',
  'private_key',
];
export const GOAL = 0.95;

export function loadCorpus(): Labelled[] {
  const file = new URL('../test/fixtures/pii/corpus.jsonl', import.meta.url);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Labelled);
}

export interface Report {
  rows: EntityAccuracy[];
  texts: number;
  negatives: number;
  /** One line per false positive and false negative. */
  misses: string[];
}

export function measure(corpus: Labelled[] = loadCorpus(), detect: (t: string) => readonly PiiFinding[] = detectPii): Report {
  const tally = new Map<string, { labels: number; tp: number; fp: number; fn: number; otp: number; ofp: number; ofn: number }>();
  const row = (t: string) => {
    let r = tally.get(t);
    if (r === undefined) tally.set(t, (r = { labels: 0, tp: 0, fp: 0, fn: 0, otp: 0, ofp: 0, ofn: 0 }));
    return r;
  };
  for (const t of PII_TYPES) row(t);
  const misses: string[] = [];
  const show = (s: string) => JSON.stringify(s.length > 70 ? `${s.slice(0, 67)}...` : s);
  for (const doc of corpus) {
    const found = detect(doc.text);
    const exact = new Set<number>();
    const overlap = new Set<number>();
    for (const s of doc.spans) row(s.type).labels++;
    for (const f of found) {
      const e = doc.spans.findIndex((s, i) => !exact.has(i) && s.type === f.type && s.start === f.start && s.end === f.end);
      if (e >= 0) {
        exact.add(e);
        row(f.type).tp++;
      } else {
        row(f.type).fp++;
        misses.push(`FP ${doc.id} ${f.type}${f.kind ? `/${f.kind}` : ''} ${show(f.text)} (score ${f.score}) in ${show(doc.text)}`);
      }
      const o = doc.spans.findIndex((s, i) => !overlap.has(i) && s.type === f.type && s.start < f.end && f.start < s.end);
      if (o >= 0) {
        overlap.add(o);
        row(f.type).otp++;
      } else row(f.type).ofp++;
    }
    doc.spans.forEach((s, i) => {
      if (!exact.has(i)) {
        row(s.type).fn++;
        misses.push(`FN ${doc.id} ${s.type} ${show(doc.text.slice(s.start, s.end))} in ${show(doc.text)}`);
      }
      if (!overlap.has(i)) row(s.type).ofn++;
    });
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  const rows = [...tally].map(([type, r]) => ({
    type,
    labels: r.labels,
    tp: r.tp,
    fp: r.fp,
    fn: r.fn,
    precision: ratio(r.tp, r.tp + r.fp),
    recall: ratio(r.tp, r.tp + r.fn),
    overlapPrecision: ratio(r.otp, r.otp + r.ofp),
    overlapRecall: ratio(r.otp, r.otp + r.ofn),
    goal: GOAL_ENTITIES.includes(type),
  }));
  return { rows, texts: corpus.length, negatives: corpus.filter((d) => d.group === 'negative').length, misses };
}

/** The report as a Markdown table (docs/pii.md shows the same). */
export function renderReport(r: Report): string {
  const f = (x: number) => x.toFixed(3);
  const lines = [
    `${r.texts} texts (${r.texts - r.negatives} with labelled entities, ${r.negatives} hard negatives); exact span match`,
    '',
    '| entity | labels | TP | FP | FN | precision | recall | overlap P | overlap R | goal |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const x of r.rows) {
    const met = x.precision >= GOAL && x.recall >= GOAL;
    lines.push(
      `| ${x.type} | ${x.labels} | ${x.tp} | ${x.fp} | ${x.fn} | ${f(x.precision)} | ${f(x.recall)} | ${f(x.overlapPrecision)} | ${f(x.overlapRecall)} | ${x.goal ? (met ? `>= ${GOAL} met` : `>= ${GOAL} MISSED`) : 'context-based, no goal'} |`,
    );
  }
  const all = r.rows.reduce((a, x) => ({ tp: a.tp + x.tp, fp: a.fp + x.fp, fn: a.fn + x.fn }), { tp: 0, fp: 0, fn: 0 });
  lines.push(
    `| **all** | ${all.tp + all.fn} | ${all.tp} | ${all.fp} | ${all.fn} | ${f(all.tp / (all.tp + all.fp))} | ${f(all.tp / (all.tp + all.fn))} | | | |`,
  );
  return lines.join('\n');
}

/** Run as a script (scripts/pii-accuracy.mjs): print, exit 1 when a goal is missed. */
export function main(argv: string[]): number {
  const r = measure();
  console.log(renderReport(r));
  if (argv.includes('--verbose')) {
    console.log('');
    for (const m of r.misses) console.log(m);
  } else if (r.misses.length > 0) {
    console.log(`\n${r.misses.length} misses; --verbose lists them`);
  }
  const missed = r.rows.filter((x) => x.goal && (x.precision < GOAL || x.recall < GOAL));
  return missed.length === 0 ? 0 : 1;
}
