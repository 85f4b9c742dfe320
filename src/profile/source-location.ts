import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SourceLocation {
  /** Relative to the repository (forward slashes) when inside it, else the URL as given. */
  file: string | null;
  /** Whether the file lies inside the repository (node_modules included). */
  inRepo: boolean;
}

/** Where a profiled function's script is, as a reader of the repository would name it. */
export function locateSource(url: string, repoRoot: string): SourceLocation {
  if (url === '') return { file: null, inRepo: false };
  const absolute = toAbsolutePath(url);
  if (absolute === null) return { file: url, inRepo: false };
  const relative = path.relative(repoRoot, absolute);
  const outside =
    relative === '' ||
    relative === '..' ||
    relative.startsWith(`..${path.sep}`) ||
    path.isAbsolute(relative);
  if (outside) return { file: url, inRepo: false };
  return { file: relative.split(path.sep).join('/'), inRepo: true };
}

/** ESM scripts carry file:// URLs, CommonJS ones plain paths; node:, http: and the like stay. */
function toAbsolutePath(url: string): string | null {
  if (url.startsWith('file:')) {
    try {
      return fileURLToPath(url);
    } catch {
      return null;
    }
  }
  return path.isAbsolute(url) ? url : null;
}

/** V8 counts from 0 and writes -1 for unknown; reports count from 1. */
export function oneBased(position: number): number | null {
  return position >= 0 ? position + 1 : null;
}
