import { mkdtemp, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  parseStageData,
  previousDataPath,
  readStageData,
  retireStageData,
  writeStageData,
} from '../../src/data/store.js';
import { ConfigError } from '../../src/errors.js';
import { baseline } from '../report/fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-store-'));
});

const withHash = (hash: string) => {
  const data = baseline();
  data.provenance = { ...data.provenance, configHash: hash };
  return data;
};

describe('stage data files', () => {
  it('round-trips a valid result and leaves no temporary file', async () => {
    await writeStageData(dir, 'baseline', withHash('aaaaaaaaaaaaaaaa'));
    expect(await readdir(path.join(dir, 'data'))).toEqual(['baseline.json']);
    expect((await readStageData(dir, 'baseline'))?.provenance.configHash).toBe('aaaaaaaaaaaaaaaa');
    expect(await readStageData(dir, 'load-test')).toBeUndefined();
  });

  it('refuses to write a malformed result', async () => {
    const broken = withHash('aaaaaaaaaaaaaaaa') as unknown as { overall: { requests: number } };
    broken.overall.requests = -1;
    await expect(writeStageData(dir, 'baseline', broken as never)).rejects.toThrow();
    await expect(readdir(path.join(dir, 'data'))).rejects.toThrow();
  });

  const valid = JSON.stringify(withHash('aaaaaaaaaaaaaaaa'));
  it.each([
    ['broken JSON', '{"schema": ', /data\/baseline\.json: .* is not valid JSON/],
    [
      'another major',
      valid.replace('perf-flow/baseline@1', 'perf-flow/baseline@2'),
      /written as perf-flow\/baseline@2; this perf-flow reads perf-flow\/baseline@1/,
    ],
    [
      'another stage',
      valid.replace('perf-flow/baseline@1', 'perf-flow/load-test@1'),
      /not a perf-flow baseline result/,
    ],
    [
      'a hand-edited shape',
      valid.replace('"requests":', '"requests":"many","x":'),
      /does not match perf-flow\/baseline@1: .*requests/,
    ],
  ])('refuses %s with a message naming the file', (_name, text, message) => {
    let error: unknown;
    try {
      parseStageData('baseline', text, 'out/data/baseline.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it('retires an earlier result of the same config as the previous one', async () => {
    await writeStageData(dir, 'baseline', withHash('aaaaaaaaaaaaaaaa'));
    await retireStageData(dir, 'baseline', 'aaaaaaaaaaaaaaaa');
    expect(await readStageData(dir, 'baseline')).toBeUndefined();
    const previous = await readStageData(dir, 'baseline', previousDataPath('baseline'));
    expect(previous?.provenance.configHash).toBe('aaaaaaaaaaaaaaaa');
  });

  it('drops an earlier result of another config without keeping it', async () => {
    await writeStageData(dir, 'baseline', withHash('aaaaaaaaaaaaaaaa'));
    await retireStageData(dir, 'baseline', 'bbbbbbbbbbbbbbbb');
    expect(await readStageData(dir, 'baseline')).toBeUndefined();
    expect(await readStageData(dir, 'baseline', previousDataPath('baseline'))).toBeUndefined();
  });

  it('retires a damaged file without failing the stage that replaces it', async () => {
    await mkdir(path.join(dir, 'data'), { recursive: true });
    await writeFile(path.join(dir, 'data/baseline.json'), 'garbage');
    await retireStageData(dir, 'baseline', 'aaaaaaaaaaaaaaaa');
    await expect(readFile(path.join(dir, 'data/baseline.json'))).rejects.toThrow();
  });
});
