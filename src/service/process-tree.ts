import { execFile, execFileSync } from 'node:child_process';
import { close, existsSync, open, read, readdir, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

/** One process as the operating system reports it, in units independent of the platform. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Process group id. */
  pgid: number;
  /** Exited but not yet reaped: no longer runs or holds memory. */
  zombie: boolean;
  /** User + system CPU of the process and of its children it has reaped. */
  cpuSeconds: number;
  rssBytes: number;
}

export interface TreeSnapshot {
  cpuSeconds: number;
  rssBytes: number;
  processes: number;
}

const cachedConf = new Map<string, number>();

/** A number from `getconf`, asked once per process; the fallback where getconf is missing. */
function getconf(name: string, fallback: number): number {
  const cached = cachedConf.get(name);
  if (cached !== undefined) return cached;
  let value = fallback;
  try {
    const out = execFileSync('getconf', [name], {
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const parsed = Number.parseInt(out.trim(), 10);
    if (Number.isFinite(parsed) && parsed > 0) value = parsed;
  } catch {
    // keep the fallback: the common value on Linux
  }
  cachedConf.set(name, value);
  return value;
}

/**
 * Parses /proc/<pid>/stat. The command name is in parentheses and may itself contain spaces
 * and parentheses, so the fields are counted from the last ')'.
 */
export function parseProcStat(text: string, clkTck: number, pageSize: number): ProcessInfo | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number.parseInt(text.slice(0, open), 10);
  // After ')': state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  //            utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss
  const f = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const num = (i: number): number => Number(f[i]);
  if (f.length < 22 || !Number.isInteger(pid)) return null;
  const ticks = num(11) + num(12) + num(13) + num(14);
  if (!Number.isFinite(ticks)) return null;
  return {
    pid,
    ppid: num(1),
    pgid: num(2),
    zombie: f[0] === 'Z' || f[0] === 'X',
    cpuSeconds: ticks / clkTck,
    rssBytes: Math.max(0, num(21)) * pageSize,
  };
}

/** Seconds from ps's cumulative CPU time: `[dd-]hh:mm:ss` (procps) or `mm:ss.ss` (BSD, macOS). */
export function parsePsTime(text: string): number {
  const [days, clock] = text.includes('-') ? text.split('-', 2) : ['0', text];
  const parts = (clock ?? '').split(':').map(Number);
  let seconds = 0;
  for (const part of parts) seconds = seconds * 60 + part;
  const total = Number(days) * 86400 + seconds;
  return Number.isFinite(total) ? total : 0;
}

/** Parses `ps -A -o pid=,ppid=,pgid=,stat=,rss=,time=` (rss in KiB). */
export function parsePsOutput(text: string): ProcessInfo[] {
  const result: ProcessInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const [pid, ppid, pgid, stat, rss, time] = f;
    const info: ProcessInfo = {
      pid: Number(pid),
      ppid: Number(ppid),
      pgid: Number(pgid),
      zombie: (stat ?? '').startsWith('Z'),
      cpuSeconds: parsePsTime(time ?? ''),
      rssBytes: Number(rss) * 1024,
    };
    if (Number.isInteger(info.pid) && Number.isFinite(info.rssBytes)) result.push(info);
  }
  return result;
}

const PS_ARGS = ['-A', '-o', 'pid=,ppid=,pgid=,stat=,rss=,time='];
const PS_OPTIONS = { encoding: 'utf8', timeout: 5000, maxBuffer: 16 * 1024 * 1024 } as const;
const execFileAsync = promisify(execFile);

/**
 * What a walk over the processes asks for: a file's text, a directory's entries, or `ps`'s
 * output. A walk is a generator of these requests, so that one walk runs synchronously (for
 * tests, and around a load phase) or asynchronously (during one) without being written twice.
 */
type Ask = { read: string } | { list: string } | { ps: true };
/** Null when it could not be read: a process exits at any moment. */
type Answer = string | string[] | null;
type Walk<T> = Generator<Ask[], T, Answer[]>;

function answerSync(ask: Ask): Answer {
  try {
    if ('read' in ask) return readFileSync(ask.read, 'utf8');
    if ('list' in ask) return readdirSync(ask.list);
    return execFileSync('ps', PS_ARGS, { ...PS_OPTIONS, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/**
 * Reads a /proc file with the callback API into a buffer its caller reuses: open, read,
 * close, three trips to the thread pool. A read shorter than the buffer is the whole file:
 * /proc/<pid>/stat and .../children are seq files, which fill a read with every record that
 * fits. Not fs.promises.readFile: a /proc file reports size 0, for which readFile allocates
 * 64 KiB per read and reads twice (128 KiB per file), in five trips.
 */
function readProcFile(path: string, scratch: { buffer: Buffer }): Promise<string> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (openError, fd) => {
      if (openError) {
        reject(openError);
        return;
      }
      let length = 0;
      const finish = (error: Error | null): void => {
        if (error) reject(error);
        else resolve(scratch.buffer.toString('utf8', 0, length));
        close(fd, () => {});
      };
      const next = (): void => {
        const room = scratch.buffer.length - length;
        read(fd, scratch.buffer, length, room, null, (error, bytes) => {
          if (error) return finish(error);
          length += bytes;
          if (bytes < room) return finish(null);
          const bigger = Buffer.allocUnsafe(scratch.buffer.length * 2);
          scratch.buffer.copy(bigger);
          scratch.buffer = bigger;
          next();
        });
      };
      next();
    });
  });
}

