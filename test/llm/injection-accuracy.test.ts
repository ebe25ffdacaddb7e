// Accuracy floors of injection.found (score >= 0.5) on the corpus (test/fixtures/injection/corpus,
// docs/injection.md "Accuracy"; `npm run accuracy:injection` prints the full tables). Floors are
// counts as measured when the scorer was last changed, so that any change that loses a detection
// or adds a false positive fails here and has to be looked at. The test split was frozen before
// tuning (its digest is checked); the fresh slices were written after tuning (the second before the
// generalization work, and scored once at its end, dev data since; the third before the second round,
// scored once at its end, dev data since; the fourth before the third round, scored once at its end,
// dev data since).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { analyze, analyzeRules, DEFAULT_THRESHOLD } from '../../builtins/llm/injection/index.js';
import type { Channel } from '../../builtins/llm/injection/index.js';

interface Row {
  id: string;
  label: 'attack' | 'benign';
  kind?: string;
  lang?: string;
  channel?: Channel;
  split: string;
  text: string;
}

const dir = new URL('../fixtures/injection/', import.meta.url);
const read = (name: string): Row[] =>
  readFileSync(new URL(name, dir), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);

const corpus = read('corpus/corpus.jsonl');
const fresh = read('corpus/fresh.jsonl');
const fresh2 = read('corpus/fresh2.jsonl');
const fresh3 = read('corpus/fresh3.jsonl');
const fresh4 = read('corpus/fresh4.jsonl');
const older = [...read('attacks.jsonl'), ...read('benign.jsonl')];
// written by other authors without sight of the detector (docs/injection.md, "Blind sets"); trained on since the sixth round
const blindDir = new URL('blind/', dir);
const blind = Object.fromEntries(readdirSync(blindDir).map((f) => [f.replace(/\.jsonl$/, ''), read(`blind/${f}`)])) as Record<
  string,
  Row[]
>;

// the corpus's train split translated by other authors into eight languages (docs/injection.md, "The thirteenth
// round"): trained on, each text in the fold of the text it translates
const translatedDir = new URL('translated/', dir);
const translated = Object.fromEntries(
  readdirSync(translatedDir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => [f.replace(/\.jsonl$/, ''), read(`translated/${f}`) as (Row & { source: string })[]]),
);

// written the same way and held out: never trained or tuned on, no choice made on them (choices are made on
// scripts/injection-sets.mjs's figures); blind4 and blind13 scored at the end of the sixth round and after each
// change since, blind15, blind21, blind23, blind27, blind33, blind34, blind40, blind48, blind55 and blind58 (by the seventh to sixteenth rounds' held-out authors) before their round's changes and after them
const heldout = {
  blind4: read('heldout/blind4.jsonl'),
  blind13: read('heldout/blind13.jsonl'),
  blind15: read('heldout/blind15.jsonl'),
  blind21: read('heldout/blind21.jsonl'),
  blind23: read('heldout/blind23.jsonl'),
  blind27: read('heldout/blind27.jsonl'),
  blind33: read('heldout/blind33.jsonl'),
  blind34: read('heldout/blind34.jsonl'),
  blind40: read('heldout/blind40.jsonl'),
  blind48: read('heldout/blind48.jsonl'),
  blind55: read('heldout/blind55.jsonl'),
  blind58: read('heldout/blind58.jsonl'),
  // the seventeenth round: software, configuration and data (docs/injection.md, "The seventeenth round")
  blind61: read('heldout/blind61.jsonl'),
  blind62: read('heldout/blind62.jsonl'),
  blind63: read('heldout/blind63.jsonl'),
  blind64: read('heldout/blind64.jsonl'),
  blind65: read('heldout/blind65.jsonl'),
};

function counts(rows: Row[], scorer: (r: Row) => number = (r) => analyze(r.text, r.channel ?? 'user').score) {
  const attacks = rows.filter((r) => r.label === 'attack');
  const benign = rows.filter((r) => r.label === 'benign');
  return {
    caught: attacks.filter((r) => scorer(r) >= DEFAULT_THRESHOLD).length,
    attacks: attacks.length,
    flagged: benign.filter((r) => scorer(r) >= DEFAULT_THRESHOLD).length,
    benign: benign.length,
  };
}
const split = (name: string) => corpus.filter((r) => r.split === name);
/** Each named set catches at least `caught` attacks and flags at most `flagged` benign texts. */
function expectFloors(sets: Record<string, Row[]>, floors: Record<string, [caught: number, flagged: number]>): void {
  for (const [name, [caught, flagged]] of Object.entries(floors)) {
    const c = counts(sets[name]!);
    expect(c.caught, name).toBeGreaterThanOrEqual(caught);
    expect(c.flagged, name).toBeLessThanOrEqual(flagged);
  }
}
const rulesOnly = (r: Row) => analyzeRules(r.text).score;

