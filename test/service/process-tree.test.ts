import { spawn } from 'node:child_process';
import fs, { existsSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createProcessSampler } from '../../src/service/process-sampler.js';
import type { ProcessInfo } from '../../src/service/process-tree.js';
import {
  createTreeSampler,
  listProcesses,
  parseProcStat,
  parsePsOutput,
  parsePsTime,
  processGroupAlive,
  sampleProcessTree,
  selectTree,
} from '../../src/service/process-tree.js';
import { killQuietly, waitUntilDead } from './helpers.js';

const linux = process.platform === 'linux';

function proc(pid: number, ppid: number, pgid: number, zombie = false): ProcessInfo {
  return { pid, ppid, pgid, zombie, cpuSeconds: 1, rssBytes: 1024 };
}

describe('parsing the operating system', () => {
  it('reads /proc/<pid>/stat even when the command name holds spaces and parentheses', () => {
    // Fields 14-17 (utime stime cutime cstime) = 250+50+100+0 ticks; field 24 (rss) = 3000 pages.
    const stat =
      '4242 (my (weird) name) S 4200 4242 4242 0 -1 4194560 500 0 0 0 250 50 100 0 20 0 3 0 123 456789 3000 18446744073709551615';
    expect(parseProcStat(stat, 100, 4096)).toEqual({
      pid: 4242,
      ppid: 4200,
      pgid: 4242,
      zombie: false,
      cpuSeconds: 4,
      rssBytes: 3000 * 4096,
    });
    expect(parseProcStat(stat.replace(') S ', ') Z '), 100, 4096)?.zombie).toBe(true);
    expect(parseProcStat('garbage', 100, 4096)).toBeNull();
  });

  it.each([
    ['00:00:01', 1],
    ['01:02:03', 3723],
    ['2-00:00:10', 172810],
    ['0:01.50', 1.5],
    ['12:34.25', 754.25],
  ])('reads ps CPU time %s as %d s', (text, seconds) => {
    expect(parsePsTime(text)).toBeCloseTo(seconds, 6);
  });

  it('reads ps output, skipping lines it cannot use', () => {
    const out = '    1     0     1 Ss     1024 00:00:02\n  77    1   77 Z  0 0:00.10\n\nbad line\n';
    expect(parsePsOutput(out)).toEqual([
      { pid: 1, ppid: 0, pgid: 1, zombie: false, cpuSeconds: 2, rssBytes: 1024 * 1024 },
      { pid: 77, ppid: 1, pgid: 77, zombie: true, cpuSeconds: 0.1, rssBytes: 0 },
    ]);
  });

  it('selects the root, its descendants and its group, without zombies', () => {
    const all = [
      proc(1, 0, 1),
      proc(10, 1, 10), // root
      proc(11, 10, 10),
      proc(12, 11, 12), // grandchild in a group of its own: still a descendant
      proc(13, 1, 10), // orphan re-parented to init, still in the root's group
      proc(14, 11, 10, true), // zombie
      proc(20, 1, 20), // unrelated
    ];
    expect(
      selectTree(all, 10)
        .map((p) => p.pid)
        .sort((a, b) => a - b),
    ).toEqual([10, 11, 12, 13]);
    expect(selectTree(all, 99)).toEqual([]);
  });
});

