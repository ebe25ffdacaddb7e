#!/usr/bin/env node
// Recall and false-positive rate of injection.found at the default threshold on the labelled set
// in test/fixtures/injection/, per family and per obfuscation trick, for each part of the set:
// train (~70% of the first set, tuned on), held-out (the other ~30%), fresh1 (written after the
// rules were frozen, scored once, then tuned on), fresh2 (written after that, scored once, then a
// general change was made knowing it) and fresh3 (written after the last change, never tuned).
// Usage:
//   npm run accuracy:injection                   figures
//   npm run accuracy:injection -- --errors       also list the misclassified tuning prompts (train, fresh1)
//   npm run accuracy:injection -- --errors=all   ... and the held-out ones
//   npm run accuracy:injection -- --threshold=0.6
//   npm run accuracy:injection -- --time         also time the analysis of 2 KB prompts
// The detector is TypeScript; esbuild (a dev dependency) bundles it to a temporary file first.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url);
const args = process.argv.slice(2);
const errors = args.find((a) => a.startsWith('--errors'));
const thresholdArg = args.find((a) => a.startsWith('--threshold='));
const time = args.includes('--time');

const dir = mkdtempSync(join(tmpdir(), 'injection-accuracy-'));
const outfile = join(dir, 'detect.mjs');
try {
  await build({
    entryPoints: [new URL('builtins/llm/injection/detect.ts', root).pathname],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    outfile,
    logLevel: 'error',
  });
  const { analyze, analyzeCached, clearInjectionCache, DEFAULT_THRESHOLD } = await import(pathToFileURL(outfile).href);
  const threshold = thresholdArg ? Number(thresholdArg.split('=')[1]) : DEFAULT_THRESHOLD;
  const read = (name) =>
    readFileSync(new URL(`test/fixtures/injection/${name}`, root), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const rows = [...read('attacks.jsonl'), ...read('benign.jsonl')];
  for (const r of rows) r.score = analyze(r.text).score;

  const pct = (a, b) => (b === 0 ? '   -  ' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
  const line = (label, list) => {
    const attacks = list.filter((r) => r.label === 'attack');
    const benign = list.filter((r) => r.label === 'benign');
    const tp = attacks.filter((r) => r.score >= threshold).length;
    const fp = benign.filter((r) => r.score >= threshold).length;
    return (
      `${label.padEnd(28)} recall ${pct(tp, attacks.length)} (${String(tp).padStart(3)}/${String(attacks.length).padStart(3)})` +
      (benign.length ? `   FPR ${pct(fp, benign.length)} (${String(fp).padStart(3)}/${String(benign.length).padStart(3)})` : '')
    );
  };

  console.log(
    `injection.found at threshold ${threshold}: ${rows.filter((r) => r.label === 'attack').length} attacks, ${rows.filter((r) => r.label === 'benign').length} benign prompts\n`,
  );
  const labels = {
    train: 'train (tuned on)',
    heldout: 'held-out',
    fresh1: 'fresh1 (tuned on later)',
    fresh2: 'fresh2 (seen)',
    fresh3: 'fresh3 (never tuned)',
    all: 'all',
  };
  for (const split of Object.keys(labels)) {
    const sub = split === 'all' ? rows : rows.filter((r) => r.split === split);
    console.log(line(labels[split], sub));
  }
  console.log('\nby attack family (all):');
  for (const fam of [...new Set(rows.filter((r) => r.family).map((r) => r.family))]) {
    const sub = rows.filter((r) => r.family === fam);
    const of = (split) =>
      pct(sub.filter((r) => r.split === split && r.score >= threshold).length, sub.filter((r) => r.split === split).length);
    console.log('  ' + line(fam, sub).trimEnd() + `   train ${of('train')}  held-out ${of('heldout')}  fresh3 ${of('fresh3')}`);
  }
  console.log('\nby obfuscation trick (all):');
  for (const ob of [...new Set(rows.filter((r) => r.obfuscation).map((r) => r.obfuscation))]) {
    console.log(
      '  ' +
        line(
          ob,
          rows.filter((r) => r.obfuscation === ob),
        ),
    );
  }
  console.log('\nbenign by topic (all):');
  for (const topic of [...new Set(rows.filter((r) => r.topic).map((r) => r.topic))]) {
    const sub = rows.filter((r) => r.topic === topic);
    const fp = sub.filter((r) => r.score >= threshold).length;
    console.log(`  ${topic.padEnd(26)} FPR ${pct(fp, sub.length)} (${fp}/${sub.length})`);
  }
  if (time) {
    // 2 KB prompts made by joining prompts of the set; CPU time of the best of 9 rounds.
    const join = (src, seed) => {
      const out = [];
      let k = seed;
      for (let n = 0; n < 64; n++) {
        let s = '';
        while (s.length < 2048) s += src[(k = (k * 7 + 13) % src.length)].text + '\n';
        out.push(s.slice(0, 2048));
      }
      return out;
    };
    const benignRows = rows.filter((r) => r.label === 'benign');
    const attackRows = rows.filter((r) => r.label === 'attack');
    console.log('\ntime per 2 KB prompt (CPU, best of 9 rounds of 4 x 64 prompts):');
    for (const [name, texts] of [
      ['benign prompts', join(benignRows, 1)],
      ['attack prompts', join(attackRows, 2)],
      [
        'plain prose',
        join(
          benignRows.filter((r) => r.topic === 'plain'),
          3,
        ),
      ],
    ]) {
      for (const t of texts) analyze(t);
      let best = Infinity;
      for (let r = 0; r < 9; r++) {
        const st = process.cpuUsage();
        for (let k = 0; k < 4; k++) for (const t of texts) analyze(t);
        best = Math.min(best, process.cpuUsage(st).user / (4 * texts.length));
      }
      clearInjectionCache();
      for (const t of texts) analyzeCached(t);
      const st = process.hrtime.bigint();
      for (let k = 0; k < 100; k++) for (const t of texts) analyzeCached(t);
      const hit = Number(process.hrtime.bigint() - st) / 1000 / (100 * texts.length);
      console.log(`  ${name.padEnd(16)} ${best.toFixed(1).padStart(6)} us   (memo hit ${hit.toFixed(2)} us)`);
    }
  }
  if (errors) {
    const which = errors === '--errors=all' ? rows : rows.filter((r) => r.split === 'train' || r.split === 'fresh1');
    console.log(`\nmisclassified (${errors === '--errors=all' ? 'all' : 'tuning prompts only'}):`);
    for (const r of which) {
      const wrong = r.label === 'attack' ? r.score < threshold : r.score >= threshold;
      if (wrong)
        console.log(
          `  ${r.label === 'attack' ? 'MISS' : 'FP  '} ${r.score.toFixed(3)} ${r.id} [${r.split}] ${JSON.stringify(r.text).slice(0, 150)}`,
        );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
