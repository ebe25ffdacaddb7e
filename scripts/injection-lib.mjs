// Shared by scripts/injection-cv.mjs and scripts/injection-sets.mjs: the scorer's parts bundled
// from source, the labelled sets, and the learned model's training, quantization, calibration and
// combination with the rules exactly as scripts/train-injection-model.mjs and detect.ts do them.
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const root = new URL('..', import.meta.url);
const env = (k, d) => Number(process.env[k] ?? d);
// As in scripts/train-injection-model.mjs.
export const settings = {
  EPOCHS: env('EPOCHS', 20),
  LR: env('LR', 0.4),
  L2: env('L2', 3e-5),
  PRIOR: env('PRIOR', 0.08),
  // The weights' quantization, steps a side (QLEVELS=0: float weights). 7 since the fourteenth round: at 2^17
  // buckets 15 steps cost 19 KB more gzip, and 2^17 at 7 steps, held out by author, catches more at equal
  // false positives than 2^16 at 15 (docs/injection.md, "The fourteenth round").
  QLEVELS: env('QLEVELS', 7),
  // The combiner's prior: fitted as if STACK_PRIOR of the texts scanned were injections.
  STACK_PRIOR: env('STACK_PRIOR', 0.1),
};
export const T = 0.5;

export const readJsonl = (p) =>
  readFileSync(new URL(p, root), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

export const fnv = (s) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
};

/** detect.ts and model.ts bundled with esbuild; `use(m)` runs with them, the bundle is removed after. */
export async function withScorer(use) {
  const dir = mkdtempSync(join(tmpdir(), 'injection-'));
  try {
    const entry = join(dir, 'entry.ts');
    const src = (p) => JSON.stringify(new URL(p, root).pathname);
    writeFileSync(
      entry,
      `export * from ${src('builtins/llm/injection/detect.ts')};\nexport { featureBuckets, MIN_NORM, BITS, ALPHABET } from ${src('builtins/llm/injection/model.ts')};\n`,
    );
    await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile: join(dir, 'm.mjs'), logLevel: 'error' });
    return await use(await import(pathToFileURL(join(dir, 'm.mjs')).href));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The corpus's pools: `pool` (train + dev + the second to fourth fresh slices) and `older` (the earlier set's tuning parts). */
export function corpusPools() {
  const corpus = readJsonl('test/fixtures/injection/corpus/corpus.jsonl');
  const older = ['attacks.jsonl', 'benign.jsonl']
    .flatMap((f) => readJsonl(`test/fixtures/injection/${f}`))
    .filter((r) => r.split === 'train' || r.split === 'fresh1')
    .map((r) => ({ ...r, channel: 'user' }));
  const pool = [
    ...corpus.filter((r) => r.split === 'train' || r.split === 'dev'),
    ...readJsonl('test/fixtures/injection/corpus/fresh2.jsonl'),
    ...readJsonl('test/fixtures/injection/corpus/fresh3.jsonl'),
    ...readJsonl('test/fixtures/injection/corpus/fresh4.jsonl'),
    ...translatedSets(),
  ];
  return { corpus, pool, older };
}

/**
 * Texts of the corpus's train split translated into other languages by other authors
 * (test/fixtures/injection/translated/, docs/injection.md "The thirteenth round"): each row's
 * `source` is the id of the text it translates, and it shares that text's fold.
 */
export function translatedSets() {
  const dir = new URL('test/fixtures/injection/translated/', root);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readJsonl(`test/fixtures/injection/translated/${f}`));
}

/** Adds what training and scoring need to each row: the rules' signals without the model, the features, the label. */
export function prepare(m, rows) {
  for (const r of rows) {
    r.signals = m.analyzeUnlearned(r.text, r.channel).signals;
    r.system = r.channel === 'system';
    const f = m.featureBuckets(r.text, r.channel);
    r.g = f.grams;
    r.c = f.concepts;
    r.y = r.label === 'attack' ? 1 : 0;
  }
  return rows;
}

