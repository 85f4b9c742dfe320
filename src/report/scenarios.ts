import type { GeneratorHealth } from '../data/common.js';
import type {
  CapacityResult,
  MemoryTrend,
  SoakResult,
  SpikeResult,
  StressResult,
} from '../data/scenarios.js';
import {
  formatBytes,
  formatCount,
  formatMs,
  formatNumber,
  formatPct,
  formatRate,
} from '../measure/format.js';
import { escapeMermaidText, latencyChart, throughputChart } from './charts.js';
import { blocks, escapeMarkdown, table } from './format.js';
import { loadSummary, serviceSection } from './sli.js';

/** Said wherever a result came from a saturated generator: its figures are not the service's. */
export function generatorWarning(generator: GeneratorHealth | undefined): string | null {
  if (!generator?.saturated) return null;
  return (
    '> [!WARNING]\n> The load generator was saturated: ' +
    `${escapeMarkdown(generator.reasons.join('; '))}. These figures measure perf-flow, not ` +
    'the service: its lag only makes them worse, so the SLO gate keeps the SLOs they still ' +
    'meet and calls the ones they miss inconclusive.'
  );
}

/** How hard the generator worked: the evidence for (or against) its own saturation. */
export function generatorLine(generator: GeneratorHealth): string {
  const lag = generator.sendLagMs
    ? `, send lag p50 ${formatMs(generator.sendLagMs.p50)} / p99 ${formatMs(generator.sendLagMs.p99)} / max ${formatMs(generator.sendLagMs.max)}`
    : '';
  const late =
    generator.lateStarts === null
      ? ''
      : `, ${formatCount(generator.lateStarts)} sent over ${formatMs(generator.lateThresholdMs ?? 0)} late`;
  const unsent = generator.unsent ? `, ${formatCount(generator.unsent)} never sent` : '';
  return (
    `Generator: event-loop utilisation ${formatPct(generator.eventLoopUtilization)}, ` +
    `${formatNumber(generator.cpuCores)} CPU cores${lag}${late}${unsent}` +
    `${generator.saturated ? ' — **saturated**' : ' — not saturated'}.`
  );
}

const na = (value: number | null, show: (v: number) => string) =>
  value === null ? 'n/a' : show(value);

export function stressSection(stress: StressResult): string {
  const point =
    stress.breakingPointRps === null
      ? 'no rate met every SLO'
      : `${stress.lowerBound ? 'at least ' : ''}${formatRate(stress.breakingPointRps)}` +
        (stress.breakingPointAchievedRps === null
          ? ''
          : ` (served ${formatRate(stress.breakingPointAchievedRps)})`);
  const rows = stress.steps.map((step) => [
    formatRate(step.rateRps),
    formatRate(step.achievedRps),
    formatMs(step.overall.latency.p95),
    formatMs(step.overall.latency.p99),
    formatPct(step.overall.errorRate),
    step.slos.filter((s) => s.status === 'pass').length + ` of ${step.slos.length}`,
    step.generator.saturated ? 'saturated' : formatPct(step.generator.eventLoopUtilization),
    step.broke === null ? 'held' : escapeMarkdown(step.broke),
  ]);
  return blocks(
    '## Stress: the breaking point',
    `**Breaking point: ${point}.** ${escapeMarkdown(stress.reason)}`,
    stress.brokenSlos.length > 0 &&
      `First broken at ${na(stress.brokenAtRps, formatRate)}: ${stress.brokenSlos
        .map((s) => `"${escapeMarkdown(s.name)}" (${s.status})`)
        .join(', ')}.`,
    table(['offered', 'served', 'p95', 'p99', 'errors', 'SLOs met', 'generator', 'step'], rows, [
      'r',
      'r',
      'r',
      'r',
      'r',
      'r',
      'r',
      'l',
    ]),
    stepsChart(stress),
    serviceSection(stress.service),
  );
}

/** p95 against the offered rate, step by step: where the knee is. */
function stepsChart(stress: StressResult): string | null {
  if (stress.steps.length < 2) return null;
  const rates = stress.steps.map((s) => Math.round(s.rateRps));
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${escapeMermaidText('p95 latency per offered rate')}"`,
    `  x-axis "offered req/s" [${rates.join(', ')}]`,
    '  y-axis "p95 (ms)"',
    `  line [${stress.steps.map((s) => Number(s.overall.latency.p95.toFixed(3))).join(', ')}]`,
    '```',
  ].join('\n');
}

export function spikeSection(spike: SpikeResult): string {
  const recovery =
    spike.recoverySeconds === null
      ? '**Did not recover** before the run ended.'
      : `**Recovered ${formatCount(spike.recoverySeconds)} s after the peak.**`;
  return blocks(
    '## Spike: recovery',
    `${recovery} ${escapeMarkdown(spike.reason)}`,
    loadSummary(spike.load),
    generatorWarning(spike.generator),
    table(
      ['phase', 'p95 (median of seconds)', 'worst second p95', 'error rate'],
      [
        ['before the peak', na(spike.pre.p95Ms, formatMs), '', na(spike.pre.errorRate, formatPct)],
        [
          `peak (seconds ${spike.peakStartSecond}-${spike.peakEndSecond - 1})`,
          na(spike.peak.p95Ms, formatMs),
          na(spike.peak.p95MaxMs, formatMs),
          na(spike.peak.errorRate, formatPct),
        ],
      ],
      ['l', 'r', 'r', 'r'],
    ),
    spike.limits &&
      `Recovered means three seconds in a row with p95 at most ${formatMs(spike.limits.p95Ms)} ` +
        `and errors at most ${formatPct(spike.limits.errorRate)} (tolerance ${formatPct(spike.tolerance)}).`,
    latencyChart(spike.timeline, 'Spike: latency per second'),
    throughputChart(spike.timeline, 'Spike: requests per second'),
    generatorLine(spike.generator),
  );
}

