import { CallTreeBuilder, nonEmpty, profileError, type CallTree } from '../call-tree.js';

const EXPECTED = 'folded stacks';

/** A count: the last space-separated token of a line. */
const COUNT = /^\d+(?:\.\d+)?$/;
/** `name (file:line)` or `name (file:line:column)`, as py-spy and toFolded write frames. */
const LOCATED = /^(.*\S) \(([^()]+?):(\d+)(?::(\d+))?\)$/;

/**
 * Reads folded stacks (`a;b;c 123` a line, root first: perf script | stackcollapse-perf.pl,
 * py-spy record --format raw, async-profiler's collapsed output) into a call tree of sample
 * counts. Frames may hold spaces; a frame written `name (file:line)` gets its location, any
 * other is kept as written (async-profiler's `_[j]` suffixes included). Blank lines are
 * skipped; any other line must end in a count.
 */
export function parseFolded(text: string, source: string): CallTree {
  const builder = new CallTreeBuilder({ format: 'folded', source, kind: 'cpu', unit: 'samples' });
  const frameOf = new Map<string, number>();
  const internFrame = (raw: string): number => {
    let frame = frameOf.get(raw);
    if (frame === undefined) {
      const located = LOCATED.exec(raw);
      frame = builder.frame(
        located === null
          ? { name: raw }
          : {
              name: located[1]!,
              file: located[2]!,
              line: Number(located[3]),
              column: located[4] === undefined ? 0 : Number(located[4]),
            },
      );
      frameOf.set(raw, frame);
    }
    return frame;
  };
  const stack: number[] = [];
  let lineNumber = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNumber++;
    const line = text.slice(start, end).trimEnd();
    start = end + 1;
    if (line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    const count = line.slice(space + 1);
    if (space <= 0 || !COUNT.test(count)) {
      throw profileError(
        source,
        EXPECTED,
        `line ${lineNumber} does not end in a count ("frame;frame;frame 123" expected): ${JSON.stringify(line.slice(0, 120))}`,
      );
    }
    stack.length = 0;
    for (const raw of line.slice(0, space).trimEnd().split(';')) stack.push(internFrame(raw));
    builder.addStack(stack, Number(count));
  }
  return nonEmpty(builder.build(), EXPECTED);
}

/** Whether a line reads as a folded stack: something, a space, a count. */
export function looksFolded(line: string): boolean {
  const trimmed = line.trimEnd();
  const space = trimmed.lastIndexOf(' ');
  return space > 0 && trimmed.slice(0, space).trim() !== '' && COUNT.test(trimmed.slice(space + 1));
}
