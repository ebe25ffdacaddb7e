#!/usr/bin/env node
// Cross-validated figures of the whole injection scorer on everything the training script trains
// on (the corpus's train and dev splits, its second to fourth fresh slices, the sets by other
// authors in test/fixtures/injection/blind/, the translations in test/fixtures/injection/translated/):
// 5 folds by hash, composed texts by their carrier, a translation with the text it translates;
// each fold scored by a model trained, as scripts/train-injection-model.mjs trains it, on the
// other four plus the earlier set's tuning parts; Platt scaling and the combiner fitted on all the
// out-of-fold logits; the rules' signals are the real ones (detect.ts, bundled with esbuild). The
// corpus's test split is never read. The rules were written looking at the corpus, so their share
// of its figures is optimistic: scripts/injection-sets.mjs holds out whole sets by other authors.
//   node scripts/injection-cv.mjs                   out-of-fold recall and FPR, per source and kind
//   STACK_PRIOR=0.2 node scripts/injection-cv.mjs   the same with other settings (scripts/injection-lib.mjs)
//   node scripts/injection-cv.mjs --errors          also list the out-of-fold errors
import {
  assignFolds,
  blindSets,
  calibrate,
  cell,
  corpusPools,
  fitStack,
  modelProbability,
  outOfFold,
  pct,
  prepare,
  rate,
  settings,
  T,
  wholeScore,
  withScorer,
} from './injection-lib.mjs';

const FOLDS = 5;

await withScorer(async (m) => {
  const { pool, older } = corpusPools();
  for (const r of pool) r.source = 'corpus';
  const sets = Object.values(blindSets()).flat();
  for (const r of sets) r.source = r.set;
  const scored = [...pool, ...sets];
  await assignFolds(scored, FOLDS);
  for (const r of older) r.fold = -1;
  prepare(m, [...scored, ...older]);
  outOfFold(m, [...scored, ...older], FOLDS);
  const cal = calibrate(scored);
  const stack = fitStack(m, scored);
  for (const r of scored) r.s = wholeScore(m, stack, r);
  console.log(
    `out of fold (${scored.length} texts, ${FOLDS} folds); calibration a=${cal.a.toFixed(3)} b=${cal.b.toFixed(3)}; combiner [${stack.join(', ')}]`,
  );
  console.log(
    `  settings: L2=${settings.L2} PRIOR=${settings.PRIOR} STACK_PRIOR=${settings.STACK_PRIOR} QLEVELS=${settings.QLEVELS} EPOCHS=${settings.EPOCHS}`,
  );
  console.log(`  whole scorer        ${cell(rate(scored, (r) => r.s))}`);
  console.log(`  learned model alone ${cell(rate(scored, (r) => modelProbability(cal, r)))}`);
  console.log(`  rules alone         ${cell(rate(scored, (r) => m.scoreOf(r.signals)))}`);
  console.log('  by source:');
  for (const source of [...new Set(scored.map((r) => r.source))])
    console.log(
      `    ${source.padEnd(10)} ${cell(
        rate(
          scored.filter((r) => r.source === source),
          (r) => r.s,
        ),
      )}`,
    );
  console.log('  by kind:');
  for (const y of [1, 0])
    for (const kind of [...new Set(scored.filter((r) => r.y === y).map((r) => r.kind))].sort()) {
      const [tp, na, fp, nb] = rate(
        scored.filter((r) => r.y === y && r.kind === kind),
        (r) => r.s,
      );
      console.log(
        `    ${kind.padEnd(24)} ${y ? `recall ${pct(tp, na).padStart(6)} ${tp}/${na}` : `FPR    ${pct(fp, nb).padStart(6)} ${fp}/${nb}`}`,
      );
    }
  if (process.argv.includes('--errors'))
    for (const r of scored)
      if (r.s >= T !== Boolean(r.y))
        console.log(`  ${r.y ? 'MISS' : 'FP  '} ${r.s.toFixed(3)} ${r.id} [${r.channel}] ${JSON.stringify(r.text).slice(0, 140)}`);
});
