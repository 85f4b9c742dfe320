import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SourceLocation {
  /** Relative to the repository (forward slashes) when inside it, else the URL as given. */
  file: string | null;
  /** Whether the file lies inside the repository (node_modules included). */
  inRepo: boolean;
}

/**
 * Where a profiled function's script is, as a reader of the repository would name it. Paths
 * that are neither absolute nor URLs (py-spy's, a Go binary built with -trimpath) count as the
 * repository's when such a file exists there.
 */
export function locateSource(url: string, repoRoot: string): SourceLocation {
  if (url === '') return { file: null, inRepo: false };
  const absolute = toAbsolutePath(url, repoRoot);
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
function toAbsolutePath(url: string, repoRoot: string): string | null {
  if (url.startsWith('file:')) {
    try {
      return fileURLToPath(url);
    } catch {
      return null;
    }
  }
  if (path.isAbsolute(url)) return url;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('<')) return null;
  const inRepo = path.resolve(repoRoot, url);
  let exists = existing.get(inRepo);
  if (exists === undefined) {
    exists = existsSync(inRepo);
    existing.set(inRepo, exists);
  }
  return exists ? inRepo : null;
}

/**
 * Whether a relative path names a file, asked once per path: a flame graph asks for every
 * frame it draws. Profiles are read once the service has run, so the files do not change.
 */
const existing = new Map<string, boolean>();
