import type { ParsedProfile } from '../../src/profile/cpuprofile.js';

/** A frame as V8 writes it (0-based line and column); a bare string is a builtin-like frame. */
export interface FrameSpec {
  name: string;
  url?: string;
  line?: number;
  column?: number;
}

export interface SampleSpec {
  /** Outermost first, without (root): the builder adds it. */
  stack: Array<FrameSpec | string>;
  /** How long this sample stands for, in microseconds. */
  us: number;
}

/** Builds a profile whose samples last exactly as long as asked, to test the arithmetic. */
export function buildProfile(
  samples: SampleSpec[],
  opts: { source?: string; startTime?: number; wallClockEndMs?: number } = {},
): ParsedProfile {
  const nodes: ParsedProfile['nodes'] = [
    {
      id: 1,
      callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 },
      hitCount: 0,
      children: [],
    },
  ];
  const byPath = new Map<string, number>([['', 1]]);
  const sampleIds: number[] = [];
  for (const sample of samples) {
    let parentPath = '';
    let parentId = 1;
    for (const spec of sample.stack) {
      const frame = typeof spec === 'string' ? { name: spec } : spec;
      const path = `${parentPath}/${frame.name}@${frame.url ?? ''}:${frame.line ?? -1}`;
      let id = byPath.get(path);
      if (id === undefined) {
        id = nodes.length + 1;
        byPath.set(path, id);
        nodes.push({
          id,
          callFrame: {
            functionName: frame.name,
            url: frame.url ?? '',
            lineNumber: frame.line ?? -1,
            columnNumber: frame.column ?? -1,
          },
          hitCount: 0,
          children: [],
        });
        nodes[parentId - 1]!.children.push(id);
      }
      parentPath = path;
      parentId = id;
    }
    nodes[parentId - 1]!.hitCount++;
    sampleIds.push(parentId);
  }
  const startTime = opts.startTime ?? 0;
  // Sample i lasts until sample i + 1, so its duration is the next sample's delta.
  const timeDeltas = samples.map((_, i) => (i === 0 ? 0 : samples[i - 1]!.us));
  const endTime = startTime + samples.reduce((sum, s) => sum + s.us, 0);
  return {
    source: opts.source ?? 'synthetic.cpuprofile',
    nodes,
    startTime,
    endTime,
    samples: sampleIds,
    timeDeltas,
    wallClockEndMs: opts.wallClockEndMs ?? null,
  };
}
