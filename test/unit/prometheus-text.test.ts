// The Prometheus text format writer: escapes, grouping of families, values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeLabelValue, renderTextFormat } from '../../src/svc/prometheus-text.ts';
import { parseExposition } from '../helpers/prometheus-text-parser.ts';

test('label values escape backslash, double quote and line feed, and nothing else', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd\te'), 'a\\\\b\\"c\\nd\te');
});

test('each family gets one HELP and one TYPE line before all of its samples; families without samples are left out', () => {
  const text = renderTextFormat([
    { name: 'x_up', help: 'Up.\nSecond line \\ here', type: 'gauge', samples: [{ labels: { a: '1' }, value: 1 }, { labels: { a: '2' }, value: 0 }] },
    { name: 'x_none', help: 'Nothing.', type: 'gauge', samples: [] },
    { name: 'x_total', help: 'Count.', type: 'counter', samples: [{ labels: {}, value: 3 }] },
  ]);
  assert.equal(
    text,
    [
      '# HELP x_up Up.\\nSecond line \\\\ here',
      '# TYPE x_up gauge',
      'x_up{a="1"} 1',
      'x_up{a="2"} 0',
      '# HELP x_total Count.',
      '# TYPE x_total counter',
      'x_total 3',
      '',
    ].join('\n'),
  );
  assert.equal(parseExposition(text).families.get('x_up')?.help, 'Up.\nSecond line \\ here');
});

test('values are written as Prometheus reads floats: fractions, NaN and infinities', () => {
  const text = renderTextFormat([
    { name: 'v', help: 'v', type: 'gauge', samples: [1.5, NaN, Infinity, -Infinity].map((value, i) => ({ labels: { i: String(i) }, value })) },
  ]);
  assert.deepEqual(text.split('\n').slice(2, 6).map((line) => line.split(' ')[1]), ['1.5', 'NaN', '+Inf', '-Inf']);
  assert.equal(parseExposition(text).samples.length, 4);
});

test('no family, no text', () => {
  assert.equal(renderTextFormat([]), '');
});
