import { describe, expect, it } from 'vitest';
import { profileAnnotations } from '../../src/stages/summary.js';
import { profile } from '../report/fixtures.js';

describe('profileAnnotations', () => {
  it('puts the differential on the lines the change made, before the hotspots', () => {
    const data = {
      ...profile(),
      differential: {
        baseRef: 'origin/main',
        baseSha: 'b'.repeat(40),
        grew: [
          {
            functionName: 'scoreRecommendations',
            file: 'server.mjs',
            line: 99,
            baseShare: 0.3,
            headShare: 0.5,
            change: 0.2,
            changedLines: [106, 105],
          },
          // Grew, but this change did not touch it: no annotation of its own.
          {
            functionName: 'render',
            file: 'view.mjs',
            line: 3,
            baseShare: 0.1,
            headShare: 0.12,
            change: 0.02,
            changedLines: [],
          },
        ],
        shrank: [],
      },
    };
    const annotations = profileAnnotations(data);
    expect(annotations[0]).toEqual({
      path: 'server.mjs',
      line: 105,
      title: 'perf-flow: scoreRecommendations got slower',
      message:
        "scoreRecommendations's share of CPU time grew from 30% to 50% under the same load against origin/main; this change touches it (lines 105-106).",
    });
    expect(annotations.filter((a) => a.title.includes('got slower'))).toHaveLength(1);
    expect(annotations[1]!.title).toBe('perf-flow hotspot: serializeUsers');
  });
});
