import path from 'node:path';
import type {
  AllocationAnalysis,
  CpuAnalysis,
  Finding,
  FunctionChange,
  Hotspot,
  ProfileAnalysisData,
  RuntimeSummary,
} from '../data/stages.js';
import { REPORT_PATHS } from '../data/store.js';
import { amdahlGainPct } from '../plan/expected-gain.js';
import { ruleFor } from '../plan/hotspot-rules.js';
import { whereIs } from '../plan/text.js';
import { formatBytes, formatCount, formatMs, formatPct } from '../measure/format.js';
import { runtimeChart } from './charts.js';
import { databaseSection } from './database.js';
import { blocks, escapeMarkdown, table } from './format.js';
import { renderGuidance, renderHowMeasured } from './sections.js';
import { loadSummary, overallTable } from './sli.js';

export function functionLabel(h: Hotspot): string {
  return h.functionName === '' ? '(anonymous)' : escapeMarkdown(h.functionName);
}

export function locationLabel(h: Hotspot): string {
  if (h.file === null || h.file === '') return '(native or unknown)';
  return h.line === null ? escapeMarkdown(h.file) : `${escapeMarkdown(h.file)}:${h.line}`;
}

/** A link from this report to a file given relative to the report directory. */
function fileLink(fromReportDir: string): string {
  const href = path.posix.relative(
    path.posix.dirname(REPORT_PATHS['profile-analysis']),
    fromReportDir,
  );
  return `[${escapeMarkdown(fromReportDir)}](${encodeURI(href)})`;
}

export function hotspotTable(hotspots: readonly Hotspot[]): string {
  return table(
    ['#', 'function', 'file:line', 'self %', 'total %', 'latency cut at most', 'category'],
    hotspots.map((h, i) => [
      String(i + 1),
      functionLabel(h),
      locationLabel(h),
      formatPct(h.selfShare),
      formatPct(h.totalShare),
      h.latencyCutBound === undefined ? '–' : formatPct(h.latencyCutBound),
      escapeMarkdown(h.category),
    ]),
    ['r', 'l', 'l', 'r', 'r', 'r', 'l'],
  );
}

/** The source lines of the top functions that are in the repository, the named line marked. */
function sourceExcerpts(hotspots: readonly Hotspot[]): string {
  const shown = hotspots.filter((h) => h.excerpt !== undefined).slice(0, EXCERPTS_SHOWN);
  if (shown.length === 0) return '';
  return blocks(
    '## Where they are',
    ...shown.map((h) => {
      const { firstLine, lines } = h.excerpt!;
      const width = String(firstLine + lines.length - 1).length;
      const code = lines
        .map((text, i) => {
          const n = firstLine + i;
          return `${n === h.line ? '>' : ' '} ${String(n).padStart(width)} | ${text}`;
        })
        .join('\n');
      return `**${functionLabel(h)}** (${locationLabel(h)}), ${formatPct(h.selfShare)} self:\n\n${fence(code)}`;
    }),
  );
}

const EXCERPTS_SHOWN = 5;

