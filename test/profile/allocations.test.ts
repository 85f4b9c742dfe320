import { describe, expect, it } from 'vitest';
import { analyzeAllocations, probePid } from '../../src/profile/allocations.js';
import { CallTreeBuilder } from '../../src/profile/call-tree.js';

function heap(source: string, stacks: Array<[string[], number]>) {
  const b = new CallTreeBuilder({ format: 'heapprofile', source, kind: 'heap', unit: 'bytes' });
  for (const [names, bytes] of stacks) {
    b.addStack(
      names.map((name) => b.frame({ name, file: `/repo/src/${name}.js`, line: 3 })),
      bytes,
    );
  }
  return b.build();
}

describe('analyzeAllocations', () => {
  it('ranks functions by the bytes they allocate themselves, across processes', () => {
    const a = heap('HEAP.1.10.heapprofile', [
      [['main', 'recordAudit'], 600],
      [['main', 'render'], 200],
    ]);
    const b = heap('HEAP.1.11.heapprofile', [[['main', 'recordAudit'], 200]]);
    const result = analyzeAllocations([a, b], '/repo')!;
    expect(result.sampledBytes).toBe(1000);
    expect(result.top.map((f) => [f.functionName, f.bytes, f.share, f.file, f.category])).toEqual([
      ['recordAudit', 800, 0.8, 'src/recordAudit.js', 'service'],
      ['render', 200, 0.2, 'src/render.js', 'service'],
    ]);
  });

  it('is null without a heap profile holding bytes', () => {
    const cpu = new CallTreeBuilder({
      format: 'folded',
      source: 'x',
      kind: 'cpu',
      unit: 'samples',
    });
    cpu.addStack([cpu.frame({ name: 'main' })], 5);
    expect(analyzeAllocations([cpu.build()], '/repo')).toBeNull();
  });
});

describe('probePid', () => {
  it("reads the pid the probe puts in a profile's name", () => {
    expect(probePid('/w/cpu/CPU.1763805000000.4242.cpuprofile')).toBe('4242');
    expect(probePid('HEAP.1763805000000.77.heapprofile')).toBe('77');
    expect(probePid('/home/me/py-spy.folded')).toBeNull();
  });
});
