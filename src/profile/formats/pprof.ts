import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import {
  CallTreeBuilder,
  nonEmpty,
  profileError,
  type CallTree,
  type ProfileKind,
  type ValueUnit,
} from '../call-tree.js';

const EXPECTED = 'a pprof profile';

type Numeric = number | bigint;

/** Whether the bytes start with gzip's magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a pprof profile (profile.proto, gzipped or not) into a call tree.
 *
 * One sample type is read: the profile's default_sample_type when it names one, else the
 * `cpu` time (Go's CPU profiles), else the last one (pprof's own default). A location with
 * several lines is a function with others inlined into it, the innermost first: each line is
 * a frame. A frame is a function (name, file, start line): pprof's per-line detail within a
 * function is left out, so that a function's samples add up in one place as with V8.
 * Locations without lines (not symbolized) are frames named by their address.
 */
export function parsePprof(bytes: Uint8Array, source: string): CallTree {
  const fail = (problem: string) => profileError(source, EXPECTED, problem);
  let data = bytes;
  if (isGzip(bytes)) {
    try {
      data = gunzipSync(bytes);
    } catch (error) {
      throw fail(`its gzip data does not decompress (${(error as Error).message})`);
    }
  }
  if (data.length === 0) throw fail('it is empty');
  const problem = wireProblem(data, 0, data.length, PROFILE);
  if (problem !== null) throw fail(problem);
  let profile: Profile;
  try {
    profile = Profile.decode(data);
  } catch (error) {
    throw fail((error as Error).message);
  }
  return nonEmpty(pprofToTree(profile, source, fail), EXPECTED);
}

function pprofToTree(profile: Profile, source: string, fail: (problem: string) => Error): CallTree {
  const strings = profile.stringTable.strings;
  const str = (index: Numeric, what: string): string => {
    const s = strings[toSafe(index)];
    if (s === undefined) throw fail(`${what} refers to string ${index}, beyond the string table`);
    return s;
  };
  if (profile.sampleType.length === 0) throw fail('it has no sample types');
  const types = profile.sampleType.map((t, i) => ({
    type: str(t.type, `sample_type[${i}].type`),
    unit: str(t.unit, `sample_type[${i}].unit`),
  }));
  const chosen = chooseSampleType(types, str(profile.defaultSampleType, 'default_sample_type'));
  const { type, unit: rawUnit } = types[chosen]!;
  const { unit, scale } = normalizeUnit(type, rawUnit);
  const builder = new CallTreeBuilder({ format: 'pprof', source, kind: kindOf(type, unit), unit });

  const functions = new Map<number, { name: string; file: string; line: number }>();
  profile.function.forEach((fn, i) => {
    functions.set(toSafe(fn.id), {
      name: str(fn.name, `function[${i}].name`) || str(fn.systemName, `function[${i}].system_name`),
      file: str(fn.filename, `function[${i}].filename`),
      line: toSafe(fn.startLine),
    });
  });
  const mappingFile = new Map<number, string>();
  profile.mapping.forEach((m, i) =>
    mappingFile.set(toSafe(m.id), str(m.filename, `mapping[${i}].filename`)),
  );
  // Frames of each location, outermost first (pprof lists inlined lines innermost first),
  // interned on first use so that the tree's frames are those its stacks use.
  const locations = new Map(profile.location.map((location, i) => [toSafe(location.id), i]));
  const locationFrames = new Map<number, number[]>();
  const framesOf = (id: number): number[] | undefined => {
    let frames = locationFrames.get(id);
    if (frames !== undefined) return frames;
    const i = locations.get(id);
    if (i === undefined) return undefined;
    const location = profile.location[i]!;
    frames = [];
    for (let l = location.line.length - 1; l >= 0; l--) {
      const line = location.line[l]!;
      const fn = functions.get(toSafe(line.functionId));
      if (fn === undefined) {
        throw fail(`location[${i}] refers to function ${line.functionId}, which is not defined`);
      }
      frames.push(builder.frame(fn));
    }
    if (frames.length === 0) {
      const address = `0x${BigInt(location.address).toString(16)}`;
      frames.push(
        builder.frame({ name: address, file: mappingFile.get(toSafe(location.mappingId)) }),
      );
    }
    locationFrames.set(id, frames);
    return frames;
  };

  const stack: number[] = [];
  // Samples as the profiler took them: its samples/count value when it has one (Go's CPU
  // profile), else one per entry.
  const countType = types.findIndex((t) => t.type === 'samples' && t.unit === 'count');
  let sampleCount = 0;
  profile.sample.forEach((sample, i) => {
    const raw = sample.value[chosen];
    sampleCount += countType >= 0 ? toInt64(sample.value[countType] ?? 0) : 1;
    if (raw === undefined) {
      throw fail(`sample[${i}] has ${sample.value.length} values for ${types.length} sample types`);
    }
    const value = toInt64(raw) * scale;
    if (value === 0) return; // Go heap profiles list many stacks whose memory is all freed.
    stack.length = 0;
    // Sample locations are leaf first: walk them backwards for a root-first stack.
    for (let l = sample.locationId.length - 1; l >= 0; l--) {
      const frames = framesOf(toSafe(sample.locationId[l]!));
      if (frames === undefined) {
        throw fail(`sample[${i}] refers to location ${sample.locationId[l]}, which is not defined`);
      }
      for (const frame of frames) stack.push(frame);
    }
    builder.addStack(stack, value);
  });
  return builder.build(undefined, sampleCount);
}

function chooseSampleType(types: Array<{ type: string; unit: string }>, byDefault: string): number {
  if (byDefault !== '') {
    const i = types.findIndex((t) => t.type === byDefault);
    if (i !== -1) return i;
  }
  const cpu = types.findIndex((t) => t.type === 'cpu');
  return cpu !== -1 ? cpu : types.length - 1;
}

