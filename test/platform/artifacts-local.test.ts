import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryArtifactStore } from '../../src/platform/artifacts-local.js';

async function tree(files: Record<string, string>) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-art-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  return root;
}

describe('the directory artifact store', () => {
  it('hands files from one job to another at the same relative paths', async () => {
    const store = new DirectoryArtifactStore(await tree({}));
    const job1 = await tree({
      'data/baseline.json': '{"a":1}',
      'reports/b.md': '# b',
      'other.txt': 'not uploaded',
    });
    await store.upload('perf-flow-baseline', ['data/baseline.json', 'reports/b.md'], job1);
    const job2 = await tree({});
    expect(await store.download('perf-flow-baseline', job2)).toBe(true);
    expect(await readFile(path.join(job2, 'data/baseline.json'), 'utf8')).toBe('{"a":1}');
    expect(await readFile(path.join(job2, 'reports/b.md'), 'utf8')).toBe('# b');
    expect((await readdir(job2)).sort()).toEqual(['data', 'reports']);
  });

  it('replaces an artifact whole on a second upload', async () => {
    const store = new DirectoryArtifactStore(await tree({}));
    await store.upload('a', ['one.txt'], await tree({ 'one.txt': '1' }));
    await store.upload('a', ['two.txt'], await tree({ 'two.txt': '2' }));
    const dest = await tree({});
    await store.download('a', dest);
    expect(await readdir(dest)).toEqual(['two.txt']);
  });

  it('answers false for an artifact nobody uploaded', async () => {
    const store = new DirectoryArtifactStore(await tree({}));
    expect(await store.download('perf-flow-load-test', await tree({}))).toBe(false);
  });

  it('refuses a file outside the directory it uploads from', async () => {
    const store = new DirectoryArtifactStore(await tree({}));
    await expect(store.upload('a', ['../etc/passwd'], await tree({}))).rejects.toThrow(/outside/);
  });
});
