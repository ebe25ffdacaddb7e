// The /metrics exposition (src/cli/serve/metrics.ts) against the Prometheus text format rules,
// checked by the parser in helpers.ts, and that parser against broken expositions.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { mergeExpositions, Registry } from '../../src/cli/serve/metrics.js';
import { parsePrometheus, sample } from './helpers.js';

const BOUNDS = [0.001, 0.01, 0.1, 1];

describe('metrics exposition', () => {
  test('any label values, help texts, counts and observations render to a valid exposition that reads back the same', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.nat({ max: 1e9 })), { maxLength: 5 }),
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { maxLength: 40 }),
        (help, counts, observations) => {
          const r = new Registry();
          const c = r.counter('t_events_total', help);
          const expected = new Map<string, number>();
          for (const [label, n] of counts) {
            c.cell({ kind: label }).value += n;
            expected.set(label, (expected.get(label) ?? 0) + n);
          }
          const h = r.histogram('t_seconds', 'a histogram', BOUNDS);
          const observe = h.observer({ endpoint: help });
          for (const o of observations) observe(o);
          const families = parsePrometheus(r.render());
          expect(families.get('t_events_total')!.help).toBe(help);
          expect(families.get('t_events_total')!.type).toBe('counter');
          for (const [label, n] of expected) expect(sample(families, 't_events_total', 't_events_total', { kind: label })).toBe(n);
          expect(families.get('t_events_total')!.samples.length).toBe(expected.size);
          expect(sample(families, 't_seconds', 't_seconds_count', { endpoint: help })).toBe(observations.length);
          const sum = sample(families, 't_seconds', 't_seconds_sum', { endpoint: help })!;
          expect(sum).toBeCloseTo(
            observations.reduce((a, b) => a + b, 0),
            6,
          );
          for (const b of BOUNDS)
            expect(sample(families, 't_seconds', 't_seconds_bucket', { endpoint: help, le: String(b) })).toBe(
              observations.filter((o) => o <= b).length,
            );
        },
      ),
    );
  });

  test('collectors run before each render', () => {
    const r = new Registry();
    const g = r.gauge('t_queue', 'queued');
    let n = 0;
    r.collect(() => void (g.cell().value = ++n));
    expect(sample(parsePrometheus(r.render()), 't_queue', 't_queue')).toBe(1);
    expect(sample(parsePrometheus(r.render()), 't_queue', 't_queue')).toBe(2);
  });

  test('refuses invalid names, duplicate families and bad bounds', () => {
    const r = new Registry();
    expect(() => r.counter('bad-name', 'x')).toThrow('invalid metric name `bad-name`');
    r.counter('t_total', 'x');
    expect(() => r.gauge('t_total', 'x')).toThrow('registered twice');
    expect(() => r.histogram('t_h', 'x', [1, 1])).toThrow('increasing');
  });
});

describe('the format checker', () => {
  const ok = '# HELP a_total help\n# TYPE a_total counter\na_total{x="1"} 2\n';
  test.each([
    ['no final newline', ok.slice(0, -1), 'end with a newline'],
    ['TYPE twice', '# TYPE a gauge\n# TYPE a gauge\na 1\n', 'TYPE for `a`'],
    ['TYPE after samples', 'a 1\n# TYPE a gauge\n', 'TYPE for `a`'],
    ['bad escape in a label', 'a{x="\\t"} 1\n', 'invalid escape'],
    ['unterminated label', 'a{x="1} 1\n', 'unterminated'],
    ['bad value', 'a 1,5\n', 'invalid'],
    ['duplicate series', 'a{x="1"} 1\na{x="1"} 2\n', 'duplicate series'],
    ['family split', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n', 'not contiguous'],
    ['empty line', 'a 1\n\nb 2\n', 'empty line'],
    [
      'histogram not cumulative',
      '# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="2"} 2\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 3\n',
      'not cumulative',
    ],
    ['histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 3\nh_sum 1\nh_count 3\n', '+Inf'],
    ['histogram +Inf != count', '# TYPE h histogram\nh_bucket{le="+Inf"} 3\nh_sum 1\nh_count 4\n', '!= count'],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parsePrometheus(text)).toThrow(message);
  });

  test('accepts a valid exposition', () => {
    expect(sample(parsePrometheus(ok), 'a_total', 'a_total', { x: '1' })).toBe(2);
  });

  test('the expositions of several workers merge into one: samples added up, chosen gauges by min or max, label sets united', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            counts: fc.array(fc.tuple(fc.constantFrom('a', 'b c', 'd"e'), fc.nat({ max: 1000 })), { maxLength: 4 }),
            observations: fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { maxLength: 10 }),
            ready: fc.constantFrom(0, 1),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (workers) => {
          const texts = workers.map((w) => {
            const r = new Registry();
            const c = r.counter('t_events_total', 'events');
            for (const [label, n] of w.counts) c.cell({ kind: label }).value += n;
            const observe = r.histogram('t_seconds', 'a histogram', BOUNDS).observer({ endpoint: 'decide' });
            for (const o of w.observations) observe(o);
            r.gauge('t_ready', 'ready').cell().value = w.ready;
            return r.render();
          });
          const merged = parsePrometheus(mergeExpositions(texts, { t_ready: 'min' }));
          const want = new Map<string, number>();
          for (const w of workers) for (const [label, n] of w.counts) want.set(label, (want.get(label) ?? 0) + n);
          for (const [label, n] of want) expect(sample(merged, 't_events_total', 't_events_total', { kind: label })).toBe(n);
          const all = workers.flatMap((w) => w.observations);
          expect(sample(merged, 't_seconds', 't_seconds_count', { endpoint: 'decide' })).toBe(all.length);
          expect(sample(merged, 't_seconds', 't_seconds_bucket', { endpoint: 'decide', le: '0.01' })).toBe(
            all.filter((o) => o <= 0.01).length,
          );
          expect(sample(merged, 't_seconds', 't_seconds_bucket', { endpoint: 'decide', le: '+Inf' })).toBe(all.length);
          expect(sample(merged, 't_ready', 't_ready')).toBe(Math.min(...workers.map((w) => w.ready)));
          expect(merged.get('t_seconds')!.type).toBe('histogram');
        },
      ),
    );
  });
});