function normalizeUnit(type: string, unit: string): { unit: ValueUnit; scale: number } {
  switch (unit) {
    case 'nanoseconds':
      return { unit: 'nanoseconds', scale: 1 };
    case 'microseconds':
      return { unit: 'microseconds', scale: 1 };
    case 'milliseconds':
      return { unit: 'microseconds', scale: 1e3 };
    case 'seconds':
      return { unit: 'nanoseconds', scale: 1e9 };
    case 'bytes':
      return { unit: 'bytes', scale: 1 };
    default:
      return { unit: type === 'samples' || type === 'sample' ? 'samples' : 'count', scale: 1 };
  }
}

function kindOf(type: string, unit: ValueUnit): ProfileKind {
  if (type === 'wall' || type === 'delay') return 'wall';
  if (unit === 'bytes' || /^(alloc|inuse)_|^(space|objects)$/.test(type)) return 'heap';
  return 'cpu';
}

/** pprof ids and indices: varints of up to 64 bits, which pprof-format gives as bigints. */
function toSafe(value: Numeric): number {
  if (typeof value === 'number') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number.MAX_SAFE_INTEGER;
}

/** Sample values are int64: a bigint beyond 2^63 is a negative value (a diff profile's). */
function toInt64(value: Numeric): number {
  return typeof value === 'number' ? value : Number(BigInt.asIntN(64, value));
}

// The structure pprof-format's decoder trusts blindly: it reads a length past the end of a
// truncated file as whatever is there. Checking the wire format first turns a cut or corrupt
// file into an error that says where.
type Field = 'varint' | 'packed' | 'bytes' | Message;
interface Message {
  name: string;
  fields: Readonly<Record<number, Field>>;
}
const VALUE_TYPE: Message = { name: 'ValueType', fields: { 1: 'varint', 2: 'varint' } };
const LABEL: Message = {
  name: 'Label',
  fields: { 1: 'varint', 2: 'varint', 3: 'varint', 4: 'varint' },
};
const SAMPLE: Message = { name: 'Sample', fields: { 1: 'packed', 2: 'packed', 3: LABEL } };
const MAPPING: Message = {
  name: 'Mapping',
  fields: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i + 1, 'varint' as const])),
};
const LINE: Message = { name: 'Line', fields: { 1: 'varint', 2: 'varint', 3: 'varint' } };
const LOCATION: Message = {
  name: 'Location',
  fields: { 1: 'varint', 2: 'varint', 3: 'varint', 4: LINE, 5: 'varint' },
};
const FUNCTION: Message = {
  name: 'Function',
  fields: { 1: 'varint', 2: 'varint', 3: 'varint', 4: 'varint', 5: 'varint' },
};
const PROFILE: Message = {
  name: 'Profile',
  fields: {
    1: VALUE_TYPE,
    2: SAMPLE,
    3: MAPPING,
    4: LOCATION,
    5: FUNCTION,
    6: 'bytes',
    7: 'varint',
    8: 'varint',
    9: 'varint',
    10: 'varint',
    11: VALUE_TYPE,
    12: 'varint',
    13: 'packed',
    14: 'varint',
    15: 'varint',
  },
};

const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** The first thing wrong with the protobuf encoding of `message` in bytes[start, end), or null. */
function wireProblem(
  bytes: Uint8Array,
  start: number,
  end: number,
  message: Message,
): string | null {
  let at = start;
  while (at < end) {
    const tagAt = at;
    const tag = bytes[at++]!;
    // pprof-format reads a tag as one byte, which holds every field pprof defines (1-15).
    if (tag & 0x80) return `field number above 15 at offset ${tagAt} (not a pprof field)`;
    const field = tag >> 3;
    const wireType = tag & 7;
    if (field === 0) return `field number 0 at offset ${tagAt}`;
    const expected: Field | undefined = message.fields[field];
    if (wireType === VARINT) {
      if (expected !== undefined && expected !== 'varint' && expected !== 'packed') {
        return `${message.name} field ${field} at offset ${tagAt} is a number, expected bytes`;
      }
      at = skipVarint(bytes, at, end);
      if (at < 0) return `a number at offset ${tagAt} is cut short by the end of the data`;
    } else if (wireType === LENGTH_DELIMITED) {
      if (expected === 'varint') {
        return `${message.name} field ${field} at offset ${tagAt} is bytes, expected a number`;
      }
      const lengthAt = at;
      at = skipVarint(bytes, at, end);
      if (at < 0) return `a length at offset ${lengthAt} is cut short by the end of the data`;
      const length = readVarint(bytes, lengthAt);
      if (length > end - at) {
        return `${message.name} field ${field} at offset ${tagAt} needs ${length} bytes, ${end - at} are left (the file is cut short or corrupt)`;
      }
      const stop = at + length;
      if (expected === 'packed') {
        for (let p = at; p < stop;) {
          p = skipVarint(bytes, p, stop);
          if (p < 0) return `packed numbers at offset ${at} end mid-number`;
        }
      } else if (typeof expected === 'object') {
        const inner = wireProblem(bytes, at, stop, expected);
        if (inner !== null) return inner;
      }
      at = stop;
    } else {
      return `invalid wire type ${wireType} at offset ${tagAt}`;
    }
  }
  return null;
}

/** The offset after the varint at `at`, or -1 when it does not end before `end`. */
function skipVarint(bytes: Uint8Array, at: number, end: number): number {
  for (let i = at; i < end && i < at + 10; i++) if ((bytes[i]! & 0x80) === 0) return i + 1;
  return -1;
}

function readVarint(bytes: Uint8Array, at: number): number {
  let value = 0;
  let scale = 1;
  for (let i = at; ; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return value;
    scale *= 128;
  }
}
