import { describe, expect, it } from 'vitest';
import {
  codeBlock,
  escapeMarkdown,
  formatChange,
  sloStatusBadge,
  table,
  verdictBadge,
} from '../../src/report/format.js';
import { cells, expectWellFormedTables } from './fixtures.js';

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

describe('badges', () => {
  it('marks each verdict', () => {
    expect(verdictBadge('PASS')).toBe('PASS ✅');
    expect(verdictBadge('PARTIAL')).toBe('PARTIAL ⚠️');
    expect(verdictBadge('FAIL')).toBe('FAIL ❌');
    expect(verdictBadge('INCONCLUSIVE')).toBe('INCONCLUSIVE ❔');
    expect(sloStatusBadge('fail')).toBe('❌ fail');
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['a|b<script>', 'a\\|b&lt;script&gt;'],
    ['`rm -rf`', '\\`rm -rf\\`'],
    ['**bold** _it_ ~~s~~', '\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~'],
    ['[click](https://evil.example)', '\\[click\\](https:&#8203;//evil.example)'],
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

  it('leaves nothing GitHub would autolink', () => {
    const escaped = escapeMarkdown('login at https://evil.example/reset or www.evil.example');
    expect(escaped).toBe('login at https:&#8203;//evil.example/reset or www&#8203;.evil.example');
    for (const text of [
      'HTTP://EVIL.EXAMPLE',
      'ftp://evil.example',
      'WWW.evil.example',
      '(www.evil.example)',
      '*www.evil.example*',
      '_www.evil.example_',
      '~www.evil.example~',
      'see:www.evil.example',
      'http://www.evil.example',
      'mail me: a.b@evil.example',
    ]) {
      const out = escapeMarkdown(text);
      expect(out).not.toMatch(/:\/\//);
      expect(out).not.toMatch(/www\./i);
      expect(out).not.toMatch(/@[\w-]/);
    }
    // Words that merely contain the letters stay as they are.
    expect(escapeMarkdown('awww.ok')).toBe('awww.ok');
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
