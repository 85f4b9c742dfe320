import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Lines of each file (repository-relative, forward slashes) that the head adds or changes. */
export type ChangedLines = Map<string, number[]>;

/**
 * What the head changed since it left `base`, as `git diff base...head` has it: the diff from
 * their merge base, so that what the base branch did since (a PR branched a while ago) is not
 * taken for the PR's. Run in `repoRoot` (file names relative to it) against the working tree,
 * uncommitted changes included, as the profiles were taken of the working tree. Only the
 * head's side of each hunk counts: a line that was deleted is not in the head's profile to
 * point at.
 */
export async function changedLines(repoRoot: string, base: string): Promise<ChangedLines> {
  const from = await mergeBase(repoRoot, base);
  const { stdout } = await run(
    'git',
    // --relative: paths from repoRoot, as the profiles' files are named, also when it is a
    // subdirectory of the repository; explicit prefixes whatever the user's diff settings.
    [
      '-C',
      repoRoot,
      'diff',
      '--relative',
      '--unified=0',
      '--no-color',
      '--no-ext-diff',
      '--src-prefix=a/',
      '--dst-prefix=b/',
      from,
      '--',
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return parseUnifiedDiff(stdout);
}

/** The commit head and base last shared; the base itself when they share none. */
async function mergeBase(repoRoot: string, base: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', repoRoot, 'merge-base', base, 'HEAD'], {
      timeout: 60_000,
    });
    return stdout.trim() || base;
  } catch {
    return base;
  }
}

/** The head-side lines of every hunk of a unified diff (`+++ b/file`, `@@ -a,b +c,d @@`). */
export function parseUnifiedDiff(diff: string): ChangedLines {
  const changed: ChangedLines = new Map();
  let file: string | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const target = line.slice(4).trim();
      file = target === '/dev/null' ? null : target.replace(/^b\//, '');
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk === null || file === null) continue;
    const start = Number(hunk[1]);
    const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
    const lines = changed.get(file) ?? [];
    for (let n = start; n < start + count; n++) lines.push(n);
    changed.set(file, lines);
  }
  return changed;
}
