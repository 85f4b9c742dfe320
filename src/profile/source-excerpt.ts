import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface SourceExcerpt {
  /** 1-based number of the first line given. */
  firstLine: number;
  lines: string[];
}

/** Source files larger than this are not read for an excerpt (a bundle, generated code). */
const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
const MAX_LINE_CHARS = 160;

/**
 * Lines around `line` of a repository file, read once per file however many hotspots it has.
 * Nothing (null) for a file that is missing, too large, or shorter than `line`.
 */
export class SourceExcerpts {
  private readonly files = new Map<string, string[] | null>();

  constructor(
    private readonly repoRoot: string,
    private readonly context = 2,
  ) {}

  around(file: string, line: number): SourceExcerpt | null {
    const lines = this.linesOf(file);
    if (lines === null || line < 1 || line > lines.length) return null;
    const from = Math.max(1, line - this.context);
    const to = Math.min(lines.length, line + this.context);
    return {
      firstLine: from,
      lines: lines
        .slice(from - 1, to)
        .map((text) => (text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text)),
    };
  }

  private linesOf(file: string): string[] | null {
    let lines = this.files.get(file);
    if (lines !== undefined) return lines;
    lines = null;
    try {
      const absolute = path.resolve(this.repoRoot, file);
      if (statSync(absolute).size <= MAX_SOURCE_BYTES) {
        lines = readFileSync(absolute, 'utf8').split(/\r?\n/);
      }
    } catch {
      // A file the profile names but the checkout lacks (built elsewhere): no excerpt.
    }
    this.files.set(file, lines);
    return lines;
  }
}