describe('corpus', () => {
  test('size and coverage: 1,500+ texts, 15+ attack kinds, 12+ benign kinds, 10+ languages', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(1500);
    const kinds = (label: string) => new Set(corpus.filter((r) => r.label === label).map((r) => r.kind));
    expect(kinds('attack').size).toBeGreaterThanOrEqual(15);
    expect(kinds('benign').size).toBeGreaterThanOrEqual(12);
    for (const k of [
      'polite_paraphrase',
      'hypothetical_fiction',
      'authority_claim',
      'hidden_in_data',
      'indirect_email',
      'indirect_web',
      'indirect_tool',
      'multilingual',
      'persona_jailbreak',
      'developer_mode',
      'chat_tokens',
      'obfuscation',
    ])
      expect(kinds('attack').has(k), k).toBe(true);
    for (const k of [
      'security_education',
      'ignore_ordinary',
      'override_ordinary',
      'system_ordinary',
      'devmode_ordinary',
      'act_as_ordinary',
      'code_with_prompts',
    ])
      expect(kinds('benign').has(k), k).toBe(true);
    const langs = new Set(corpus.map((r) => r.lang));
    expect(langs.size).toBeGreaterThanOrEqual(10);
    // Attacks and benign texts in every language the attacks use, so that a language is no label.
    for (const lang of new Set(corpus.filter((r) => r.label === 'attack').map((r) => r.lang)))
      expect(
        corpus.some((r) => r.label === 'benign' && r.lang === lang),
        lang,
      ).toBe(true);
    const ids = [...corpus, ...fresh, ...fresh2, ...fresh3, ...fresh4].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(corpus.map((r) => r.text)).size).toBe(corpus.length);
  });

  test('the blind sets are well formed, and share no text with each other or the corpus', () => {
    const kinds = new Set(corpus.map((r) => r.kind));
    const known = new Set([...corpus, ...fresh, ...fresh2, ...fresh3, ...fresh4].map((r) => r.text));
    const texts = new Set<string>();
    for (const r of Object.values(blind).flat()) {
      expect(['attack', 'benign']).toContain(r.label);
      expect(['user', 'document', 'tool', 'system']).toContain(r.channel);
      expect(kinds.has(r.kind), r.kind).toBe(true);
      expect(known.has(r.text) || texts.has(r.text), r.id).toBe(false);
      texts.add(r.text);
    }
    expect(Object.keys(blind).sort()).toEqual([
      'agent11',
      'blind1',
      'blind10',
      'blind14',
      'blind16',
      'blind17',
      'blind18',
      'blind19',
      'blind2',
      'blind20',
      'blind22',
      'blind24',
      'blind25',
      'blind26',
      'blind28',
      'blind29',
      'blind3',
      'blind30',
      'blind31',
      'blind32',
      'blind35',
      'blind36',
      'blind37',
      'blind38',
      'blind39',
      'blind41',
      'blind42',
      'blind43',
      'blind44',
      'blind45',
      'blind46',
      'blind47',
      'blind49',
      'blind5',
      'blind50',
      'blind51',
      'blind52',
      'blind53',
      'blind54',
      'blind56',
      'blind57',
      'blind59',
      'blind6',
      'blind60',
      'blind7',
      'blind9',
      'multi12',
      'multi8',
    ]);
    expect(texts.size).toBe(
      6450 +
        364 +
        367 +
        364 +
        368 +
        368 +
        371 +
        370 +
        365 +
        370 +
        366 +
        367 +
        367 +
        6 * 372 +
        370 +
        371 +
        5 * 372 +
        371 +
        2 * 372 +
        371 +
        2 * 372,
    );
  });
  test('the translated sets translate texts of the train split, in their own language, and repeat no text', () => {
    const train = new Map(split('train').map((r) => [r.id, r]));
    const known = new Set([...corpus, ...fresh, ...fresh2, ...fresh3, ...fresh4, ...Object.values(blind).flat()].map((r) => r.text));
    const texts = new Set<string>();
    for (const [lang, rows] of Object.entries(translated)) {
      for (const r of rows) {
        const source = train.get(r.source);
        expect(source, r.id).toBeDefined();
        expect([r.label, r.kind, r.channel, r.lang, r.id]).toEqual([
          source!.label,
          source!.kind,
          source!.channel,
          lang,
          `${r.source}-${lang}`,
        ]);
        expect(known.has(r.text) || texts.has(r.text), r.id).toBe(false);
        texts.add(r.text);
      }
    }
    expect(Object.keys(translated).sort()).toEqual(['de', 'es', 'fr', 'it', 'ja', 'ko', 'pt', 'ru', 'zh']);
    expect(texts.size).toBe(5013);
  });
  test('no held-out text is one the model trains on', () => {
    const trained = new Set(
      [...corpus, ...fresh, ...fresh2, ...fresh3, ...fresh4, ...Object.values(blind).flat(), ...Object.values(translated).flat()].map(
        (r) => r.text,
      ),
    );
    for (const r of Object.values(heldout).flat()) expect(trained.has(r.text), r.id).toBe(false);
    expect(Object.values(heldout).flat().length).toBe(1475 + 370 + 367 + 367 + 371 + 372 + 372 + 372 + 372 + 5 * 210);
  });
  test('the test split is the one frozen before tuning', () => {
    const lines = readFileSync(new URL('corpus/corpus.jsonl', dir), 'utf8')
      .split('\n')
      .filter((l) => l && JSON.parse(l).split === 'test');
    const digest = createHash('sha256').update(lines.join('\n')).digest('hex');
    expect(digest).toBe(readFileSync(new URL('corpus/test-split.sha256', dir), 'utf8').trim());
    expect(lines.length).toBe(294);
  });

  test('no fresh text is in the corpus', () => {
    const texts = new Set(corpus.map((r) => r.text));
    expect(fresh.filter((r) => texts.has(r.text))).toEqual([]);
    expect(fresh.length).toBeGreaterThanOrEqual(80);
    const seen = new Set([...texts, ...fresh.map((r) => r.text)]);
    expect(fresh2.filter((r) => seen.has(r.text))).toEqual([]);
    expect(fresh2.filter((r) => r.label === 'attack').length).toBeGreaterThanOrEqual(60);
    expect(fresh2.filter((r) => r.label === 'benign').length).toBeGreaterThanOrEqual(60);
    expect(new Set(fresh2.map((r) => r.lang)).size).toBeGreaterThanOrEqual(10);
    const seen3 = new Set([...seen, ...fresh2.map((r) => r.text)]);
    expect(fresh3.filter((r) => seen3.has(r.text))).toEqual([]);
    expect(fresh3.filter((r) => r.label === 'attack').length).toBeGreaterThanOrEqual(60);
    expect(fresh3.filter((r) => r.label === 'benign').length).toBeGreaterThanOrEqual(60);
    expect(new Set(fresh3.filter((r) => r.label === 'attack').map((r) => r.kind)).size).toBe(17);
    expect(new Set(fresh3.map((r) => r.lang)).size).toBeGreaterThanOrEqual(10);
    const seen4 = new Set([...seen3, ...fresh3.map((r) => r.text)]);
    expect(fresh4.filter((r) => seen4.has(r.text))).toEqual([]);
    expect(fresh4.filter((r) => r.label === 'attack').length).toBeGreaterThanOrEqual(60);
    expect(fresh4.filter((r) => r.label === 'benign').length).toBeGreaterThanOrEqual(60);
    expect(new Set(fresh4.filter((r) => r.label === 'attack').map((r) => r.kind)).size).toBe(17);
    expect(new Set(fresh4.map((r) => r.lang)).size).toBeGreaterThanOrEqual(10);
  });
});