/** A code fence longer than any run of backticks in the code, so the code cannot close it. */
function fence(code: string): string {
  const longest = Math.max(2, ...[...code.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}text\n${code}\n${ticks}`;
}

function noProfile(d: ProfileAnalysisData): string {
  const reason =
    d.reason === undefined || d.reason.trim() === ''
      ? 'No reason was recorded.'
      : escapeMarkdown(d.reason);
  return blocks(
    `> [!WARNING]\n> **No CPU profile was analyzed.** ${reason}`,
    '## What to do',
    [
      '- Act on the reason above, then run the profile-analysis stage again.',
      '- For a Node.js service, let perf-flow start it (`service.start` in perf-flow.yml) so ' +
        'it can run the service under the CPU profiler.',
      '- For another runtime, point `profile.pprof-url` at its pprof endpoint (Go: ' +
        '`/debug/pprof/profile`), or record a profile under load yourself and list it in ' +
        '`profile.files` (pprof, .cpuprofile, speedscope or folded stacks).',
      '- Until then the optimization plan rests on the baseline figures alone, so its items ' +
        'point at symptoms rather than functions.',
    ].join('\n'),
  );
}

function cpuSummary(cpu: CpuAnalysis): string {
  const files =
    cpu.profileFiles.length === 0
      ? ''
      : `Profiles: ${cpu.profileFiles.map(escapeMarkdown).join(', ')}` +
        (cpu.formats && cpu.formats.length > 0 ? ` (${cpu.formats.join(', ')})` : '') +
        '.' +
        (cpu.unit === 'samples'
          ? ' They count samples without saying how long one lasts: the figures are shares of the samples, not times.'
          : '');
  return blocks(
    '## Summary',
    table(
      ['samples', 'duration', 'on CPU', 'busy under load', 'idle', 'GC', 'program'],
      [
        [
          formatCount(cpu.sampleCount),
          cpu.durationMs === null ? '–' : formatMs(cpu.durationMs),
          cpu.activeMs === null ? '–' : formatMs(cpu.activeMs),
          cpu.utilization === null || cpu.utilization === undefined
            ? '–'
            : formatPct(cpu.utilization),
          formatPct(cpu.idleShare),
          formatPct(cpu.gcShare),
          formatPct(cpu.programShare),
        ],
      ],
    ),
    files,
  );
}

function analyzed(cpu: CpuAnalysis, views: ProfileAnalysisData['views']): string {
  return blocks(
    cpuSummary(cpu),
    bottlenecksSection(cpu),
    views &&
      `Flame graph: ${fileLink(views.flameGraph)} (hover a frame for its location and share); ` +
        `folded stacks: ${fileLink(views.folded)} (for flamegraph.pl, speedscope, or ` +
        '`profile.files` of another run).',
    '## Top functions by self time',
    'Self time is spent in the function itself: where to optimize. Shares are of non-idle samples. ' +
      '"Latency cut at most" is Amdahl\'s bound: what a request would save if the function and ' +
      'its callees cost nothing (their share of the CPU work, times the share of the time the ' +
      'service was busy under the load).',
    cpu.topSelf.length > 0 ? hotspotTable(cpu.topSelf) : 'No function had self time.',
    sourceExcerpts(cpu.topSelf),
    '## Top functions by total time',
    'Total time includes the functions called: the paths worth following down.',
    cpu.topTotal.length > 0 ? hotspotTable(cpu.topTotal) : 'No function had total time.',
  );
}

const STATUS_LABELS: Record<ProfileAnalysisData['status'], string> = {
  analyzed: 'profile analyzed',
  'no-profile': 'no profile',
  incomplete: 'incomplete: the profile could not be had, the rest of the flow went on without it',
};

const FINDING_TITLES: Record<Finding['kind'], string> = {
  'cpu-bound': 'CPU-bound',
  'event-loop-blocking': 'Event-loop blocking',
  'gc-pressure': 'GC pressure',
  'io-wait': 'Waiting off the CPU (I/O)',
  'memory-growth': 'Memory growth',
  'nothing-found': 'Nothing found',
};

/** The findings, strongest first, each with what it rests on. */
function diagnosisSection(findings: readonly Finding[]): string {
  if (findings.length === 0) return '';
  return blocks(
    '## Diagnosis',
    ...findings.map((f) =>
      blocks(
        `**${FINDING_TITLES[f.kind]}** (confidence: ${f.confidence}). ${escapeMarkdown(f.summary)}`,
        f.evidence.length > 0 ? f.evidence.map((e) => `- ${escapeMarkdown(e)}`).join('\n') : '',
      ),
    ),
  );
}

/**
 * The write-ups: every function from this share of the CPU time up, at most BOTTLENECKS_MAX;
 * at least BOTTLENECKS_MIN when the profile has that many with any time of their own, so that
 * a profile dominated by one or two functions still shows what comes next.
 */
const BOTTLENECK_SHARE = 0.01;
const BOTTLENECKS_MIN = 5;
const BOTTLENECKS_MAX = 10;

/**
 * The top functions as a performance engineer would write them up: what the work is, why it
 * is likely slow (the plan's rule for its category), which journeys it serves, the approach,
 * what removing part of it could give (Amdahl), and the effort.
 */
function bottlenecksSection(cpu: CpuAnalysis): string {
  const utilization = cpu.utilization ?? null;
  const ranked = cpu.topSelf.filter((h) => h.selfShare > 0);
  const significant = ranked.filter((h) => h.selfShare >= BOTTLENECK_SHARE).length;
  const top = ranked.slice(0, Math.min(BOTTLENECKS_MAX, Math.max(BOTTLENECKS_MIN, significant)));
  if (top.length === 0) return '';
  return blocks(
    '## Top bottlenecks',
    ...top.map((h, i) => {
      const rule = ruleFor(h.category);
      const fn = h.functionName;
      const where = whereIs(h);
      // The rule's cut is of the function's own cost (self time), on the latency the CPU makes;
      // the whole function and its callees gone is the bound no change can pass.
      const bound = h.latencyCutBound ?? h.totalShare;
      const gain = amdahlGainPct(h.selfShare * (utilization ?? 1), rule.cut);
      const journeys =
        h.journeys === undefined
          ? 'not told apart (each journey runs alone only when there are several)'
          : h.journeys.length === 0
            ? 'none of them on its own (it runs between requests)'
            : h.journeys
                .map((j) => `${escapeMarkdown(j.journey)} (${formatPct(j.share)} of its CPU time)`)
                .join(', ');
      return blocks(
        `### ${i + 1}. ${functionLabel(h)} (${locationLabel(h)}): ${formatPct(h.selfShare)} of CPU time`,
        [
          `- **What:** ${escapeMarkdown(h.category)} work, ${formatPct(h.selfShare)} of the active CPU time in the function itself, ${formatPct(h.totalShare)} with its callees.`,
          `- **Root cause (hypothesis):** ${escapeMarkdown(rule.mechanism)}.`,
          `- **Journeys:** ${journeys}.`,
          `- **Approach:** ${rule.steps(fn, where, h).slice(0, 2).map(escapeMarkdown).join('; ')}.`,
          `- **Estimated improvement:** ${gain.low}-${gain.high}% of request latency (${escapeMarkdown(rule.cutReason)}; no change to it can save more than ${formatPct(bound)}).`,
          `- **Effort:** about ${rule.effortDays} day${rule.effortDays === 1 ? '' : 's'}.`,
        ].join('\n'),
      );
    }),
  );
}