describe.runIf(linux)('sampling a live process tree', () => {
  it('counts this process and its memory', () => {
    const snap = sampleProcessTree(process.pid);
    expect(snap.processes).toBeGreaterThanOrEqual(1);
    expect(snap.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(snap.cpuSeconds).toBeGreaterThan(0);
  });

  it('finds children and orphans of the group', async () => {
    // The subshell exits at once, leaving its sleep to init: only the group ties it to the tree.
    const child = spawn('sh', ['-c', '(sleep 5 &); sleep 5 & wait'], {
      detached: true,
      stdio: 'ignore',
    });
    const pid = child.pid as number;
    try {
      let processes = 0;
      for (let i = 0; i < 40 && processes < 3; i++) {
        await sleep(25);
        processes = sampleProcessTree(pid).processes;
      }
      expect(processes).toBe(3);
      expect(processGroupAlive(pid)).toBe(true);
    } finally {
      killQuietly(pid);
    }
    // SIGKILL is delivered at once, but each member takes its moment to die.
    for (let i = 0; i < 80 && processGroupAlive(pid); i++) await sleep(25);
    expect(processGroupAlive(pid)).toBe(false);
  });

  it('survives processes that come and go between scans', async () => {
    const child = spawn('sh', ['-c', 'i=0; while [ $i -lt 80 ]; do /bin/true; i=$((i+1)); done'], {
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const sampler = createProcessSampler(child.pid as number, 20);
    let scans = 0;
    let done = false;
    void exited.then(() => (done = true));
    while (!done && scans < 500) {
      sampleProcessTree(child.pid as number);
      scans++;
      await sleep(1);
    }
    const stats = sampler.stop();
    expect(scans).toBeGreaterThan(0);
    expect(stats.samples.every((s) => s.cpuPercent >= 0)).toBe(true);
  });

  it('reports zeros for a process that does not exist', () => {
    const stats = createProcessSampler(2 ** 22 + 12345, 100).stop();
    expect(stats).toEqual({
      cpuSeconds: 0,
      cpuPercentMean: 0,
      cpuPercentMax: 0,
      rssMeanBytes: 0,
      rssMaxBytes: 0,
      samples: [],
    });
  });

  it('stop() summarises once and then returns the same summary', async () => {
    const sampler = createProcessSampler(process.pid, 50);
    await sleep(180);
    const first = sampler.stop();
    await sleep(120);
    expect(sampler.stop()).toBe(first);
    expect(first.samples.length).toBeGreaterThanOrEqual(2);
    expect(first.rssMaxBytes).toBeGreaterThanOrEqual(first.rssMeanBytes);
    for (let i = 1; i < first.samples.length; i++) {
      expect(first.samples[i]!.t).toBeGreaterThan(first.samples[i - 1]!.t);
    }
  });
});

/** Counts the /proc reads made through node:fs while it is installed, by kind. */
function countProcReads(): { sync: string[]; async: string[]; restore(): void } {
  const counts = { sync: [] as string[], async: [] as string[] };
  const originals = { readFileSync: fs.readFileSync, readdirSync: fs.readdirSync, open: fs.open };
  const record =
    (into: string[]) =>
    (path: unknown): void => {
      if (String(path).startsWith('/proc/')) into.push(String(path));
    };
  const wrap = <F extends (...args: never[]) => unknown>(original: F, into: string[]): F =>
    ((...args: Parameters<F>) => {
      record(into)(args[0]);
      return original(...args);
    }) as F;
  fs.readFileSync = wrap(originals.readFileSync, counts.sync);
  fs.readdirSync = wrap(originals.readdirSync, counts.sync);
  fs.open = wrap(originals.open, counts.async);
  // The modules under test import these by name: make their bindings see the wrappers.
  syncBuiltinESMExports();
  return {
    ...counts,
    restore() {
      Object.assign(fs, originals);
      syncBuiltinESMExports();
    },
  };
}

describe.runIf(linux && existsSync(`/proc/${process.pid}/task/${process.pid}/children`))(
  'sampling without holding up the event loop',
  () => {
    it('reads nothing synchronously while it ticks', async () => {
      const child = spawn('sh', ['-c', 'sleep 5 & sleep 5 & wait'], {
        detached: true,
        stdio: 'ignore',
      });
      const pid = child.pid as number;
      let sampler: ReturnType<typeof createProcessSampler> | null = null;
      const reads = countProcReads();
      try {
        const ticks: number[] = [];
        sampler = createProcessSampler(pid, 20, { onTick: (ms) => ticks.push(ms) });
        const atStart = reads.sync.length; // the first sample is synchronous, before any load
        while (ticks.length < 5) await sleep(10);
        expect(reads.sync.length).toBe(atStart);
        expect(reads.async.some((path) => path === `/proc/${pid}/stat`)).toBe(true);
      } finally {
        reads.restore();
        sampler?.stop();
        killQuietly(pid);
      }
      await waitUntilDead(pid);
    });

    it('skips a tick while the previous one still reads', async () => {
      // Full scans every millisecond: each takes longer than that, so ticks would pile up.
      const begun = performance.now();
      const durations: number[] = [];
      const sampler = createProcessSampler(process.pid, 1, {
        fullScanEvery: 1,
        onTick: (ms) => durations.push(ms),
      });
      await sleep(300);
      const stats = sampler.stop();
      const elapsed = performance.now() - begun;
      expect(durations.length).toBeGreaterThan(2);
      // One at a time: together they took no longer than the whole.
      expect(durations.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(elapsed);
      for (let i = 1; i < stats.samples.length; i++) {
        expect(stats.samples[i]!.t).toBeGreaterThanOrEqual(stats.samples[i - 1]!.t);
      }
    });

    it('reads the tree alone between full scans, and finds what a full scan finds', async () => {
      // root sh -> subshell -> sleep, all in the root's group; plus a sleep of the root's own.
      const child = spawn('sh', ['-c', '(sleep 30; true) & sleep 30 & wait'], {
        detached: true,
        stdio: 'ignore',
      });
      const pid = child.pid as number;
      try {
        for (let i = 0; i < 80 && sampleProcessTree(pid).processes < 4; i++) await sleep(25);
        expect(sampleProcessTree(pid).processes).toBe(4);
        const tree = createTreeSampler(pid, { fullScanEvery: 1000 });
        const machine = listProcesses().length;

        const first = countProcReads(); // the first asynchronous sample scans everything
        try {
          expect((await tree.sample()).processes).toBe(4);
        } finally {
          first.restore();
        }
        expect(first.async.filter((p) => p.endsWith('/stat')).length).toBeGreaterThan(4);

        const walk = countProcReads();
        let snap;
        try {
          snap = await tree.sample();
        } finally {
          walk.restore();
        }
        expect(snap).toEqual(sampleProcessTree(pid));
        const stats = walk.async.filter((p) => p.endsWith('/stat'));
        expect(stats.sort()).toEqual(
          listProcesses()
            .filter((p) => p.pgid === pid)
            .map((p) => `/proc/${p.pid}/stat`)
            .sort(),
        );
        expect(stats.length).toBeLessThan(machine);

        // The subshell dies: its sleep goes to init, out of the tree but still in the group,
        // and the walk still counts it, as a full scan does.
        const subshell = listProcesses().find(
          (p) => p.ppid === pid && listProcesses().some((c) => c.ppid === p.pid),
        );
        expect(subshell).toBeDefined();
        process.kill(subshell!.pid, 'SIGKILL');
        await waitUntilDead(subshell!.pid);
        expect(sampleProcessTree(pid).processes).toBe(3);
        expect((await tree.sample()).processes).toBe(3);
        expect(tree.sampleSync().processes).toBe(3);
      } finally {
        killQuietly(pid);
      }
      await waitUntilDead(pid);
    });

    it('finds a group member orphaned before it was ever seen at the next full scan', async () => {
      // The subshell exits at once, leaving its sleep to init: only the group ties it to the tree.
      const child = spawn('sh', ['-c', '(sleep 5 &); sleep 5 & wait'], {
        detached: true,
        stdio: 'ignore',
      });
      const pid = child.pid as number;
      try {
        for (let i = 0; i < 80 && sampleProcessTree(pid).processes < 3; i++) await sleep(25);
        const tree = createTreeSampler(pid, { fullScanEvery: 2 });
        expect(tree.sampleSync().processes).toBe(2); // the walk alone cannot see it
        expect((await tree.sample()).processes).toBe(3); // a full scan
        expect((await tree.sample()).processes).toBe(3); // a walk, which now knows it
      } finally {
        killQuietly(pid);
      }
      await waitUntilDead(pid);
    });
  },
);