export function soakSection(soak: SoakResult): string {
  const drift = (label: string, d: SoakResult['throughputDrift'], show: (v: number) => string) => [
    label,
    d.verdict,
    d.perMinute === null ? 'n/a' : `${show(d.perMinute)} per minute`,
    d.perMinuteLow === null || d.perMinuteHigh === null
      ? 'n/a'
      : `${show(d.perMinuteLow)} to ${show(d.perMinuteHigh)}`,
    escapeMarkdown(d.reason),
  ];
  return blocks(
    '## Soak: drift and memory',
    `**Memory: ${soak.memory.verdict}.** ${escapeMarkdown(soak.memory.reason)}`,
    loadSummary(soak.load),
    generatorWarning(soak.generator),
    table(
      ['figure', 'verdict', 'trend', '95% interval', 'why'],
      [
        drift('throughput', soak.throughputDrift, formatRate),
        drift('p95 latency', soak.p95Drift, formatMs),
        memoryRow(soak.memory),
      ],
      ['l', 'l', 'r', 'r', 'l'],
    ),
    memoryChart(soak.memory),
    latencyChart(soak.timeline, 'Soak: latency per second'),
    throughputChart(soak.timeline, 'Soak: requests per second'),
    serviceSection(soak.service),
    generatorLine(soak.generator),
  );
}

const MEMORY_SOURCES: Record<MemoryTrend['source'], string> = {
  'heap-after-gc': 'heap after each major GC (runtime probe)',
  'heap-lows': 'lows of the heap (runtime probe)',
  'rss-lows': 'lows of the resident set (process sampler)',
};

function memoryRow(memory: MemoryTrend): string[] {
  const perMinute = (v: number) => `${v < 0 ? '-' : ''}${formatBytes(Math.abs(v))}`;
  return [
    `memory: ${MEMORY_SOURCES[memory.source]}`,
    memory.verdict,
    memory.bytesPerMinute === null ? 'n/a' : `${perMinute(memory.bytesPerMinute)} per minute`,
    memory.bytesPerMinuteLow === null || memory.bytesPerMinuteHigh === null
      ? 'n/a'
      : `${perMinute(memory.bytesPerMinuteLow)} to ${perMinute(memory.bytesPerMinuteHigh)}`,
    memory.threshold === null
      ? ''
      : `a leak grows more than ${formatBytes(memory.threshold)} over the run`,
  ];
}

/** The lows the verdict rests on, in MiB over time. */
function memoryChart(memory: MemoryTrend): string | null {
  if (memory.lows.length < 2) return null;
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${escapeMermaidText('Memory lows over the soak')}"`,
    `  x-axis "second" [${memory.lows.map((l) => Math.round(l.t / 1000)).join(', ')}]`,
    '  y-axis "MiB"',
    `  line [${memory.lows.map((l) => (l.bytes / 2 ** 20).toFixed(2)).join(', ')}]`,
    '```',
  ].join('\n');
}

export function capacitySection(capacity: CapacityResult): string {
  const figure = (f: CapacityResult['rpsPerVcpu'], show: (v: number) => string) =>
    f.value === null ? `n/a (${escapeMarkdown(f.reason)})` : show(f.value);
  const count = (v: number) => `${formatCount(v)}${capacity.upperBounds ? ' at most' : ''}`;
  const money = (v: number) => `${v.toFixed(v < 1 ? 4 : 2)} ${escapeMarkdown(capacity.currency)}`;
  return blocks(
    '## Capacity',
    table(
      ['figure', 'value'],
      [
        ['requests/s per vCPU of service CPU', figure(capacity.rpsPerVcpu, formatRate)],
        [
          'breaking point per instance',
          capacity.breakingPointRps === null
            ? 'n/a'
            : `${capacity.breakingPointIsLowerBound ? 'at least ' : ''}${formatRate(capacity.breakingPointRps)}`,
        ],
        [
          `planned per instance (at ${formatPct(capacity.targetUtilization)} of the breaking point)`,
          figure(capacity.rpsPerInstance, formatRate),
        ],
        [
          `instances for today's peak${capacity.peakRps === null ? '' : ` (${formatRate(capacity.peakRps)}, ${capacity.peakSource})`}`,
          figure(capacity.instancesNow, count),
        ],
        [
          `instances after growth ×${formatNumber(capacity.growth)}`,
          figure(capacity.instancesAfterGrowth, count),
        ],
        ['cost per million requests', figure(capacity.costPerMillionRequests, money)],
      ],
      ['l', 'r'],
    ),
  );
}