const sig = (z) => 1 / (1 + Math.exp(-z));
const mulberry32 = (a) => () => {
  a = (a + 0x6d2b79f5) | 0;
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/** The model's logit of a prepared row (whole text, no windows). */
export function logit(m, { w, bias }, r) {
  if (r.g.length === 0 && r.c.length === 0) return Number.NEGATIVE_INFINITY;
  const n = 1 / Math.sqrt(Math.max(r.g.length, m.MIN_NORM));
  let z = bias;
  for (const k of r.g) z += w[k] * n;
  for (const k of r.c) z += w[k];
  return z;
}

/** Logistic regression over the model's features: L2, balanced classes, AdaGrad, EPOCHS passes in a seeded order (the same rows give the same weights). */
export function fitModel(m, rows, { EPOCHS, LR, L2 } = settings) {
  const size = 1 << m.BITS;
  const pos = rows.filter((r) => r.y).length;
  const cw = [rows.length / (2 * (rows.length - pos)), rows.length / (2 * pos)];
  const model = { w: new Float64Array(size), bias: 0 };
  const { w } = model;
  const g2 = new Float64Array(size).fill(1e-8);
  let gB = 1e-8;
  const rand = mulberry32(16);
  const order = rows.slice();
  for (let e = 0; e < EPOCHS; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const r of order) {
      const err = (sig(logit(m, model, r)) - r.y) * cw[r.y];
      const n = 1 / Math.sqrt(Math.max(r.g.length, m.MIN_NORM));
      const step = (k, x) => {
        const g = err * x + L2 * w[k];
        g2[k] += g * g;
        w[k] -= (LR * g) / Math.sqrt(g2[k]);
      };
      for (const k of r.g) step(k, n);
      for (const k of r.c) step(k, 1);
      gB += err * err;
      model.bias -= (LR * err) / Math.sqrt(gB);
    }
  }
  return model;
}

/** The weights as they ship: QLEVELS steps a side, symmetric, the largest weight at the last step (`q` the steps, `w` their values). */
export function quantize({ w, bias }, QLEVELS = settings.QLEVELS) {
  let max = 0;
  for (const v of w) max = Math.max(max, Math.abs(v));
  const scale = max / QLEVELS;
  const q = new Int8Array(w.length);
  for (let k = 0; k < w.length; k++) q[k] = Math.max(-QLEVELS, Math.min(QLEVELS, Math.round(w[k] / scale)));
  return { w: Float64Array.from(q, (v) => v * scale), q, scale, bias };
}

/** Platt scaling of the rows' logits `r.z`, weighted as if PRIOR of the texts were attacks. */
export function calibrate(all, PRIOR = settings.PRIOR) {
  const rows = all.filter((r) => r.z > Number.NEGATIVE_INFINITY);
  const nPos = rows.filter((r) => r.y).length;
  const sw = rows.map((r) => (r.y ? PRIOR / nPos : (1 - PRIOR) / (rows.length - nPos)));
  let a = 1;
  let b = 0;
  for (let it = 0; it < 5000; it++) {
    let ga = 0;
    let gb = 0;
    rows.forEach((r, i) => {
      const e = (sig(a * r.z + b) - r.y) * sw[i];
      ga += e * r.z;
      gb += e;
    });
    a -= 2 * ga;
    b -= 2 * gb;
  }
  return { a, b };
}

/**
 * The combiner (detect.ts `combine`): a logistic regression over detect.ts's stackFeatures of the
 * rows' out-of-fold logits `r.z` (the texts without a decisive signal), classes weighted as if PRIOR of the texts were attacks. The
 * weights of the logit and of the families' evidence are kept at 0 or more, so that more evidence
 * never lowers a score. Returns the weights, the bias last.
 */
export function fitStack(m, rows, PRIOR = settings.STACK_PRIOR) {
  // a text with a decisive signal is flagged whatever the combiner says: it does not teach it anything
  const use = rows.filter((r) => !r.system && r.z > Number.NEGATIVE_INFINITY && m.decisiveOf(r.signals) === 0);
  const X = use.map((r) => m.stackFeatures(r.signals, r.z, r.channel));
  const d = X[0].length;
  const nPos = use.filter((r) => r.y).length;
  const sw = use.map((r) => (r.y ? PRIOR / nPos : (1 - PRIOR) / (use.length - nPos)));
  const w = new Float64Array(d + 1);
  for (let it = 0; it < 4000; it++) {
    const g = new Float64Array(d + 1);
    for (let i = 0; i < X.length; i++) {
      const x = X[i];
      let t = w[d];
      for (let k = 0; k < d; k++) t += w[k] * x[k];
      const e = (sig(t) - use[i].y) * sw[i];
      for (let k = 0; k < d; k++) g[k] += e * x[k];
      g[d] += e;
    }
    for (let k = 0; k <= d; k++) w[k] -= 2 * (g[k] + (k < d ? 1e-4 * w[k] : 0));
    // the logit, the five families and the channel's signal: never negative (the channels may be)
    for (let k = 0; k < d - 2; k++) w[k] = Math.max(0, w[k]);
  }
  return Array.from(w, (v) => Number(v.toFixed(6)));
}

