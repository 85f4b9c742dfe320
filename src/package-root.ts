import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of perf-flow's own package.json, found by walking up from this module:
 * the same answer from src/ under test, from dist/<entry>/ and from an npm install.
 */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'perf-flow')
      return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`perf-flow's package.json was not found above ${from}`);
  }
}