/** Base against head: the functions whose share moved most, and the head's lines in them. */
function differentialSection(d: ProfileAnalysisData['differential']): string {
  if (d === undefined) return '';
  const rows = (changes: FunctionChange[]) =>
    changes.map((c) => [
      escapeMarkdown(c.functionName),
      c.file === null
        ? '(native or unknown)'
        : `${escapeMarkdown(c.file)}${c.line === null ? '' : `:${c.line}`}`,
      formatPct(c.baseShare),
      formatPct(c.headShare),
      `${c.change > 0 ? '+' : ''}${(c.change * 100).toFixed(1)} points`,
      c.changedLines.length === 0 ? '' : `changed here: ${lineRanges(c.changedLines)}`,
    ]);
  const header = ['function', 'file:line', 'base', 'head', 'change', 'this change'];
  return blocks(
    `## Compared with the base (${escapeMarkdown(d.baseRef)}, ${d.baseSha.slice(0, 12)})`,
    'The base was profiled under the same load. Shares are of the active CPU time (self time); a function the head changed is marked with the lines.',
    '### Grew',
    d.grew.length > 0 ? table(header, rows(d.grew)) : 'No function grew by a point or more.',
    '### Shrank',
    d.shrank.length > 0 ? table(header, rows(d.shrank)) : 'No function shrank by a point or more.',
  );
}