/** The whole score of a prepared row with logit `r.z`, as detect.ts computes it with the combiner `stack`. */
export function wholeScore(m, stack, r) {
  if (r.system || !(r.z > Number.NEGATIVE_INFINITY)) return m.scoreOf(r.signals);
  return m.combine(r.signals, r.z, r.channel, stack);
}

export const modelProbability = ({ a, b }, r) => (r.system ? 0 : sig(a * r.z + b));

/** [caught, attacks, flagged, benign] of `list` scored by `f` at threshold `t`. */
export function rate(list, f, t = T) {
  const at = list.filter((r) => r.y);
  const bn = list.filter((r) => !r.y);
  return [at.filter((r) => f(r) >= t).length, at.length, bn.filter((r) => f(r) >= t).length, bn.length];
}
export const pct = (x, n) => `${((100 * x) / n).toFixed(1)}%`;
export const cell = ([tp, na, fp, nb]) => `recall ${pct(tp, na)} (${tp}/${na})  FPR ${pct(fp, nb)} (${fp}/${nb})`;

/** Threshold-free ranking of `list` by `f`: AUC, and the attacks above the k-th highest benign text for each k. */
export function ranking(list, f, ks = [0, 2, 4]) {
  const atk = list.filter((r) => r.y).map(f);
  const ben = list.filter((r) => !r.y).map(f);
  let auc = 0;
  for (const x of atk) for (const y of ben) auc += x > y ? 1 : x === y ? 0.5 : 0;
  const sorted = [...ben].sort((x, y) => y - x);
  return {
    auc: auc / (atk.length * ben.length || 1),
    above: ks.map((k) => atk.filter((x) => x > (sorted[k] ?? -1)).length),
    attacks: atk.length,
  };
}

/** Cuts rows into `folds` folds by hash, composed texts by their carrier (a carrier and all its texts in one fold). */
export async function assignFolds(rows, folds) {
  const { carriers } = await import(new URL('test/fixtures/injection/corpus/carriers.mjs', root).href);
  const slots = carriers.map((c) => [c.id, ...c.text.split('{{X}}')]);
  const key = (r) => {
    const c = slots.find(([, a, b]) => r.text.startsWith(a) && r.text.endsWith(b));
    return c ? c[0] : r.text;
  };
  // a translation goes where its source goes, so that no fold is scored on a text whose translation it trained on
  const corpusText = new Map(rows.filter((r) => !r.set && !r.source).map((r) => [r.id, r]));
  for (const r of rows) {
    const source = r.source && corpusText.get(r.source);
    r.fold = fnv(key(source || r)) % folds;
  }
}

/**
 * Out-of-fold logits: each row with `fold` >= 0 gets `r.z` from a model trained (and quantized as
 * it ships) on the rows of the other folds; rows of fold -1 are always trained on, never scored.
 */
export function outOfFold(m, rows, folds) {
  for (let f = 0; f < folds; f++) {
    const model = quantize(
      fitModel(
        m,
        rows.filter((r) => r.fold !== f),
      ),
    );
    for (const r of rows) if (r.fold === f) r.z = logit(m, model, r);
  }
}

/** The labelled sets by other authors in test/fixtures/injection/blind/ (docs/injection.md, "Blind sets"), by name. */
export function blindSets() {
  const dir = new URL('test/fixtures/injection/blind/', root);
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => [f.slice(0, -6), readJsonl(`test/fixtures/injection/blind/${f}`).map((r) => ({ ...r, set: f.slice(0, -6) }))]),
  );
}
