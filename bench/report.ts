// What a bench's report is made of: the machine, the versions, Markdown tables, and its own
// section of BENCHMARKS.md, replaced in place. Shared by bench/loadgen.ts and bench/gate.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { runBounded } from './procs.js';

/** The directory of perf-flow's package.json at or above `start`. */
export function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'perf-flow') return dir;
    } catch {
      // not here
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`no perf-flow package.json above ${start}`);
    dir = up;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** CPU seconds the whole machine has spent busy so far (/proc/stat, all cores). */
export function machineBusySec(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100
  );
}

/** CPU seconds this process has used so far. */
export function ownCpuSec(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export async function packageVersion(root: string, name: string): Promise<string> {
  try {
    const pkg = JSON.parse(
      await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/**
 * The commit, whether the tree had changes, and a hash of the sources that decide what the
 * bench measures (files, or every .ts file of a directory), so that a change there shows.
 */
export async function perfFlowRevision(root: string, sources: string[]): Promise<string> {
  const git = await runBounded(['git', 'describe', '--always', '--dirty'], {
    timeoutMs: 5000,
    cwd: root,
  }).catch(() => null);
  const commit = git?.code === 0 ? git.stdout.trim() : 'unknown commit';
  const hash = createHash('sha256');
  for (const source of sources) {
    const path = join(root, source);
    const files = (await stat(path)).isDirectory()
      ? (await readdir(path))
          .filter((f) => f.endsWith('.ts'))
          .sort()
          .map((f) => join(source, f))
      : [source];
    for (const file of files) {
      hash.update(file);
      hash.update(await readFile(join(root, file)));
    }
  }
  return `${commit} (${sources.join(', ')} sha256 ${hash.digest('hex').slice(0, 12)})`;
}

export async function machineFacts(): Promise<string[]> {
  const cpus = os.cpus();
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? cpus[0]?.model ?? 'unknown';
  const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(cpuinfo)?.[1];
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const memKb = Number(/MemTotal:\s*(\d+)/.exec(meminfo)?.[1] ?? 0);
  const memory = memKb > 0 ? memKb * 1024 : os.totalmem();
  const procVersion = (await readFile('/proc/version', 'utf8').catch(() => '')).trim();
  return [
    `CPU: ${model}${mhz ? ` (${Math.round(Number(mhz))} MHz)` : ''}, ${cpus.length} cores (${os.availableParallelism()} available)`,
    `Memory: ${(memory / 2 ** 30).toFixed(1)} GiB`,
    `Kernel: ${os.type()} ${os.release()} (${os.arch()})${procVersion ? `; /proc/version: ${procVersion.split(' (')[0]}` : ''}`,
  ];
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Replaces the section headed `heading` (`## bench:gate`: from that line to the next `## `)
 * in BENCHMARKS.md, or appends it; the rest of the file stays as it was.
 */
export async function writeSection(
  root: string,
  heading: string,
  section: string,
): Promise<string> {
  const path = join(root, 'BENCHMARKS.md');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    text =
      '# Benchmarks\n\nMeasurements of perf-flow itself. Each section is written by the bench it names.\n';
  }
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  let next: string;
  if (start < 0) {
    next = `${text.replace(/\n*$/, '')}\n\n${section}`;
  } else {
    let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    if (end < 0) end = lines.length;
    const before = lines.slice(0, start).join('\n').replace(/\n*$/, '');
    const after = lines.slice(end).join('\n');
    next = `${before ? `${before}\n\n` : ''}${section}${after ? `\n${after}` : ''}`;
  }
  await writeFile(path, next.replace(/\n*$/, '\n'));
  return path;
}

/**
 * The opening of a bench's section of BENCHMARKS.md: its heading, when and with which command
 * it was measured (`bench` names both the npm script and bench/<bench>.ts), and the machine.
 */
export async function sectionOpening(bench: string, startedMs: number): Promise<string[]> {
  const minutes = ((Date.now() - startedMs) / 60_000).toFixed(1);
  return [
    `## bench:${bench}`,
    '',
    `Measured ${new Date().toISOString()} with \`npm run bench:${bench}\` (bench/${bench}.ts, ${minutes} min). Everything below, down to the next section, is written by the bench and replaced on each run.`,
    '',
    '### Machine',
    '',
    ...(await machineFacts()).map((f) => `- ${f}`),
    '',
  ];
}
