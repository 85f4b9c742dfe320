import type {
  BaselineData,
  OptimizationPlanData,
  PlanItem,
  PlanOutcome,
  ProfileAnalysisData,
} from '../data/stages.js';
import { findingId } from './finding-ids.js';
import { findingBounds, jointCutPct } from './joint-cut.js';
import { formatMs } from '../measure/format.js';
import { pct, round1 } from './text.js';

/** One run's results the outcome of a plan is read from. */
export interface RunResults {
  baseline?: BaselineData;
  profile?: ProfileAnalysisData;
}

type ItemOutcome = PlanOutcome['items'][number];
type Verdict = PlanOutcome['verdict'];

/**
 * A finding counts as dealt with when what made it is at most half of what it was: a
 * hotspot's or GC's share of CPU time halved, a database finding gone.
 */
const FIXED_RATIO = 0.5;

/**
 * The earlier run's plan, checked against this run: for each item, whether the findings it
 * cites were dealt with (implemented), and for the implemented ones together, the overall p95
 * cut they predicted against the one measured. Items are judged by their findings, never by
 * their titles: a plan older than finding ids says "unknown".
 */
export function planOutcome(
  plan: OptimizationPlanData,
  before: RunResults & { source: string },
  after: RunResults,
): PlanOutcome {
  const notes: string[] = [];
  const items = plan.items.map((item) => itemOutcome(item, before, after));
  const implemented = items.filter((i) => i.status === 'implemented');
  const p95Before = overallP95(before.baseline);
  const p95After = overallP95(after.baseline);
  const measuredCutPct =
    p95Before !== null && p95After !== null && p95Before > 0
      ? round1(((p95Before - p95After) / p95Before) * 100)
      : null;
  if (measuredCutPct === null) {
    notes.push('no baseline on both sides: the measured gain is unknown');
  }
  const implementedItems = plan.items.filter((item) => implemented.some((i) => i.id === item.id));
  const bounded = findingBounds(plan.findings);
  const predictedCutPct =
    implemented.length === 0
      ? null
      : {
          low: round1(jointCutPct(implementedItems, bounded, (i) => i.expectedGain.latencyPctLow)),
          high: round1(
            jointCutPct(implementedItems, bounded, (i) => i.expectedGain.latencyPctHigh),
          ),
        };
  if (implemented.some((i) => plan.items.find((item) => item.id === i.id)?.kind === 'database')) {
    notes.push(
      "a database item's prediction is of its journey's latency: the overall p95 shows less of it",
    );
  }
  if (implemented.length > 1) {
    notes.push(
      `${implemented.length} items were implemented together: the measured cut is theirs jointly, set against their predictions compounded (items on the same finding counting for no more than its bound)`,
    );
  }
  const verdict: Verdict =
    predictedCutPct === null || measuredCutPct === null
      ? null
      : measuredCutPct < predictedCutPct.low
        ? 'below'
        : measuredCutPct > predictedCutPct.high
          ? 'above'
          : 'within';
  return {
    planCommit: plan.provenance.commit,
    planCreatedAt: plan.provenance.createdAt,
    source: before.source,
    p95BeforeMs: p95Before,
    p95AfterMs: p95After,
    measuredCutPct,
    predictedCutPct,
    verdict,
    items,
    notes,
  };
}

function itemOutcome(item: PlanItem, before: RunResults, after: RunResults): ItemOutcome {
  const base = {
    id: item.id,
    title: item.title,
    predictedPct: {
      low: item.expectedGain.latencyPctLow,
      high: item.expectedGain.latencyPctHigh,
    },
  };
  const judged = (item.findings ?? [])
    .map((id) => judgeFinding(id, before, after))
    .filter((j): j is FindingJudgement => j !== null);
  if (judged.length === 0) {
    return {
      ...base,
      status: 'unknown',
      evidence: [
        item.findings === undefined || item.findings.length === 0
          ? 'the item cites no finding this run can check'
          : 'its findings cannot be compared with this run (no profile on one side)',
      ],
    };
  }
  return {
    ...base,
    status: judged.some((j) => j.fixed) ? 'implemented' : 'not-implemented',
    evidence: judged.map((j) => j.text),
  };
}

interface FindingJudgement {
  fixed: boolean;
  text: string;
}

