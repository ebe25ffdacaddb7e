#!/usr/bin/env node
// Cross-validated figures of the whole injection scorer on the corpus's train + dev splits, the
// instrument that chose the learned model's hyper-parameters, its calibration prior and how its
// doubt weakens the rules (docs/injection.md, "Accuracy"). The test split is never read.
//   node scripts/injection-cv.mjs                 out-of-fold recall and FPR, per kind
//   PRIOR=0.1 DOUBT_WEIGHT=1 node scripts/...     the same with other settings (below)
//   node scripts/injection-cv.mjs --errors        also list the out-of-fold errors
//
// Train + dev is cut into 5 folds by hash, composed texts by their carrier (a carrier and all
// its texts in one fold); each fold is scored by a model trained, like
// scripts/train-injection-model.mjs trains it, on the other four plus the earlier set's tuning
// parts. The rules' signals are the real ones (detect.ts, bundled with esbuild); the model's
// logit is the one of the whole text (quantized as shipped, no windows); Platt scaling is fitted on all
// the out-of-fold logits with the prior PRIOR; then the model's signal and its doubt are combined
// with the rules as detect.ts combines them (the constants below mirror detect.ts). It also
// prints the best recall whose false-positive rate stays at or under 2% when the calibration is
// shifted, a figure that does not depend on the prior. The rules were written looking at train
// and dev, so their share of these figures is optimistic.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url);
const env = (k, d) => Number(process.env[k] ?? d);
// As in scripts/train-injection-model.mjs.
const EPOCHS = env('EPOCHS', 20);
const LR = env('LR', 0.4);
const L2 = env('L2', 3e-4);
const PRIOR = env('PRIOR', 0.08);
// The weights' quantization, as in scripts/train-injection-model.mjs (QLEVELS=0: float weights).
const QLEVELS = env('QLEVELS', 15);
// As in detect.ts.
const LEARNED_FLOOR = env('LEARNED_FLOOR', 0.3);
const MODEL_DOUBT = env('MODEL_DOUBT', 0.1);
const DOUBT_WEIGHT = env('DOUBT_WEIGHT', 0.84);
const DOUBT_MIN_WORDS = env('DOUBT_MIN_WORDS', 8);
// Not in detect.ts: signals of STRONG or more are not doubted (the fourth round's agreement rule;
// STRONG=0.85 DOUBT_WEIGHT=0.3 PRIOR=0.12 is the variant docs/injection.md reports and did not adopt).
const STRONG = env('STRONG', Number.POSITIVE_INFINITY);
const FAMILY_CAP = 0.95;
const FOLDS = 5;
const T = 0.5;
const WORD = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}]|[^\s\p{P}\p{S}\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}]+/gu;

