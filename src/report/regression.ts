import type { SliName } from '../config/types.js';
import type { RegressionJudgementData, RegressionResult } from '../data/regression.js';
import { formatMs, formatSliValue } from '../measure/format.js';
import { median } from '../measure/paired-shift.js';
import { formatChange } from '../slo/regression.js';
import { blocks, escapeMarkdown, table, verdictBadge } from './format.js';

const VERDICT_MARK: Record<RegressionJudgementData['verdict'], string> = {
  regressed: '❌ regressed',
  unchanged: '✅ unchanged',
  improved: '🚀 improved',
  inconclusive: '❔ inconclusive',
};

/** The median of one side's blocks: what the table shows beside the paired estimate. */
function sideMedian(result: RegressionResult, sli: SliName, side: 'base' | 'head'): number {
  const stored = result.medians?.find((m) => m.sli === sli);
  if (stored) return stored[side];
  return median(result.pairs.map((p) => p[side].slis[sli]).sort((a, b) => a - b));
}

function bound(criterion: { scale: 'ratio' | 'difference' }, value: number | null, low: boolean) {
  return value === null ? (low ? '-∞' : '+∞') : formatChange(criterion, value);
}

const short = (sha: string | null) => (sha === null ? 'working tree' : sha.slice(0, 12));

/** One row per SLI: the median blocks, the change with its interval, the threshold, the verdict. */
export function regressionTable(result: RegressionResult): string {
  const rows = result.judgements.map((j) => {
    const criterion = result.criteria.find((c) => c.sli === j.sli)!;
    return [
      j.sli,
      formatSliValue(j.sli, sideMedian(result, j.sli, 'base')),
      formatSliValue(j.sli, sideMedian(result, j.sli, 'head')),
      `${formatChange(criterion, j.change)} [${bound(criterion, j.low, true)}, ${bound(criterion, j.high, false)}]`,
      formatChange(criterion, j.threshold),
      VERDICT_MARK[j.verdict],
    ];
  });
  return table(
    [
      'SLI',
      'base (median block)',
      'head (median block)',
      `change [${Math.round(result.confidence * 100)}% interval]`,
      'threshold',
      'verdict',
    ],
    rows,
    ['l', 'r', 'r', 'r', 'r', 'l'],
  );
}

/** When the comparison stopped, and what that saved against the full budget. */
export function decisionLine(result: RegressionResult): string {
  if (result.mode === 'artifact') return result.acrossRuns ?? '';
  const saved = result.budgetMs - result.loadMs;
  return result.decidedAfterPairs === null
    ? `The budget ran out before every SLI was decided: ${result.pairs.length} pairs, ${formatMs(result.loadMs)} of load.`
    : `Decided after ${result.decidedAfterPairs} of at most ${result.maxPairs} pairs: ${formatMs(result.loadMs)} of load, ${formatMs(saved)} (${Math.round((100 * saved) / result.budgetMs)}%) less than the full ${formatMs(result.budgetMs)} budget.`;
}

/** The verdict and what was compared with what. */
export function regressionHeadline(result: RegressionResult): string {
  const verdict = `**Regression verdict:** ${verdictBadge(result.verdict)}.`;
  if (result.mode === 'artifact') {
    return `${verdict} The head (${short(result.headSha)}) against ${escapeMarkdown(result.baseRef)} (${short(result.baseSha || null)}), second by second of the two steady loads.`;
  }
  return `${verdict} Base \`${escapeMarkdown(result.baseRef)}\` (${short(result.baseSha)}) against the head (${short(result.headSha)}), both built and run on this machine, in alternating blocks.`;
}

/** Base against head, in full: for the load-test report. */
export function regressionSection(result: RegressionResult): string {
  if (result.mode === 'artifact') {
    return blocks(
      '## Base against head',
      regressionHeadline(result),
      regressionTable(result),
      `Each change is the Hodges-Lehmann estimate between the two runs' seconds, with the Mann-Whitney interval at ${Math.round(result.confidence * 100)}%.`,
      result.acrossRuns && `> [!NOTE]\n> ${escapeMarkdown(result.acrossRuns)}`,
    );
  }
  return blocks(
    '## Base against head',
    `${regressionHeadline(result)} Each block is ${formatMs(result.blockMs)} (after ${formatMs(result.blockWarmupMs)} of warm-up), the order within each pair drawn at random (seed ${result.seed}).`,
    regressionTable(result),
    decisionLine(result),
    `Each change is the median over the pairs of the head's block against the base's block next to it, with the sign-test interval (a stall of the runner that wrecks a block moves it no more than any other pair); the interval holds at ${Math.round(result.confidence * 100)}% over all the looks taken (after ${result.looks.join(', ')} pairs), so stopping early does not weaken it.`,
    undecidedSection(result),
    noiseSection(result),
    result.saturatedBlocks > 0 &&
      `> [!WARNING]\n> The load generator was saturated in ${result.saturatedBlocks} of ${2 * result.pairs.length} blocks: their latencies may be perf-flow's own.`,
    blocks('<details><summary>Every pair</summary>', pairsTable(result), '</details>'),
  );
}

function undecidedSection(result: RegressionResult): string | false {
  if (result.undecided.length === 0) return false;
  const lines = result.undecided.map((u) =>
    u.extraMs === null
      ? `- ${u.sli}: no estimate of the load that would decide it (too little spread to go by).`
      : `- ${u.sli}: about ${u.pairsNeeded} pairs in all would likely decide it, ${formatMs(u.extraMs)} more load (raise \`regression.budget\`).`,
  );
  return blocks('### Undecided', lines.join('\n'));
}

function noiseSection(result: RegressionResult): string {
  const source =
    result.noise[0]?.source === 'calibration'
      ? 'measured by an A/A run (head against head) before the comparison'
      : "measured from this comparison's own pairs (set `regression.calibrate: true` for an A/A run)";
  const rows = result.noise.map((n) => {
    const criterion = result.criteria.find((c) => c.sli === n.sli)!;
    return [
      n.sli,
      n.detectable === null ? 'unknown' : formatChange(criterion, n.detectable),
      formatChange(
        criterion,
        criterion.worse === 'higher' ? criterion.threshold : -criterion.threshold,
      ),
      n.unreachable ? '⚠️ below the noise: a verdict on it is mostly chance' : 'reachable',
    ];
  });
  return blocks(
    '### Noise',
    `The smallest change the full budget detects four times in five, at this machine's noise (${source}):`,
    table(['SLI', 'detectable', 'threshold', 'threshold'], rows, ['l', 'r', 'r', 'l']),
  );
}

function pairsTable(result: RegressionResult): string {
  const slis = result.criteria.map((c) => c.sli);
  const rows = result.pairs.map((p, i) => [
    String(i + 1),
    p.first,
    ...slis.flatMap((sli) => [
      formatSliValue(sli, p.base.slis[sli]),
      formatSliValue(sli, p.head.slis[sli]),
    ]),
  ]);
  return table(['pair', 'first', ...slis.flatMap((sli) => [`${sli} base`, `${sli} head`])], rows, [
    'r',
    'l',
    ...slis.flatMap(() => ['r', 'r'] as const),
  ]);
}

/** The base could not be compared: why, from the error that ended the stage. */
export function regressionProblemSection(problem: string): string {
  return blocks('## Base against head', `> [!CAUTION]\n> Not compared: ${escapeMarkdown(problem)}`);
}