/** Whether the finding `id` of the plan's run is dealt with in this one; null when unknowable. */
function judgeFinding(id: string, before: RunResults, after: RunResults): FindingJudgement | null {
  const cpuBefore = before.profile?.cpu ?? null;
  const cpuAfter = after.profile?.cpu ?? null;
  if (cpuBefore === null || cpuAfter === null) {
    return id.startsWith('db:') ? databaseJudgement(id, before, after) : null;
  }
  const perRequest = { before: requestsOf(before.profile), after: requestsOf(after.profile) };
  if (id === findingId.gc()) {
    const gcMs = (cpu: NonNullable<typeof cpuBefore>) =>
      cpu.activeMs === null ? null : cpu.gcShare * cpu.activeMs;
    return costJudgement(
      'garbage collection',
      { share: cpuBefore.gcShare, ms: gcMs(cpuBefore) },
      { share: cpuAfter.gcShare, ms: gcMs(cpuAfter) },
      perRequest,
    );
  }
  if (id.startsWith('cpu:')) {
    const was = cpuBefore.topSelf.find((h) => findingId.hotspot(h) === id);
    if (was === undefined) return null;
    // By name and file: an edit above the function moves its line, not what it is.
    const now = cpuAfter.topSelf.find(
      (h) => h.functionName === was.functionName && h.file === was.file,
    );
    const name = was.functionName || '(anonymous)';
    if (now !== undefined) {
      return costJudgement(
        name,
        { share: was.selfShare, ms: was.selfMs },
        { share: now.selfShare, ms: now.selfMs },
        perRequest,
      );
    }
    // Out of this run's top functions: at most the smallest share still listed.
    const listed = cpuAfter.topSelf.map((h) => h.selfShare);
    const atMost = listed.length === 0 ? 0 : Math.min(...listed);
    return {
      fixed: atMost <= was.selfShare * FIXED_RATIO,
      text: `${name}: ${pct(was.selfShare)} of CPU time, now out of the top functions (under ${pct(atMost)})`,
    };
  }
  if (id.startsWith('db:')) return databaseJudgement(id, before, after);
  return null;
}

interface Cost {
  share: number;
  /** CPU time over the profile, ms; null when the profile counts samples only. */
  ms: number | null;
}

/**
 * Dealt with when its CPU time per request is at most half of what it was. Per request, not
 * its share: a function that was nearly all the work stays most of what is left after a fix
 * that made it twenty times cheaper. By share when the profiles say no times or no requests.
 */
function costJudgement(
  name: string,
  was: Cost,
  now: Cost,
  requests: { before: number | null; after: number | null },
): FindingJudgement {
  if (was.ms !== null && now.ms !== null && requests.before && requests.after) {
    const before = was.ms / requests.before;
    const after = now.ms / requests.after;
    return {
      fixed: after <= before * FIXED_RATIO,
      text: `${name}: ${formatMs(before)} → ${formatMs(after)} of CPU time per request (${pct(was.share)} → ${pct(now.share)} of CPU time)`,
    };
  }
  return {
    fixed: now.share <= was.share * FIXED_RATIO,
    text: `${name}: ${pct(was.share)} → ${pct(now.share)} of CPU time`,
  };
}

/** Requests answered while the profile was taken; null when the profile does not say. */
function requestsOf(profile: ProfileAnalysisData | undefined): number | null {
  const count = profile?.underProfiling?.latency.count;
  return count !== undefined && count > 0 ? count : null;
}

/** A database finding by what it is about (kind, statement, journey, table), not its place. */
function databaseJudgement(
  id: string,
  before: RunResults,
  after: RunResults,
): FindingJudgement | null {
  const dbBefore = before.profile?.database ?? null;
  const dbAfter = after.profile?.database ?? null;
  if (dbBefore === null || dbAfter === null || dbAfter.status !== 'complete') return null;
  const statement = /^db:statement:(\d+)$/.exec(id);
  if (statement) {
    const was = dbBefore.top[Number(statement[1]) - 1];
    if (was === undefined) return null;
    const now = dbAfter.top.find((t) => t.text === was.text);
    return {
      fixed: (now?.share ?? 0) <= was.share * FIXED_RATIO,
      text: `"${was.text}": ${pct(was.share)} → ${pct(now?.share ?? 0)} of the database's time`,
    };
  }
  const finding = /^db:(\d+):/.exec(id);
  const was = finding ? dbBefore.findings[Number(finding[1]) - 1] : undefined;
  if (was === undefined) return null;
  const still = dbAfter.findings.some((f) => subject(f) === subject(was));
  return {
    fixed: !still,
    text: `${was.kind}${was.table ? ` on ${was.table}` : ''}${was.journey ? ` (${was.journey})` : ''}: ${still ? 'still found' : 'no longer found'}`,
  };
}

type DatabaseFinding = NonNullable<ProfileAnalysisData['database']>['findings'][number];

function subject(f: DatabaseFinding): string {
  return [f.kind, f.statement ?? '', f.journey ?? '', f.table ?? ''].join('\u0000');
}

function overallP95(baseline: BaselineData | undefined): number | null {
  if (baseline === undefined || baseline.overall.latency.count === 0) return null;
  return baseline.overall.latency.p95;
}
