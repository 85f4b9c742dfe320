import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENTRY_NAMES } from '../../src/entrypoints.js';

describe('dist entries', () => {
  it.each(ENTRY_NAMES)('dist/%s/index.js starts its own entry from the shared bundle', (name) => {
    const file = `dist/${name}/index.js`;
    expect(existsSync(file), `${file}: run npm run build`).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain(`await start(${JSON.stringify(name)});`);
  });

  it('has one entry per action and the CLI, as package.json and the action.yml files name them', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(manifest.bin['perf-flow']).toBe('dist/cli/index.js');
    expect([...ENTRY_NAMES].sort()).toEqual([
      'baseline',
      'cli',
      'load-test',
      'optimization-plan',
      'profile-analysis',
      'run',
      'slo-gate',
      'summary',
    ]);
  });
});
