import { z } from 'zod';
import {
  CallTreeBuilder,
  nonEmpty,
  parseProfileJson,
  profileError,
  type CallTree,
  type ValueUnit,
} from '../call-tree.js';
import { describeIssues } from '../cpuprofile.js';

const EXPECTED = 'a speedscope profile';

// https://www.speedscope.app/file-format-schema.json: only what a call tree needs.
const FrameSchema = z.object({
  name: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  col: z.number().optional(),
});
const UnitSchema = z.enum([
  'none',
  'nanoseconds',
  'microseconds',
  'milliseconds',
  'seconds',
  'bytes',
]);
const SampledSchema = z.object({
  type: z.literal('sampled'),
  name: z.string().optional(),
  unit: UnitSchema,
  startValue: z.number(),
  endValue: z.number(),
  samples: z.array(z.array(z.number().int().nonnegative())),
  weights: z.array(z.number().nonnegative()),
});
const EventedSchema = z.object({
  type: z.literal('evented'),
  name: z.string().optional(),
  unit: UnitSchema,
  startValue: z.number(),
  endValue: z.number(),
  events: z.array(
    z.object({
      type: z.enum(['O', 'C']),
      at: z.number(),
      frame: z.number().int().nonnegative(),
    }),
  ),
});
const FileSchema = z.object({
  $schema: z.string().optional(),
  shared: z.object({ frames: z.array(FrameSchema) }),
  profiles: z.array(z.discriminatedUnion('type', [SampledSchema, EventedSchema])).min(1),
});
type SpeedscopeUnit = z.infer<typeof UnitSchema>;

/** Reads the text of a speedscope JSON file into a call tree. */
export function parseSpeedscope(text: string, source: string): CallTree {
  return speedscopeToTree(parseProfileJson(text, source, EXPECTED), source);
}

/**
 * A speedscope file holds one profile per thread (py-spy, rbspy) or per recording: all of them
 * are merged into one tree, as a process-wide picture. They must share a unit. Sampled
 * profiles add each stack's weight; evented ones give each stack the time it was on top (the
 * time between consecutive events), frames still open at the end until endValue.
 */
export function speedscopeToTree(json: unknown, source: string): CallTree {
  const fail = (problem: string) => profileError(source, EXPECTED, problem);
  const parsed = FileSchema.safeParse(json);
  if (!parsed.success) {
    throw fail(describeIssues(parsed.error));
  }
  const file = parsed.data;
  // Sampled profiles count their samples; evented ones have none to count.
  let sampleCount = 0;
  const first = normalizeUnit(file.profiles[0]!.unit);
  const builder = new CallTreeBuilder({
    format: 'speedscope',
    source,
    kind: first.unit === 'bytes' ? 'heap' : 'cpu',
    unit: first.unit,
  });
  const frames = file.shared.frames.map((frame) =>
    builder.frame({ name: frame.name, file: frame.file, line: frame.line, column: frame.col }),
  );
  const frameAt = (index: number, where: string): number => {
    const frame = frames[index];
    if (frame === undefined) {
      throw fail(`${where} refers to frame ${index}, but shared.frames has ${frames.length}`);
    }
    return frame;
  };

  file.profiles.forEach((profile, p) => {
    const { unit, scale } = normalizeUnit(profile.unit);
    if (unit !== first.unit) {
      throw fail(
        `profiles[${p}] is in ${profile.unit} but profiles[0] in ${file.profiles[0]!.unit}: one unit per file is read`,
      );
    }
    if (profile.type === 'sampled') {
      if (profile.samples.length !== profile.weights.length) {
        throw fail(
          `profiles[${p}] has ${profile.samples.length} samples but ${profile.weights.length} weights`,
        );
      }
      const stack: number[] = [];
      sampleCount += profile.samples.length;
      profile.samples.forEach((sample, s) => {
        stack.length = 0;
        for (const index of sample) stack.push(frameAt(index, `profiles[${p}].samples[${s}]`));
        builder.addStack(stack, profile.weights[s]! * scale);
      });
      return;
    }
    const open: number[] = [];
    let node = -1;
    let last = -Infinity;
    profile.events.forEach((event, e) => {
      const where = `profiles[${p}].events[${e}]`;
      if (event.at < last) throw fail(`${where} is at ${event.at}, before the event ahead of it`);
      if (node >= 0) builder.addSelf(node, (event.at - last) * scale);
      last = event.at;
      const frame = frameAt(event.frame, where);
      if (event.type === 'O') {
        open.push(event.frame);
        node = builder.child(node, frame);
        return;
      }
      const top = open.pop();
      if (top !== event.frame) {
        throw fail(
          `${where} closes frame ${event.frame} but ${top === undefined ? 'no frame' : `frame ${top}`} is open on top`,
        );
      }
      node = builder.parentOf(node);
    });
    if (node >= 0 && profile.endValue > last)
      builder.addSelf(node, (profile.endValue - last) * scale);
  });
  return nonEmpty(builder.build(undefined, sampleCount > 0 ? sampleCount : undefined), EXPECTED);
}

function normalizeUnit(unit: SpeedscopeUnit): { unit: ValueUnit; scale: number } {
  switch (unit) {
    case 'none':
      return { unit: 'samples', scale: 1 };
    case 'milliseconds':
      return { unit: 'microseconds', scale: 1e3 };
    case 'seconds':
      return { unit: 'microseconds', scale: 1e6 };
    default:
      return { unit, scale: 1 };
  }
}