function listDirectory(path: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    readdir(path, (error, entries) => (error ? reject(error) : resolve(entries)));
  });
}

async function answerAsync(ask: Ask, scratch: { buffer: Buffer }): Promise<Answer> {
  try {
    if ('read' in ask) return await readProcFile(ask.read, scratch);
    if ('list' in ask) return await listDirectory(ask.list);
    return (await execFileAsync('ps', PS_ARGS, PS_OPTIONS)).stdout;
  } catch {
    return null;
  }
}

function runSync<T>(walk: Walk<T>): T {
  let step = walk.next([]);
  while (!step.done) step = walk.next(step.value.map(answerSync));
  return step.value;
}

/**
 * At most this many reads in flight: their callbacks then reach the event loop a few at a
 * time instead of in one burst that would hold it (and a load generator on it) up.
 */
const READS_IN_FLIGHT = 8;
/** Processes read and parsed per step of a full scan. */
const SCAN_SLICE = 16;

async function runAsync<T>(walk: Walk<T>): Promise<T> {
  let step = walk.next([]);
  while (!step.done) {
    const asks = step.value;
    const answers = new Array<Answer>(asks.length).fill(null);
    let next = 0;
    const worker = async (): Promise<void> => {
      const scratch = { buffer: Buffer.allocUnsafe(4096) };
      while (next < asks.length) {
        const i = next++;
        answers[i] = await answerAsync(asks[i] as Ask, scratch);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, asks.length) }, worker));
    step = walk.next(answers);
  }
  return step.value;
}

function procConf(): { clkTck: number; pageSize: number } {
  return { clkTck: getconf('CLK_TCK', 100), pageSize: getconf('PAGESIZE', 4096) };
}

/** Every process on the machine: each /proc/<pid>/stat on Linux, else (or if that fails) `ps`. */
function* scanAll(): Walk<ProcessInfo[]> {
  if (process.platform === 'linux') {
    const [entries] = yield [{ list: '/proc' }];
    if (Array.isArray(entries)) {
      const { clkTck, pageSize } = procConf();
      const pids = entries.filter((entry) => /^\d+$/.test(entry));
      const result: ProcessInfo[] = [];
      // In slices, so that parsing them is never one long stretch of the event loop.
      for (let i = 0; i < pids.length; i += SCAN_SLICE) {
        const slice = pids.slice(i, i + SCAN_SLICE);
        const texts = yield slice.map((pid) => ({ read: `/proc/${pid}/stat` }));
        for (const text of texts) {
          // null: exited between the listing and the read
          const info = typeof text === 'string' ? parseProcStat(text, clkTck, pageSize) : null;
          if (info) result.push(info);
        }
      }
      return result;
    }
  }
  const [out] = yield [{ ps: true }];
  return typeof out === 'string' ? parsePsOutput(out) : [];
}

function* scanTree(rootPid: number): Walk<ProcessInfo[]> {
  return selectTree(yield* scanAll(), rootPid);
}

/**
 * The same selection as selectTree over a scan, reading only the tree: from the root down
 * through /proc/<pid>/task/<tid>/children, then from `orphans` (members of the root's group
 * seen before, which may since have been re-parented to init). A member orphaned before it
 * was ever seen is found by the next full scan.
 */