describe('floors (counts) of the whole scorer', () => {
  test('test split (never tuned on): 122/145 attacks caught, at most 2/149 benign flagged', () => {
    const c = counts(split('test'));
    expect(c.caught).toBeGreaterThanOrEqual(122);
    expect(c.flagged).toBeLessThanOrEqual(2);
  });
  test('dev split (trained on since the sixth round): 148/154 caught, none of 133 flagged', () => {
    const c = counts(split('dev'));
    expect(c.caught).toBeGreaterThanOrEqual(148);
    expect(c.flagged).toBe(0);
  });
  test('train split: 842/870 caught, at most 5 benign flagged', () => {
    const c = counts(split('train'));
    expect(c.caught).toBeGreaterThanOrEqual(842);
    expect(c.flagged).toBeLessThanOrEqual(5);
  });
  test('fresh slice (written after tuning): 38/45 caught, at most 1/36 flagged', () => {
    const c = counts(fresh);
    expect(c.caught).toBeGreaterThanOrEqual(38);
    expect(c.flagged).toBeLessThanOrEqual(1);
  });
  test('second to fourth fresh slices (each scored once, then dev data, trained on since the sixth round)', () => {
    for (const [slice, caught, flagged] of [
      [fresh2, 65, 0],
      [fresh3, 68, 0],
      [fresh4, 77, 2],
    ] as const) {
      const c = counts(slice);
      expect(c.caught).toBeGreaterThanOrEqual(caught);
      expect(c.flagged).toBeLessThanOrEqual(flagged);
    }
  });
  // Trained on: these say the model learned them, not how it does on other text (the held-out
  // figures are scripts/injection-sets.mjs's and docs/injection.md's).
  test('blind sets (other authors, trained on since the sixth round)', () => {
    const floors: Record<string, [number, number]> = {
      agent11: [189, 6],
      blind1: [197, 2],
      blind10: [194, 2],
      blind14: [189, 0],
      blind16: [189, 1],
      blind17: [191, 3],
      blind18: [191, 3],
      blind19: [190, 4],
      blind2: [185, 1],
      blind20: [192, 2],
      blind22: [186, 2],
      blind24: [188, 0],
      blind25: [190, 1],
      blind26: [187, 1],
      blind28: [187, 0],
      blind29: [189, 0],
      blind3: [190, 1],
      blind30: [186, 0],
      blind31: [188, 1],
      blind32: [188, 0],
      blind35: [185, 2],
      blind36: [176, 1],
      blind37: [180, 2],
      blind38: [184, 1],
      blind39: [184, 0],
      blind41: [190, 1],
      blind42: [193, 1],
      blind43: [180, 0],
      blind44: [191, 2],
      blind45: [183, 0],
      blind46: [192, 1],
      blind47: [173, 0],
      blind49: [194, 0],
      blind5: [197, 0],
      blind50: [185, 0],
      blind51: [186, 0],
      blind52: [186, 1],
      blind53: [184, 0],
      blind54: [190, 1],
      blind56: [185, 0],
      blind57: [191, 0],
      blind59: [193, 2],
      blind6: [195, 0],
      blind60: [160, 2],
      blind7: [191, 0],
      blind9: [192, 0],
      multi12: [212, 1],
      multi8: [222, 0],
    };
    expectFloors(blind, floors);
  });
  test('translated sets (trained on)', () => {
    const floors: Record<string, [number, number]> = {
      de: [290, 2],
      es: [295, 0],
      fr: [298, 0],
      it: [136, 0],
      ja: [297, 0],
      ko: [299, 0],
      pt: [298, 1],
      ru: [156, 0],
      zh: [302, 0],
    };
    expectFloors(translated, floors);
  });
  test('held-out sets (other authors; never trained or tuned on; scored at the end of the sixteenth round; the five of the seventeenth round as first scored)', () => {
    expectFloors(heldout, {
      blind4: [182, 1],
      blind13: [180, 1],
      blind15: [172, 4],
      blind21: [165, 4],
      blind23: [172, 6],
      blind27: [164, 2],
      blind33: [162, 5],
      blind34: [157, 2],
      blind40: [127, 6],
      blind48: [119, 2],
      blind55: [119, 5],
      blind58: [70, 2],
      blind61: [61, 9],
      blind62: [38, 11],
      blind63: [40, 8],
      blind64: [59, 20],
      blind65: [60, 11],
    });
  });
  test('earlier set, parts the model never trained on: 138/146 attacks caught, at most 3/216 benign flagged', () => {
    const c = counts(older.filter((r) => r.split === 'heldout' || r.split === 'fresh2' || r.split === 'fresh3'));
    expect(c.caught).toBeGreaterThanOrEqual(138);
    expect(c.flagged).toBeLessThanOrEqual(3);
  });
});

describe('floors of the rules alone (the earlier set, as before the learned model)', () => {
  for (const [part, caught, flagged] of [
    ['train', 154, 1],
    ['heldout', 66, 2],
    ['fresh1', 48, 0],
    ['fresh2', 35, 1],
    ['fresh3', 23, 0],
  ] as const) {
    test(`${part}: ${caught} caught, at most ${flagged} flagged`, () => {
      const c = counts(
        older.filter((r) => r.split === part),
        rulesOnly,
      );
      expect(c.caught).toBeGreaterThanOrEqual(caught);
      expect(c.flagged).toBeLessThanOrEqual(flagged);
    });
  }
});

test('the shipped weights are what the corpus trains (scripts/train-injection-model.mjs --check)', () => {
  const out = execFileSync(process.execPath, [new URL('../../scripts/train-injection-model.mjs', import.meta.url).pathname, '--check'], {
    encoding: 'utf8',
  });
  expect(out).toMatch(/matches the corpus/);
}, 360_000); // ~100 s on an idle 2-core machine; twice that beside other work
