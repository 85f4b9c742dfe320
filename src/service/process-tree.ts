import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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

function listFromProc(): ProcessInfo[] {
  const clkTck = getconf('CLK_TCK', 100);
  const pageSize = getconf('PAGESIZE', 4096);
  const result: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited between the listing and the read
    }
    const info = parseProcStat(text, clkTck, pageSize);
    if (info) result.push(info);
  }
  return result;
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

function listFromPs(): ProcessInfo[] {
  try {
    const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat=,rss=,time='], {
      encoding: 'utf8',
      timeout: 5000,
      maxBuffer: 16 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return parsePsOutput(out);
  } catch {
    return [];
  }
}

/** Every process on the machine; an empty list when they cannot be read. */
export function listProcesses(): ProcessInfo[] {
  if (process.platform === 'linux') {
    try {
      return listFromProc();
    } catch {
      return listFromPs();
    }
  }
  return listFromPs();
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

export function sampleProcessTree(rootPid: number): TreeSnapshot {
  const tree = selectTree(listProcesses(), rootPid);
  return {
    cpuSeconds: tree.reduce((sum, p) => sum + p.cpuSeconds, 0),
    rssBytes: tree.reduce((sum, p) => sum + p.rssBytes, 0),
    processes: tree.length,
  };
}

/** True while any live (not zombie) process belongs to the group. */
export function processGroupAlive(pgid: number): boolean {
  if (process.platform === 'linux') {
    return listProcesses().some((p) => p.pgid === pgid && !p.zombie);
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