function* walkTree(rootPid: number, orphans: Iterable<number>): Walk<ProcessInfo[]> {
  const { clkTck, pageSize } = procConf();
  // Every pid found, in the order found, with the member it was found under.
  const foundUnder = new Map<number, number | null>([[rootPid, null]]);
  const infos = new Map<number, ProcessInfo>();
  let frontier = [rootPid];
  let orphansAdded = false;
  while (frontier.length > 0) {
    const answers = yield frontier.flatMap((pid) => [
      { read: `/proc/${pid}/stat` },
      { list: `/proc/${pid}/task` },
    ]);
    const childAsks: Ask[] = [];
    const parents: number[] = [];
    frontier.forEach((pid, i) => {
      const stat = answers[2 * i];
      const info = typeof stat === 'string' ? parseProcStat(stat, clkTck, pageSize) : null;
      if (!info) return; // gone
      infos.set(pid, info);
      const threads = answers[2 * i + 1];
      // Children are listed per thread: a multi-threaded service may fork from any of them.
      for (const tid of Array.isArray(threads) ? threads : []) {
        childAsks.push({ read: `/proc/${pid}/task/${tid}/children` });
        parents.push(pid);
      }
    });
    const lists = childAsks.length > 0 ? yield childAsks : [];
    const next: number[] = [];
    lists.forEach((text, i) => {
      if (typeof text !== 'string') return;
      for (const word of text.split(' ')) {
        const child = Number(word);
        if (word === '' || !Number.isInteger(child) || foundUnder.has(child)) continue;
        foundUnder.set(child, parents[i] as number);
        next.push(child);
      }
    });
    if (next.length === 0 && !orphansAdded) {
      orphansAdded = true;
      for (const pid of orphans) {
        if (foundUnder.has(pid)) continue;
        foundUnder.set(pid, null);
        next.push(pid);
      }
    }
    frontier = next;
  }
  // Parents come before their children in foundUnder, so one pass decides membership.
  const members = new Set<number>();
  const result: ProcessInfo[] = [];
  for (const [pid, parent] of foundUnder) {
    const info = infos.get(pid);
    if (!info) continue;
    const member =
      pid === rootPid || info.pgid === rootPid || (parent !== null && members.has(parent));
    if (!member) continue;
    members.add(pid);
    if (!info.zombie) result.push(info);
  }
  return result;
}

let childrenListed: boolean | null = null;

/** /proc/<pid>/task/<tid>/children exists on Linux built with CONFIG_PROC_CHILDREN (most are). */
function canWalkChildren(): boolean {
  childrenListed ??=
    process.platform === 'linux' && existsSync(`/proc/${process.pid}/task/${process.pid}/children`);
  return childrenListed;
}

function summarise(tree: ProcessInfo[]): TreeSnapshot {
  return {
    cpuSeconds: tree.reduce((sum, p) => sum + p.cpuSeconds, 0),
    rssBytes: tree.reduce((sum, p) => sum + p.rssBytes, 0),
    processes: tree.length,
  };
}

export interface TreeSampler {
  /**
   * The tree now, read without blocking the event loop: asynchronous reads, a few at a time,
   * of the tree alone where the kernel lists children, of every process otherwise.
   */
  sample(): Promise<TreeSnapshot>;
  /** The same, synchronously: for a first and a last sample outside the load. */
  sampleSync(): TreeSnapshot;
}

export interface TreeSamplerOptions {
  /** Every n-th asynchronous sample (the first included) scans every process. */
  fullScanEvery?: number;
}

/**
 * Samples one process tree (see selectTree) again and again. Where the kernel lists
 * children, a sample reads the tree alone, plus the members of the root's group seen before;
 * a full scan now and then finds members that were orphaned before they were ever seen.
 */
export function createTreeSampler(rootPid: number, options: TreeSamplerOptions = {}): TreeSampler {
  const fullScanEvery = Math.max(1, options.fullScanEvery ?? 10);
  const groupMembers = new Set<number>();
  let asyncSamples = 0;
  // getconf runs a process, synchronously: once, here, rather than in the first tick.
  if (process.platform === 'linux') procConf();

  const remember = (tree: ProcessInfo[]): TreeSnapshot => {
    groupMembers.clear();
    for (const p of tree) if (p.pgid === rootPid && p.pid !== rootPid) groupMembers.add(p.pid);
    return summarise(tree);
  };
  const walk = (full: boolean): Walk<ProcessInfo[]> =>
    full || !canWalkChildren() ? scanTree(rootPid) : walkTree(rootPid, [...groupMembers]);

  return {
    async sample() {
      const full = asyncSamples++ % fullScanEvery === 0;
      return remember(await runAsync(walk(full)));
    },
    sampleSync() {
      return remember(runSync(walk(false)));
    },
  };
}

/** Every process on the machine; an empty list when they cannot be read. */
export function listProcesses(): ProcessInfo[] {
  return runSync(scanAll());
}

/**
 * The root, its descendants, and the members of the root's process group. The group matters
 * because a grandchild whose parent died is re-parented to init and would otherwise escape
 * the tree while still running and using CPU on the service's behalf.
 */
export function selectTree(all: ProcessInfo[], rootPid: number): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) {
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  const picked = new Map<number, ProcessInfo>();
  const queue = all.filter((p) => p.pid === rootPid || p.pgid === rootPid);
  while (queue.length > 0) {
    const p = queue.pop() as ProcessInfo;
    if (picked.has(p.pid)) continue;
    picked.set(p.pid, p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return [...picked.values()].filter((p) => !p.zombie);
}

/** One synchronous full scan: every process read. */
export function sampleProcessTree(rootPid: number): TreeSnapshot {
  return summarise(runSync(scanTree(rootPid)));
}

/** True while any live (not zombie) process belongs to the group. */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    // ESRCH: no member at all, zombies included, so no scan is needed.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  // A zombie member counts as one for kill(); it no longer runs.
  return listProcesses().some((p) => p.pgid === pgid && !p.zombie);
}
