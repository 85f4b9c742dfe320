import { cp, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from './types.js';

/**
 * Artifacts as directories under one root: what separate jobs share on a laptop or in
 * tests (`--artifacts DIR`). An upload replaces an artifact of the same name whole, so a
 * reader never sees a mix of two uploads.
 */
export class DirectoryArtifactStore implements ArtifactStore {
  readonly description: string;
  constructor(private readonly root: string) {
    this.description = `directory ${root}`;
  }

  async upload(name: string, files: string[], rootDir: string): Promise<void> {
    const target = path.join(this.root, name);
    const staging = `${target}.uploading-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    for (const file of files) {
      const relative = path.relative(rootDir, path.resolve(rootDir, file));
      if (relative.startsWith('..')) throw new Error(`artifact file ${file} is outside ${rootDir}`);
      await mkdir(path.dirname(path.join(staging, relative)), { recursive: true });
      await cp(path.join(rootDir, relative), path.join(staging, relative), { recursive: true });
    }
    await rm(target, { recursive: true, force: true });
    await mkdir(this.root, { recursive: true });
    await rename(staging, target);
  }

  async download(name: string, destDir: string): Promise<boolean> {
    const source = path.join(this.root, name);
    const found = await stat(source).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!found) return false;
    await mkdir(destDir, { recursive: true });
    for (const entry of await readdir(source)) {
      await cp(path.join(source, entry), path.join(destDir, entry), { recursive: true });
    }
    return true;
  }
}

/**
 * The default when stages share one report directory (one process, or one job): the files
 * are already where the next stage reads them, so there is nothing to move.
 */
export class SharedReportDirStore implements ArtifactStore {
  readonly description = 'the report directory (stages share it)';
  async upload(): Promise<void> {}
  async download(): Promise<boolean> {
    return false;
  }
}