const dir = mkdtempSync(join(tmpdir(), 'injection-cv-'));
try {
  const entry = join(dir, 'entry.ts');
  const src = (p) => JSON.stringify(new URL(p, root).pathname);
  writeFileSync(
    entry,
    `export * from ${src('builtins/llm/injection/detect.ts')};\nexport { featureBuckets, MIN_NORM, BITS } from ${src('builtins/llm/injection/model.ts')};\n`,
  );
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile: join(dir, 'm.mjs'), logLevel: 'error' });
  const m = await import(pathToFileURL(join(dir, 'm.mjs')).href);
  const read = (p) =>
    readFileSync(new URL(p, root), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const corpus = read('test/fixtures/injection/corpus/corpus.jsonl');
  const { carriers } = await import(new URL('test/fixtures/injection/corpus/carriers.mjs', root).href);
  const older = ['attacks.jsonl', 'benign.jsonl']
    .flatMap((f) => read(`test/fixtures/injection/${f}`))
    .filter((r) => r.split === 'train' || r.split === 'fresh1')
    .map((r) => ({ ...r, channel: 'user', fold: -1 }));
  // train + dev, and the second to fourth fresh slices, dev data since the second, third and fourth
  // rounds (each scored once before).
  const pool = [
    ...corpus.filter((r) => r.split === 'train' || r.split === 'dev'),
    ...read('test/fixtures/injection/corpus/fresh2.jsonl'),
    ...read('test/fixtures/injection/corpus/fresh3.jsonl'),
    ...read('test/fixtures/injection/corpus/fresh4.jsonl'),
  ];
  const fnv = (s) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return h;
  };
  const slots = carriers.map((c) => [c.id, ...c.text.split('{{X}}')]);
  for (const r of pool) {
    const c = slots.find(([, a, b]) => r.text.startsWith(a) && r.text.endsWith(b));
    r.fold = fnv(c ? c[0] : r.text) % FOLDS;
  }
  const all = [...pool, ...older];
  for (const r of all) {
    // The rules' and the channel's signals, without the model's (its own signal is added below).
    r.signals = m.analyzeUnlearned(r.text, r.channel).signals;
    r.system = r.channel === 'system';
    r.words = (r.text.match(WORD) ?? []).length;
    const f = m.featureBuckets(r.text, r.channel);
    r.g = f.grams;
    r.c = f.concepts;
    r.y = r.label === 'attack' ? 1 : 0;
  }

  const size = 1 << m.BITS;
  const sig = (z) => 1 / (1 + Math.exp(-z));
  const mulberry32 = (a) => () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const logit = (w, bias, r) => {
    const n = 1 / Math.sqrt(Math.max(r.g.length, m.MIN_NORM));
    let z = bias;
    for (const k of r.g) z += w[k] * n;
    for (const k of r.c) z += w[k];
    return z;
  };
  /** As the training script quantizes: QLEVELS steps a side, the largest weight at the last step. */
  function quantize(w) {
    let max = 0;
    for (const v of w) max = Math.max(max, Math.abs(v));
    const step = max / QLEVELS;
    for (let k = 0; k < w.length; k++) w[k] = Math.round(w[k] / step) * step;
  }
  const fitModel = (rows) => {
    const pos = rows.filter((r) => r.y).length;
    const cw = [rows.length / (2 * (rows.length - pos)), rows.length / (2 * pos)];
    const w = new Float64Array(size);
    const g2 = new Float64Array(size).fill(1e-8);
    let bias = 0;
    let gB = 1e-8;
    const rand = mulberry32(16);
    const order = rows.slice();
    for (let e = 0; e < EPOCHS; e++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (const r of order) {
        const err = (sig(logit(w, bias, r)) - r.y) * cw[r.y];
        const n = 1 / Math.sqrt(Math.max(r.g.length, m.MIN_NORM));
        const step = (k, x) => {
          const g = err * x + L2 * w[k];
          g2[k] += g * g;
          w[k] -= (LR * g) / Math.sqrt(g2[k]);
        };
        for (const k of r.g) step(k, n);
        for (const k of r.c) step(k, 1);
        gB += err * err;
        bias -= (LR * err) / Math.sqrt(gB);
      }
    }
    return { w, bias };
  };
  for (let f = 0; f < FOLDS; f++) {
    const model = fitModel(all.filter((r) => r.fold !== f));
    if (QLEVELS) quantize(model.w);
    for (const r of pool) if (r.fold === f) r.z = logit(model.w, model.bias, r);
  }
  const nPos = pool.filter((r) => r.y).length;
  const sw = pool.map((r) => (r.y ? PRIOR / nPos : (1 - PRIOR) / (pool.length - nPos)));
  let a = 1;
  let b = 0;
  for (let it = 0; it < 5000; it++) {
    let ga = 0;
    let gb = 0;
    pool.forEach((r, i) => {
      const e = (sig(a * r.z + b) - r.y) * sw[i];
      ga += e * r.z;
      gb += e;
    });
    a -= 2 * ga;
    b -= 2 * gb;
  }

  /** The whole score of a text whose model logit is calibrated with intercept `b + shift`. */
  const score = (r, shift = 0) => {
    if (r.system) return m.scoreOf(r.signals);
    const p = sig(a * r.z + b + shift);
    const g = p < MODEL_DOUBT && r.words >= DOUBT_MIN_WORDS ? DOUBT_WEIGHT + ((1 - DOUBT_WEIGHT) * p) / MODEL_DOUBT : 1;
    const rules = m.scoreOf(r.signals.map((s) => ({ ...s, weight: s.weight < STRONG ? s.weight * g : s.weight })));
    return p >= LEARNED_FLOOR ? 1 - (1 - rules) * (1 - Math.min(FAMILY_CAP, p)) : rules;
  };
  const rate = (list, f) => {
    const at = list.filter((r) => r.y);
    const bn = list.filter((r) => !r.y);
    return [at.filter((r) => f(r) >= T).length, at.length, bn.filter((r) => f(r) >= T).length, bn.length];
  };
  const pct = (x, n) => `${((100 * x) / n).toFixed(1)}%`;
  const cell = ([tp, na, fp, nb]) => `recall ${pct(tp, na)} (${tp}/${na})  FPR ${pct(fp, nb)} (${fp}/${nb})`;
  for (const r of pool) r.s = score(r);
  console.log(`out-of-fold on train + dev (${pool.length} texts, ${FOLDS} folds); calibration a=${a.toFixed(3)} b=${b.toFixed(3)}`);
  console.log(
    `  settings: L2=${L2} PRIOR=${PRIOR} QLEVELS=${QLEVELS} MODEL_DOUBT=${MODEL_DOUBT} DOUBT_WEIGHT=${DOUBT_WEIGHT} DOUBT_MIN_WORDS=${DOUBT_MIN_WORDS} STRONG=${STRONG}`,
  );
  console.log(`  whole scorer        ${cell(rate(pool, (r) => r.s))}`);
  console.log(`  learned model alone ${cell(rate(pool, (r) => (r.system ? 0 : sig(a * r.z + b))))}`);
  console.log(`  rules alone         ${cell(rate(pool, (r) => m.scoreOf(r.signals)))}`);
  let best = [0, 0, 0, 0, 0];
  for (let shift = -4; shift <= 4; shift += 0.05) {
    const q = rate(pool, (r) => score(r, shift));
    if (q[2] <= 0.02 * q[3] && q[0] > best[0]) best = [...q, shift];
  }
  console.log(`  best recall at FPR <= 2% (calibration shifted by ${best[4].toFixed(2)}): ${cell(best)}`);
  console.log('  by kind:');
  for (const y of [1, 0])
    for (const kind of [...new Set(pool.filter((r) => r.y === y).map((r) => r.kind))].sort()) {
      const [tp, na, fp, nb] = rate(
        pool.filter((r) => r.y === y && r.kind === kind),
        (r) => r.s,
      );
      console.log(
        `    ${kind.padEnd(24)} ${y ? `recall ${pct(tp, na).padStart(6)} ${tp}/${na}` : `FPR    ${pct(fp, nb).padStart(6)} ${fp}/${nb}`}`,
      );
    }
  if (process.argv.includes('--errors'))
    for (const r of pool)
      if (r.s >= T !== Boolean(r.y))
        console.log(`  ${r.y ? 'MISS' : 'FP  '} ${r.s.toFixed(3)} ${r.id} [${r.channel}] ${JSON.stringify(r.text).slice(0, 140)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
