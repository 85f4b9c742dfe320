import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTION_DOCS, renderActionDoc } from '../../scripts/action-docs.mjs';

describe.each(ACTION_DOCS)('%s', (yml, readme, uses) => {
  it(`is documented in ${readme}, generated from it`, () => {
    const expected = renderActionDoc(readFileSync(yml, 'utf8'), uses);
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
