#!/usr/bin/env node
// How the injection scorer does on text by an author it never saw: each named labelled set is held
// out in turn; the learned model is trained on the corpus (as scripts/train-injection-model.mjs
// trains it) plus the other sets, its calibration and the combiner are fitted out of fold, and the
// held-out set is scored as detect.ts scores it. This is the measure the sixth round chose by
// (docs/injection.md, "The sixth round"): does a set by another author rank attacks above benign text.
//   node scripts/injection-sets.mjs                        every set in test/fixtures/injection/blind/ held out in turn
//   node scripts/injection-sets.mjs --sets=blind1,blind2   only these held out (the others still trained on)
//   node scripts/injection-sets.mjs --base                 none of the sets trained on (the corpus alone)
//   node scripts/injection-sets.mjs --errors               also list the held-out errors with their signals
//   node scripts/injection-sets.mjs --drop=blind61,blind62 these sets neither held out nor trained on (what they add)
// Settings (L2, PRIOR, STACK_PRIOR, EPOCHS) as environment variables: scripts/injection-lib.mjs.
// Only the `blind*` sets are held out by default: `multi*` (other languages only) and `agent*` (agents and their data
// only) have a few kinds each, and are trained on.
import {
  assignFolds,
  blindSets,
  calibrate,
  cell,
  corpusPools,
  fitModel,
  fitStack,
  logit,
  modelProbability,
  outOfFold,
  pct,
  prepare,
  quantize,
  ranking,
  rate,
  settings,
  T,
  wholeScore,
  withScorer,
} from './injection-lib.mjs';

const arg = (k) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);
const base = process.argv.includes('--base');
const FOLDS = 5;

await withScorer(async (m) => {
  const { pool, older } = corpusPools();
  const sets = blindSets();
  for (const n of arg('drop')?.split(',') ?? []) {
    if (!sets[n]) throw new Error(`no set \`${n}\` in test/fixtures/injection/blind/`);
    delete sets[n];
  }
  const held = arg('sets')?.split(',') ?? Object.keys(sets).filter((n) => n.startsWith('blind'));
  for (const n of held) if (!sets[n]) throw new Error(`no set \`${n}\` in test/fixtures/injection/blind/`);
  const all = [...pool, ...Object.values(sets).flat()];
  await assignFolds(all, FOLDS);
  for (const r of older) r.fold = -1;
  prepare(m, [...all, ...older]);
  console.log(
    `settings: L2=${settings.L2} PRIOR=${settings.PRIOR} STACK_PRIOR=${settings.STACK_PRIOR} EPOCHS=${settings.EPOCHS}; ` +
      `trained on the corpus (${pool.length + older.length} texts)${base ? '' : ' and the sets not held out'}`,
  );
  const pooled = [];
  for (const name of held) {
    const trainRows = [...pool, ...older, ...(base ? [] : Object.entries(sets).flatMap(([n, rows]) => (n === name ? [] : rows)))];
    outOfFold(m, trainRows, FOLDS);
    const scored = trainRows.filter((r) => r.fold >= 0);
    const cal = calibrate(scored);
    const stack = fitStack(m, scored);
    const model = quantize(fitModel(m, trainRows));
    const list = sets[name];
    for (const r of list) {
      r.z = logit(m, model, r);
      r.s = wholeScore(m, stack, r);
      r.p = modelProbability(cal, r);
      r.rules = m.scoreOf(r.signals);
    }
    pooled.push(...list);
    report(name, list);
    if (process.argv.includes('--errors'))
      for (const r of list)
        if (r.s >= T !== Boolean(r.y))
          console.log(
            `    ${r.y ? 'MISS' : 'FP  '} ${r.s.toFixed(3)} ${r.id} ${r.kind} [${r.channel}] ${r.signals.map((x) => `${x.rule}:${x.weight}`).join(',')} ${JSON.stringify(r.text).slice(0, 120)}`,
          );
  }
  if (held.length > 1) report('all held-out sets', pooled);
  console.log('\nby kind, all held-out sets:');
  for (const y of [1, 0])
    for (const kind of [...new Set(pooled.filter((r) => r.y === y).map((r) => r.kind))].sort()) {
      const [tp, na, fp, nb] = rate(
        pooled.filter((r) => r.y === y && r.kind === kind),
        (r) => r.s,
      );
      console.log(
        `  ${kind.padEnd(24)} ${y ? `recall ${pct(tp, na).padStart(6)} ${tp}/${na}` : `FPR    ${pct(fp, nb).padStart(6)} ${fp}/${nb}`}`,
      );
    }
});

function report(name, list) {
  const nb = list.filter((r) => !r.y).length;
  // the k-th highest benign text: none above, 1% and 2% false positives
  const ks = [0, Math.floor(0.01 * nb), Math.floor(0.02 * nb)];
  const row = (label, r) =>
    `  ${label} AUC ${r.auc.toFixed(3)}; attacks above the highest benign, at 1% and at 2% FPR: ${r.above.map((x) => pct(x, r.attacks)).join(' / ')}`;
  console.log(`\n${name} (${list.length} texts)`);
  console.log(`  whole scorer   ${cell(rate(list, (r) => r.s))}`);
  console.log(`  model alone    ${cell(rate(list, (r) => r.p))}`);
  console.log(`  rules alone    ${cell(rate(list, (r) => r.rules))}`);
  console.log(
    row(
      'whole ranking ',
      ranking(list, (r) => r.s, ks),
    ),
  );
  console.log(
    row(
      'model ranking ',
      ranking(list, (r) => r.p, ks),
    ),
  );
}
