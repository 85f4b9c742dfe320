import { describe, expect, it } from 'vitest';
import { SliResult } from '../../src/data/common.js';
import { parseStageData } from '../../src/data/store.js';
import { ConfigError } from '../../src/errors.js';
import { baseline, sli } from '../report/fixtures.js';

describe('SliResult.histogram', () => {
  it('accepts a real encoded histogram', () => {
    expect(SliResult.safeParse(sli()).success).toBe(true);
  });

  it.each([
    ['not base64 at all', 'not a histogram'],
    ['empty', ''],
    ['base64 of something else', Buffer.from('{"p95": 12}').toString('base64')],
    ['a real one cut short', sli().histogram.slice(0, 20)],
  ])('refuses %s as not a valid HDR histogram', (_label, histogram) => {
    const parsed = SliResult.safeParse(sli({ histogram }));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['histogram'],
        message: expect.stringMatching(/^not a valid HDR histogram \(.+\); measure again$/),
      }),
    ]);
  });

  it('makes the data reader refuse the file as the user’s to fix, naming it', () => {
    const data = baseline();
    data.journeys[1]!.result.histogram = 'HISTFAAAAB damaged by hand';
    const source = '/runs/perf-flow-report/data/baseline.json';
    let error: unknown;
    try {
      parseStageData('baseline', JSON.stringify(data), source);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(source);
    expect((error as Error).message).toMatch(
      /journeys\.1\.result\.histogram: not a valid HDR histogram/,
    );
  });
});
