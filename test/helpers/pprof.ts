import {
  Function as PprofFunction,
  Line,
  Location,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';

export interface GoFrame {
  name: string;
  file: string;
  line: number;
}

/**
 * A CPU profile as Go's runtime/pprof writes it: samples/count and cpu/nanoseconds, locations
 * leaf first. Stacks are given root first; one location per function, at its line.
 */
export function goCpuProfile(samples: Array<{ stack: GoFrame[]; ms: number }>): Uint8Array {
  const strings = new StringTable();
  const frames = [...new Map(samples.flatMap((s) => s.stack).map((f) => [f.name, f])).values()];
  const id = (f: GoFrame) => frames.findIndex((g) => g.name === f.name) + 1;
  return new Profile({
    sampleType: [
      new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') }),
      new ValueType({ type: strings.dedup('cpu'), unit: strings.dedup('nanoseconds') }),
    ],
    period: 10_000_000,
    function: frames.map(
      (f, i) =>
        new PprofFunction({
          id: i + 1,
          name: strings.dedup(f.name),
          filename: strings.dedup(f.file),
          startLine: f.line,
        }),
    ),
    location: frames.map(
      (f, i) => new Location({ id: i + 1, line: [new Line({ functionId: i + 1, line: f.line })] }),
    ),
    sample: samples.map(
      ({ stack, ms }) =>
        new Sample({ locationId: [...stack].reverse().map(id), value: [ms / 10, ms * 1e6] }),
    ),
    stringTable: strings,
  }).encode();
}
