import type { CpuAnalysis, Hotspot, ProfileAnalysisData } from '../data/stages.js';
import { formatCount, formatMs, formatPct } from '../measure/format.js';
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

export function hotspotTable(hotspots: readonly Hotspot[]): string {
  return table(
    ['#', 'function', 'file:line', 'self %', 'total %', 'category'],
    hotspots.map((h, i) => [
      String(i + 1),
      functionLabel(h),
      locationLabel(h),
      formatPct(h.selfShare),
      formatPct(h.totalShare),
      escapeMarkdown(h.category),
    ]),
    ['r', 'l', 'l', 'r', 'r', 'l'],
  );
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
      '- Until then the optimization plan rests on the baseline figures alone, so its items ' +
        'point at symptoms rather than functions.',
    ].join('\n'),
  );
}

function cpuSummary(cpu: CpuAnalysis): string {
  const files =
    cpu.profileFiles.length === 0
      ? ''
      : `Profiles: ${cpu.profileFiles.map(escapeMarkdown).join(', ')}.`;
  return blocks(
    '## Summary',
    table(
      ['samples', 'duration', 'on CPU', 'idle', 'GC', 'program'],
      [
        [
          formatCount(cpu.sampleCount),
          formatMs(cpu.durationMs),
          formatMs(cpu.activeMs),
          formatPct(cpu.idleShare),
          formatPct(cpu.gcShare),
          formatPct(cpu.programShare),
        ],
      ],
    ),
    files,
  );
}

function analyzed(cpu: CpuAnalysis): string {
  return blocks(
    cpuSummary(cpu),
    '## Top functions by self time',
    'Self time is spent in the function itself: where to optimize. Shares are of non-idle samples.',
    cpu.topSelf.length > 0 ? hotspotTable(cpu.topSelf) : 'No function had self time.',
    '## Top functions by total time',
    'Total time includes the functions called: the paths worth following down.',
    cpu.topTotal.length > 0 ? hotspotTable(cpu.topTotal) : 'No function had total time.',
  );
}

export function renderProfileAnalysis(d: ProfileAnalysisData): string {
  const body =
    d.status === 'analyzed' && d.cpu !== null
      ? analyzed(d.cpu)
      : d.status === 'analyzed'
        ? 'A profile was taken but held no CPU samples.'
        : noProfile(d);
  return (
    blocks(
      '# Bottleneck analysis',
      `**Status:** ${d.status === 'analyzed' ? 'profile analyzed' : 'no profile'}`,
      body,
      '## Load under profiling',
      '> The profiler slows the service: these figures show the load the profile was taken ' +
        'under and are not used by the SLO gate.',
      loadSummary(d.load),
      overallTable(d.underProfiling),
      renderGuidance(d.guidance),
      renderHowMeasured(d.provenance, d.load),
    ) + '\n'
  );
}
