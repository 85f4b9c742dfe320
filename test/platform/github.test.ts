import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fitJobSummary, githubPlatform } from '../../src/platform/github.js';

describe('the job summary', () => {
  const saved = process.env.GITHUB_STEP_SUMMARY;
  afterEach(() => {
    process.env.GITHUB_STEP_SUMMARY = saved;
    vi.restoreAllMocks();
  });

  it('is cut at a line boundary with a note when over the limit', () => {
    const long = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(50)}`).join('\n');
    const fitted = fitJobSummary(long, 1000);
    expect(Buffer.byteLength(fitted)).toBeLessThanOrEqual(1000);
    expect(fitted).toContain('truncated');
    expect(fitted.split('\n')[0]).toBe(long.split('\n')[0]);
    expect(fitJobSummary('short', 1000)).toBe('short');
  });

  // First: @actions/core caches the summary file's path after its first successful write.
  it('warns instead of failing when the summary file cannot be written', async () => {
    process.env.GITHUB_STEP_SUMMARY = '/nonexistent/dir/summary.md';
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await expect(githubPlatform().appendSummary('# report\n')).resolves.toBeUndefined();
    expect(stdout.mock.calls.map((c) => String(c[0])).join('')).toContain(
      '::warning::could not write the job summary',
    );
  });

  it('appends each stage to the summary file, within 1 MiB in all', async () => {
    const file = path.join(os.tmpdir(), `summary-${process.pid}-${Date.now()}.md`);
    await writeFile(file, '');
    process.env.GITHUB_STEP_SUMMARY = file;
    const platform = githubPlatform();
    await platform.appendSummary('# first\n');
    await platform.appendSummary('x'.repeat(1024 * 1024));
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('# first\n')).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024 * 1024);
    expect(text).toContain('truncated');
  });
});

describe('fitJobSummary at the end of the budget', () => {
  it('writes nothing once the budget cannot even hold the note', () => {
    expect(fitJobSummary('x'.repeat(500), 50)).toBe('');
    expect(fitJobSummary('x'.repeat(500), 0)).toBe('');
  });
});
