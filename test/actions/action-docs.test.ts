import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTION_DOCS, renderActionDoc } from '../../scripts/action-docs.mjs';

describe.each(ACTION_DOCS)('%s', (yml, readme, uses, key) => {
  it(`is documented in ${readme}, generated from it`, () => {
    const expected = renderActionDoc(readFileSync(yml, 'utf8'), uses, key);
    expect(readFileSync(readme, 'utf8'), 'run `npm run docs`').toBe(expected);
  });

  it('lists every input and output', () => {
    const doc = readFileSync(readme, 'utf8');
    expect(doc).toContain(`uses: ${uses}`);
    for (const name of [
      'config',
      'guidance',
      'trigger',
      'report-dir',
      'working-directory',
      'token',
      'report-path',
    ].filter((n) => n !== 'report-path' || yml !== 'action.yml')) {
      expect(doc).toContain(`\`${name}\``);
    }
  });
});

describe('the permissions each action README asks for', () => {
  const usage = (readme: string) =>
    /```yaml\npermissions:\n((?: {2}.+\n)+)steps:/.exec(readFileSync(readme, 'utf8'))?.[1] ?? '';

  it('asks the posting actions (root, summary) for the comment and the check run', () => {
    for (const readme of ['docs/action.md', 'actions/summary/README.md']) {
      expect(usage(readme)).toContain('pull-requests: write');
      expect(usage(readme)).toContain('checks: write');
      expect(usage(readme)).toContain('actions: read');
    }
  });

  it('asks the other stages for no write scope', () => {
    for (const [, readme, , key] of ACTION_DOCS) {
      if (key === 'root' || key === 'summary') continue;
      expect(usage(readme), readme).toContain('contents: read');
      expect(usage(readme), readme).not.toContain('write');
    }
  });
});
