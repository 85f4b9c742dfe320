import { describe, expect, it } from 'vitest';
import {
  codeBlock,
  escapeMarkdown,
  formatBytes,
  formatChange,
  formatMs,
  formatPct,
  formatRate,
  formatSliValue,
  sloStatusBadge,
  table,
  verdictBadge,
} from '../../src/report/format.js';
import { cells, expectWellFormedTables } from './fixtures.js';

describe('formatMs', () => {
  it.each([
    [0, '0 ms'],
    [0.42, '0.42 ms'],
    [0.0042, '0.0042 ms'],
    [1.5, '1.5 ms'],
    [9.876, '9.88 ms'],
    [12.3, '12.3 ms'],
    [48.74, '48.7 ms'],
    [50, '50 ms'],
    // Near a hand-written threshold the decimal matters: 100.4 ms misses "< 100ms".
    [100.4, '100.4 ms'],
    [999.4, '999.4 ms'],
    [999.97, '1 s'],
    [1234, '1.23 s'],
    [61_500, '61.5 s'],
    [1_234_000, '1,234 s'],
    [Number.NaN, '—'],
  ])('%s ms → %s', (ms, expected) => {
    expect(formatMs(ms)).toBe(expected);
  });
});

describe('formatPct', () => {
  it.each([
    [0, '0%'],
    [1, '100%'],
    [0.5, '50%'],
    [0.1234, '12.3%'],
    [0.00244, '0.24%'],
    [0.0025, '0.25%'],
    [0.01, '1%'],
    [0.99927, '99.93%'],
    [0.997, '99.7%'],
    // Neither a near-perfect availability nor a tiny error rate may round to 100% or 0%.
    [0.9999, '99.99%'],
    [0.99995, '99.995%'],
    [0.00004, '0.004%'],
    [1.2518, '125.2%'],
  ])('%s → %s', (fraction, expected) => {
    expect(formatPct(fraction)).toBe(expected);
  });
});

describe('formatRate and formatBytes', () => {
  it.each([
    [412, '412 req/s'],
    [412.4, '412.4 req/s'],
    [399.96, '400 req/s'],
    [12.34, '12.3 req/s'],
    [0.5, '0.5 req/s'],
    [1234.5, '1,235 req/s'],
  ])('rate %s → %s', (rps, expected) => {
    expect(formatRate(rps)).toBe(expected);
  });

  it.each([
    [512, '512 B'],
    [1536, '1.5 KiB'],
    [150 * 1024 ** 2, '150 MiB'],
    [16 * 1024 ** 3, '16 GiB'],
  ])('bytes %s → %s', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });
});

describe('formatChange', () => {
  it('shows the direction of the figure and, separately, whether that is good', () => {
    expect(formatChange(12.267, false)).toBe('▲ +12.3% 🔴 worse');
    expect(formatChange(-8, true)).toBe('▼ -8.0% 🟢 better');
    expect(formatChange(6.1, true)).toBe('▲ +6.1% 🟢 better');
    expect(formatChange(0, null)).toBe('= 0.0%');
  });

  it('says why there is no percentage when before was 0', () => {
    expect(formatChange(null, false)).toBe('n/a (before was 0)');
  });
});

describe('badges and SLI values', () => {
  it('marks each verdict', () => {
    expect(verdictBadge('PASS')).toBe('PASS ✅');
    expect(verdictBadge('PARTIAL')).toBe('PARTIAL ⚠️');
    expect(verdictBadge('FAIL')).toBe('FAIL ❌');
    expect(verdictBadge('INCONCLUSIVE')).toBe('INCONCLUSIVE ❔');
    expect(sloStatusBadge('fail')).toBe('❌ fail');
  });

  it('formats an observed value in its SLI unit', () => {
    expect(formatSliValue('latency.p95', 102.5)).toBe('102.5 ms');
    expect(formatSliValue('error_rate', 0.00244)).toBe('0.24%');
    expect(formatSliValue('availability', 0.9995)).toBe('99.95%');
    expect(formatSliValue('throughput', 498.7)).toBe('498.7 req/s');
    expect(formatSliValue('latency.p99', null)).toBe('not measured');
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['a|b<script>', 'a\\|b&lt;script&gt;'],
    ['`rm -rf`', '\\`rm -rf\\`'],
    ['**bold** _it_ ~~s~~', '\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~'],
    ['[click](https://evil.example)', '\\[click\\](https://evil.example)'],
    ['# Heading', '\\# Heading'],
    ['  # indented heading', '  \\# indented heading'],
    ['issue #12', 'issue #12'],
    ['- item', '\\- item'],
    ['1. first', '1\\. first'],
    ['---', '\\---'],
    ['=====', '\\====='],
    ['+ item', '\\+ item'],
    ['-12.3% change', '-12.3% change'],
    ['9.0.0', '9.0.0'],
    ['line one\nline two\r\nthree', 'line one line two three'],
    ['C:\\path', 'C:\\\\path'],
    ['$\\color{red}{x}$', '&#36;\\\\color{red}{x}&#36;'],
    ['ping @octocat', 'ping @&#8203;octocat'],
    ['R&D &lt;', 'R&amp;D &amp;lt;'],
    ['plain words stay', 'plain words stay'],
  ])('%j → %j', (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });

  it('keeps a hostile cell inside its table', () => {
    const md = table(
      ['a', 'b', 'c', 'd'],
      [
        [
          escapeMarkdown('x|y|z'),
          escapeMarkdown('new\nline'),
          escapeMarkdown('`|`'),
          // A backslash of its own must not turn the escape of the pipe after it into text.
          escapeMarkdown('back\\|slash'),
        ],
      ],
    );
    expectWellFormedTables(md);
    const row = md.split('\n')[2] ?? '';
    expect(cells(row)).toEqual(['x\\|y\\|z', 'new line', '\\`\\|\\`', 'back\\\\\\|slash']);
  });
});

describe('codeBlock', () => {
  it('uses a fence longer than any backtick run inside, so nothing closes it early', () => {
    const block = codeBlock(['echo ```', 'echo ````done']);
    const lines = block.split('\n');
    expect(lines[0]).toBe('`````text');
    expect(lines.at(-1)).toBe('`````');
    expect(lines.slice(1, -1)).toEqual(['echo ```', 'echo ````done']);
  });

  it('uses three backticks when the content has none', () => {
    expect(codeBlock(['npm start'], 'sh')).toBe('```sh\nnpm start\n```');
  });
});