/** 3, 4, 5, 9 → "3-5, 9". */
export function lineRanges(lines: readonly number[]): string {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Who allocates: the sampled heap profile's top functions. */
function allocationsSection(a: AllocationAnalysis | undefined): string {
  if (a === undefined || a.top.length === 0) return '';
  return blocks(
    '## Allocations',
    `What the service allocated while the profile was taken, by function: ${formatBytes(a.sampledBytes)} sampled (V8's sampling heap profiler, collected objects included; what a function inlined into its caller allocates counts as the caller's). Allocation drives garbage collection: the functions at the top are where to allocate less.`,
    table(
      ['#', 'function', 'file:line', 'share of bytes', 'category'],
      a.top.map((f, i) => [
        String(i + 1),
        escapeMarkdown(f.functionName),
        f.file === null
          ? '(native or unknown)'
          : `${escapeMarkdown(f.file)}${f.line === null ? '' : `:${f.line}`}`,
        formatPct(f.share),
        escapeMarkdown(f.category),
      ]),
      ['r', 'l', 'l', 'r', 'l'],
    ),
  );
}

/** The probe's view of the runtime while the profile was taken. */
function runtimeSection(r: RuntimeSummary | undefined): string {
  if (r === undefined) return '';
  const ms = (v: number | null) => (v === null ? '–' : formatMs(v));
  const pauses = r.gc.pauseMs;
  return blocks(
    '## Runtime under load',
    `From perf-flow's runtime probe: ${r.seconds} s of ${r.processes} Node process${r.processes === 1 ? '' : 'es'}; GC and heap of the busiest.`,
    table(
      [
        'event-loop delay p99 (worst second)',
        'max',
        'GC pauses',
        'pauses/s',
        'pause p50',
        'p99',
        'max',
        'heap first → last',
      ],
      [
        [
          ms(r.eventLoopDelayMs.p99),
          ms(r.eventLoopDelayMs.max),
          `${formatPct(r.gc.pauseShare)} of the time`,
          r.gc.pausesPerSecond.toFixed(1),
          pauses ? formatMs(pauses.p50) : '–',
          pauses ? formatMs(pauses.p99) : '–',
          pauses ? formatMs(pauses.max) : '–',
          r.heapUsedBytes
            ? `${formatBytes(r.heapUsedBytes.first)} → ${formatBytes(r.heapUsedBytes.last)}`
            : '–',
        ],
      ],
    ),
    runtimeChart(r.timeline, 'Event loop and GC per second under load'),
  );
}

export function renderProfileAnalysis(d: ProfileAnalysisData): string {
  const body =
    d.status === 'analyzed' && d.cpu !== null
      ? analyzed(d.cpu, d.views)
      : d.status === 'analyzed'
        ? 'A profile was taken but held no CPU samples.'
        : noProfile(d);
  return (
    blocks(
      '# Bottleneck analysis',
      `**Status:** ${STATUS_LABELS[d.status]}`,
      diagnosisSection(d.diagnosis),
      body,
      databaseSection(d.database),
      differentialSection(d.differential),
      allocationsSection(d.allocations),
      runtimeSection(d.runtime),
      d.load !== undefined && d.underProfiling !== undefined
        ? blocks(
            '## Load under profiling',
            '> The profiler slows the service: these figures show the load the profile was taken ' +
              'under and are not used by the SLO gate.',
            loadSummary(d.load),
            overallTable(d.underProfiling),
          )
        : '> The profiles were brought (`profile.files`): perf-flow analysed them as they are and ' +
            'ran no load of its own for them.',
      renderGuidance(d.guidance),
      renderHowMeasured(d.provenance, d.load),
    ) + '\n'
  );
}
