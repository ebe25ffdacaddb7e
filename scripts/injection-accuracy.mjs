#!/usr/bin/env node
// Accuracy of injection.found (score >= 0.5) on the corpus in test/fixtures/injection/corpus/
// (docs/injection.md, "Accuracy"): recall and false-positive rate per split, per kind and per
// language, for the whole scorer, the rules alone and the learned model alone, beside the npm
// package llm_guardrail (TF-IDF + logistic regression) at its own threshold and at the
// threshold that gives it our false-positive rate. Then the earlier labelled set
// (test/fixtures/injection/*.jsonl), the four fresh slices written after tuning, and the sets by
// other authors held out (test/fixtures/injection/heldout/).
// Usage:
//   npm run accuracy:injection                     figures (the test split's per-kind table)
//   npm run accuracy:injection -- --split=dev      per-kind table of another split (or fresh2, fresh3, fresh4;
//                                                  heldout: the ten held-out sets the issue's goal is read on)
//   npm run accuracy:injection -- --errors=dev     also list the misclassified texts of a split
//   npm run accuracy:injection -- --no-guardrail   skip the comparison
//   npm run accuracy:injection -- --time           also time the analysis of 2 KB prompts
//   npm run accuracy:injection -- --file=set.jsonl  the per-kind tables of your own labelled set: one JSON
//                                                  object a line with `text`, `label` ('attack' or 'benign'),
//                                                  and optionally `kind`, `lang` and `channel` (default 'user')
// The detector is TypeScript; esbuild (a dev dependency) bundles it to a temporary file first.
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url);
const args = process.argv.slice(2);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const file = opt('file');
const tableSplit = file ?? opt('split') ?? 'test';
/** The ten held-out sets the issue's goal (80% at 2%, per kind) is read on (docs/injection.md, "Figures"). */
const TEN = ['blind4', 'blind13', 'blind15', 'blind21', 'blind23', 'blind27', 'blind33', 'blind34', 'blind40', 'blind48'];
const tableName = file ?? (tableSplit === 'heldout' ? 'the ten held-out sets' : `${tableSplit} split`);
const errorsSplit = opt('errors');

/** Your own labelled set: rows checked before anything is scored, each error naming its line. */
function readLabelled(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    console.error(`${path}: cannot read the file: ${e.message}`);
    process.exit(2);
  }
  const rows = [];
  const bad = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const at = `${path}:${i + 1}`;
    let r;
    try {
      r = JSON.parse(line);
    } catch (e) {
      bad.push(`${at}: not JSON: ${e.message}`);
      return;
    }
    if (typeof r?.text !== 'string') bad.push(`${at}: \`text\` must be a string`);
    else if (r.label !== 'attack' && r.label !== 'benign')
      bad.push(`${at}: \`label\` must be \`attack\` or \`benign\`, got \`${r.label}\``);
    else if (r.channel !== undefined && !['user', 'document', 'tool', 'system'].includes(r.channel))
      bad.push(`${at}: \`channel\` must be one of \`user\`, \`document\`, \`tool\`, \`system\`, got \`${r.channel}\``);
    else rows.push({ kind: r.label, lang: '?', channel: 'user', ...r });
  });
  if (bad.length || !rows.length) {
    console.error(bad.length ? bad.slice(0, 20).join('\n') : `${path}: no labelled rows`);
    process.exit(2);
  }
  return rows;
}
const time = args.includes('--time');
const guardrail = !args.includes('--no-guardrail');

const dir = mkdtempSync(join(tmpdir(), 'injection-accuracy-'));
try {
  const entry = join(dir, 'entry.ts');
  const src = (p) => JSON.stringify(new URL(p, root).pathname);
  writeFileSync(
    entry,
    `export * from ${src('builtins/llm/injection/detect.ts')};\nexport { modelScore } from ${src('builtins/llm/injection/model.ts')};\n`,
  );
  const outfile = join(dir, 'detect.mjs');
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile, logLevel: 'error' });
  const m = await import(pathToFileURL(outfile).href);
  const T = m.DEFAULT_THRESHOLD;
  const read = (path) =>
    readFileSync(new URL(path, root), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const corpus = read('test/fixtures/injection/corpus/corpus.jsonl');
  const fresh = read('test/fixtures/injection/corpus/fresh.jsonl');
  const fresh2 = read('test/fixtures/injection/corpus/fresh2.jsonl');
  const fresh3 = read('test/fixtures/injection/corpus/fresh3.jsonl');
  const fresh4 = read('test/fixtures/injection/corpus/fresh4.jsonl');
  const older = [...read('test/fixtures/injection/attacks.jsonl'), ...read('test/fixtures/injection/benign.jsonl')];
  for (const r of older) r.channel = 'user';
  const own = file ? readLabelled(file) : [];
  // The sets by other authors that nothing is trained or tuned on (docs/injection.md, "Blind sets").
  const heldout = Object.fromEntries(
    readdirSync(new URL('test/fixtures/injection/heldout/', root))
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => [f.slice(0, -6), read(`test/fixtures/injection/heldout/${f}`)])
      .sort(([a], [b]) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, ''))),
  );
  const heldoutRows = Object.values(heldout).flat();
  const all = [...corpus, ...fresh, ...fresh2, ...fresh3, ...fresh4, ...older, ...heldoutRows, ...own];
  for (const r of all) {
    r.score = m.analyze(r.text, r.channel).score;
    r.rules = m.analyzeRules(r.text).score;
    r.model = r.channel === 'system' ? 0 : m.modelScore(r.text, r.channel);
  }
  let guard;
  if (guardrail) {
    const { checkInjection } = await import('llm_guardrail');
    // the held-out sets are compared with it only in their own tables (`--split=heldout`)
    const held = new Set(tableSplit === 'heldout' ? [] : heldoutRows);
    for (const r of all) if (!held.has(r)) r.guard = (await checkInjection(r.text)).confidence;
    guard = (r) => r.guard;
  }

  const pct = (a, b) => (b === 0 ? '    -  ' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
  const rate = (list, f, t = T) => {
    const attacks = list.filter((r) => r.label === 'attack');
    const benign = list.filter((r) => r.label === 'benign');
    return {
      tp: attacks.filter((r) => f(r) >= t).length,
      attacks: attacks.length,
      fp: benign.filter((r) => f(r) >= t).length,
      benign: benign.length,
    };
  };
  const cell = ({ tp, attacks, fp, benign }) =>
    `${pct(tp, attacks)} ${`${tp}/${attacks}`.padStart(7)}  ${pct(fp, benign)} ${`${fp}/${benign}`.padStart(7)}`;
  /** llm_guardrail's recall at the lowest threshold whose false-positive rate is at most `fpr`. */
  const atFpr = (list, fpr) => {
    const benign = list.filter((r) => r.label === 'benign').map((r) => r.guard);
    const candidates = [...new Set(list.map((r) => r.guard))].sort((a, b) => a - b);
    for (const t of candidates) {
      const fp = benign.filter((g) => g >= t).length;
      if (fp <= fpr * benign.length + 1e-9) return { t, ...rate(list, guard, t) };
    }
    return { t: Infinity, ...rate(list, guard, Infinity) };
  };
  const score = (r) => r.score;
  /** The whole scorer, its parts and (with llm_guardrail) the comparison, on one labelled list. */
  const summary = (list, { model = true, ranking = false, guard05 = false } = {}) => {
    console.log(`  ${'injection.found'.padEnd(32)}${cell(rate(list, score))}`);
    console.log(`  ${'  rules alone'.padEnd(32)}${cell(rate(list, (r) => r.rules))}`);
    if (model) console.log(`  ${'  learned model alone'.padEnd(32)}${cell(rate(list, (r) => r.model))}`);
    if (ranking) {
      // threshold-free: how well the scores rank attacks above benign texts, to compare scorers at
      // equal false positives (AUC; attacks scoring above the k-th highest benign text)
      const atk = list.filter((r) => r.label === 'attack').map((r) => r.score);
      const ben = list.filter((r) => r.label !== 'attack').map((r) => r.score);
      let auc = 0;
      for (const a of atk) for (const b of ben) auc += a > b ? 1 : a === b ? 0.5 : 0;
      const sorted = [...ben].sort((a, b) => b - a);
      const above = [0, 2, 4].map((k) => `${atk.filter((a) => a > (sorted[k] ?? -1)).length}`).join(' / ');
      console.log(
        `  ${'ranking'.padEnd(32)}AUC ${(auc / (atk.length * ben.length || 1)).toFixed(3)}; attacks above 0 / 2 / 4 benign: ${above} of ${atk.length}`,
      );
    }
    if (guard) {
      if (guard05) console.log(`  ${'llm_guardrail (its 0.5)'.padEnd(32)}${cell(rate(list, guard, 0.5))}`);
      const f = rate(list, score);
      console.log(`  ${'llm_guardrail at our FPR'.padEnd(32)}${cell(atFpr(list, f.fp / f.benign))}`);
    }
  };

  console.log(
    `injection.found at threshold ${T}: corpus of ${corpus.length} texts (${corpus.filter((r) => r.label === 'attack').length} attacks, ` +
      `${corpus.filter((r) => r.label === 'benign').length} benign), ${new Set(corpus.map((r) => r.lang)).size} languages\n`,
  );
  const head = `${''.padEnd(34)}${'recall'.padStart(16)}  ${'FPR'.padStart(15)}`;
  for (const split of ['train', 'dev', 'test']) {
    const list = corpus.filter((r) => r.split === split);
    console.log(
      `${split}${split === 'test' ? ' (frozen before tuning, never tuned on)' : split === 'dev' ? ' (tuned on)' : ' (trained on)'}`,
    );
    console.log(head);
    const ours = rate(list, score);
    console.log(`  ${'injection.found'.padEnd(32)}${cell(ours)}`);
    console.log(`  ${'  rules alone'.padEnd(32)}${cell(rate(list, (r) => r.rules))}`);
    console.log(`  ${'  learned model alone'.padEnd(32)}${cell(rate(list, (r) => r.model))}`);
    if (guard) {
      console.log(`  ${'llm_guardrail (its 0.5)'.padEnd(32)}${cell(rate(list, guard, 0.5))}`);
      const eq = atFpr(list, ours.fp / ours.benign);
      console.log(`  ${`llm_guardrail at our FPR (${eq.t === Infinity ? 'none' : eq.t.toFixed(3)})`.padEnd(32)}${cell(eq)}`);
    }
    console.log();
  }

  const slices = { fresh, fresh2, fresh3, fresh4, heldout: TEN.flatMap((n) => heldout[n]) };
  const list = file ? own : (slices[tableSplit] ?? corpus.filter((r) => r.split === tableSplit));
  const ours = rate(list, score);
  const eqT = guard ? atFpr(list, ours.fp / ours.benign).t : undefined;
  if (file) {
    console.log(`${file}: ${own.length} texts\n${head}`);
    summary(own, { ranking: true, guard05: true });
    console.log();
  }
  console.log(`${tableName} by kind${guard ? `; llm_guardrail at our FPR (threshold ${eqT.toFixed(3)})` : ''}:`);
  const row = (label, sub) => {
    const o = rate(sub, score);
    const isAttack = sub[0].label === 'attack';
    const mine = isAttack
      ? `${pct(o.tp, o.attacks)} ${`${o.tp}/${o.attacks}`.padStart(6)}`
      : `${pct(o.fp, o.benign)} ${`${o.fp}/${o.benign}`.padStart(6)}`;
    let theirs = '';
    if (guard) {
      const g = rate(sub, guard, eqT);
      theirs = isAttack ? `   llm_guardrail ${pct(g.tp, g.attacks)}` : `   llm_guardrail ${pct(g.fp, g.benign)}`;
    }
    return `  ${label.padEnd(30)} ${isAttack ? 'recall' : 'FPR   '} ${mine}${theirs}`;
  };
  for (const label of ['attack', 'benign']) {
    for (const kind of [...new Set(list.filter((r) => r.label === label).map((r) => r.kind))].sort())
      console.log(
        row(
          kind,
          list.filter((r) => r.label === label && r.kind === kind),
        ),
      );
  }
  console.log(`\n${tableName} by language:`);
  for (const lang of [...new Set(list.map((r) => r.lang))].sort()) {
    const o = rate(
      list.filter((r) => r.lang === lang),
      score,
    );
    console.log(
      `  ${lang}  recall ${pct(o.tp, o.attacks)} ${`${o.tp}/${o.attacks}`.padStart(6)}   FPR ${pct(o.fp, o.benign)} ${`${o.fp}/${o.benign}`.padStart(6)}`,
    );
  }
  console.log(`\n${tableName} by channel:`);
  for (const ch of ['user', 'document', 'tool', 'system']) {
    const sub = list.filter((r) => r.channel === ch);
    if (sub.length) console.log(`  ${ch.padEnd(9)} ${cell(rate(sub, score))}`);
  }

  console.log('\nfresh slice (written after tuning; first scored before the last two changes, see docs/injection.md):');
  console.log(head);
  summary(fresh, { model: false });

  console.log(
    '\nsecond fresh slice (fresh2.mjs: written before the generalization work, scored once at its end, dev data since; `--split=fresh2` for its tables):',
  );
  console.log(head);
  summary(fresh2);

  console.log(
    '\nthird fresh slice (fresh3.mjs: written before the second generalization round, scored once at its end, dev data since; `--split=fresh3` for its tables):',
  );
  console.log(head);
  summary(fresh3);

  console.log(
    '\nfourth fresh slice (fresh4.mjs: written before the third round, scored once at its end, dev data since; `--split=fresh4` for its tables):',
  );
  console.log(head);
  summary(fresh4);

  console.log(
    "\nsets by other authors, held out (test/fixtures/injection/heldout/: never trained or tuned on; `--split=heldout` for the ten's tables):",
  );
  console.log(head);
  for (const [name, rows] of Object.entries(heldout)) console.log(`  ${name.padEnd(32)}${cell(rate(rows, score))}`);
  console.log(`  ${'the ten the goal is read on'.padEnd(32)}${cell(rate(slices.heldout, score))}`);
  console.log(`  ${'all of them'.padEnd(32)}${cell(rate(heldoutRows, score))}`);

  console.log('\nearlier labelled set (test/fixtures/injection/*.jsonl, user prompts):');
  console.log(`${head}   (rules alone: recall, FPR)`);
  const parts = {
    train: 'train (model trained on it)',
    fresh1: 'fresh1 (model trained on it)',
    heldout: 'held-out (not trained on)',
    fresh2: 'fresh2 (not trained on)',
    fresh3: 'fresh3 (not trained on)',
  };
  for (const [split, label] of Object.entries(parts)) {
    const sub = older.filter((r) => r.split === split);
    const r = rate(sub, (x) => x.rules);
    console.log(`  ${label.padEnd(32)}${cell(rate(sub, score))}   (${pct(r.tp, r.attacks)}, ${pct(r.fp, r.benign)})`);
  }

  if (time) {
    // 2 KB prompts made by joining texts of the corpus; CPU time of the best of 9 rounds.
    const join2k = (src, seed) => {
      const out = [];
      let k = seed;
      for (let n = 0; n < 64; n++) {
        let s = '';
        while (s.length < 2048) {
          k = (k * 7 + 13) % src.length;
          s += `${src[k].text}\n`;
        }
        out.push(s.slice(0, 2048));
      }
      return out;
    };
    const benign = corpus.filter((r) => r.label === 'benign');
    const attacks = corpus.filter((r) => r.label === 'attack');
    console.log('\ntime per 2 KB prompt (CPU, best of 9 rounds of 2 x 64 prompts):');
    for (const [name, texts] of [
      ['benign texts', join2k(benign, 1)],
      ['attack texts', join2k(attacks, 2)],
    ]) {
      for (const [what, f] of [
        ['whole scorer', (t) => m.analyze(t)],
        ['rules', (t) => m.analyzeRules(t)],
        ['learned model', (t) => m.modelScore(t)],
      ]) {
        for (const t of texts) f(t);
        let best = Infinity;
        for (let r = 0; r < 9; r++) {
          const st = process.cpuUsage();
          for (let k = 0; k < 2; k++) for (const t of texts) f(t);
          best = Math.min(best, process.cpuUsage(st).user / (2 * texts.length));
        }
        console.log(`  ${name.padEnd(14)} ${what.padEnd(14)} ${best.toFixed(1).padStart(7)} us`);
      }
    }
  }

  if (errorsSplit) {
    console.log(`\nmisclassified (${errorsSplit}):`);
    const pool = slices[errorsSplit] ?? (errorsSplit === 'older' ? older : corpus.filter((r) => r.split === errorsSplit));
    for (const r of pool) {
      const wrong = r.label === 'attack' ? r.score < T : r.score >= T;
      if (wrong)
        console.log(
          `  ${r.label === 'attack' ? 'MISS' : 'FP  '} ${r.score.toFixed(3)} ${r.id} [${r.channel}] ${JSON.stringify(r.text).slice(0, 140)}`,
        );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
