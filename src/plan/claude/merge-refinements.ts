import type { PlanConfig } from '../../config/types.js';
import type { GuidanceData } from '../../data/common.js';
import type { PlanFinding, PlanItem } from '../../data/stages.js';
import { rank } from '../build-plan.js';
import { draftItem, uniqueId, type DraftItem } from '../draft.js';
import { gainBoundOf } from '../findings.js';
import { applyFocus, applyTargets } from '../focus.js';
import { RISK_FACTOR } from '../roi.js';
import { applyScope } from '../scope.js';
import { applyTrigger, midGain } from '../trigger.js';
import { slug } from '../text.js';
import { testingApproach } from '../testing.js';
import type { ClaudeAnswer, RefinedItem } from './answer-schema.js';

export interface MergeInput {
  items: readonly PlanItem[];
  findings: readonly PlanFinding[];
  answer: ClaudeAnswer;
  model: string;
  guidance: GuidanceData;
  /** perf-flow.yml's plan section: Claude's items stay within it, as the rules' did. */
  scope?: PlanConfig;
}

export interface MergeResult {
  items: PlanItem[];
  refined: number;
  added: number;
  /** One line per item of the answer left out, and why. */
  notes: string[];
}

/**
 * Claude's items over the rule-based plan: a valid item replaces the one it refines or joins
 * the plan; an item citing no finding, an unknown one, or promising more than its findings
 * bound is left out with a note. Rule-based items Claude did not touch stay as they are.
 */
export function mergeRefinements(input: MergeInput): MergeResult {
  const known = new Set(input.findings.map((f) => f.id));
  const ruleIds = new Set(input.items.map((item) => item.id));
  const taken = new Set(ruleIds);
  const claimed = new Set<string>();
  const accepted: { draft: DraftItem; label: string }[] = [];
  const notes: string[] = [];

  for (const [index, item] of input.answer.items.entries()) {
    const label = `Claude's item ${index + 1} ("${item.title}")`;
    const problem = problemOf(item, { known, ruleIds, claimed, findings: input.findings });
    if (problem !== null) {
      notes.push(`${label} ${problem}: dropped`);
      continue;
    }
    if (item.refines !== undefined) claimed.add(item.refines);
    const id = item.refines ?? uniqueId(`claude-${slug(item.title)}`, taken);
    accepted.push({ draft: toDraft(item, id, input), label });
  }

  // Trigger, guidance and scope treat Claude's items as they did the rules' (whose ROI carries them).
  const guided = applyTargets(
    applyFocus(
      applyTrigger(
        accepted.map((a) => a.draft),
        input.guidance.trigger,
      ).items,
      input.guidance.focus,
    ),
    input.guidance.targets,
  ).map(dedupeCriteria);
  const scoped = input.scope ? applyScope(guided, input.scope).items : guided;
  for (const [i, draft] of guided.entries()) {
    if (scoped.some((d) => d.id === draft.id)) continue;
    notes.push(
      `${accepted[i]!.label} is ${draft.bucket} work of ${draft.risk} risk, outside the plan's scope (plan depth ${input.scope!.depth}, risk tolerance ${input.scope!.riskTolerance}): dropped`,
    );
  }
  // A rule item is replaced only by a refinement the scope kept.
  const replaced = new Set(scoped.filter((d) => ruleIds.has(d.id)).map((d) => d.id));
  const kept = input.items.filter((item) => !replaced.has(item.id));
  return {
    items: rank([...kept, ...scoped]),
    refined: replaced.size,
    added: scoped.length - replaced.size,
    notes,
  };
}

function problemOf(
  item: RefinedItem,
  ctx: {
    known: Set<string>;
    ruleIds: Set<string>;
    claimed: Set<string>;
    findings: readonly PlanFinding[];
  },
): string | null {
  if (item.findings.length === 0) return 'cites no finding';
  const unknown = [...new Set(item.findings.filter((id) => !ctx.known.has(id)))];
  if (unknown.length > 0) {
    return `cites ${unknown.length === 1 ? 'a finding' : 'findings'} the plan does not have (${unknown.map((id) => JSON.stringify(id)).join(', ')})`;
  }
  if (item.refines !== undefined && !ctx.ruleIds.has(item.refines)) {
    return `refines "${item.refines}", which is not an item of the rule-based plan`;
  }
  if (item.refines !== undefined && ctx.claimed.has(item.refines)) {
    return `refines "${item.refines}", which an earlier item of the answer already refined`;
  }
  const { latencyPctLow: low, latencyPctHigh: high } = item.expectedGain;
  if (low > high)
    return `gives a gain range whose low end (${low}%) is above its high end (${high}%)`;
  const bound = gainBoundOf(item.findings, ctx.findings);
  if (high > bound) {
    return `promises up to ${high}% latency, more than the ${bound}% the findings it cites bound (Amdahl)`;
  }
  return null;
}

function toDraft(item: RefinedItem, id: string, input: MergeInput): DraftItem {
  const cited = [...new Set(item.findings)];
  const bound = gainBoundOf(cited, input.findings);
  const rule = input.items.find((i) => i.id === item.refines);
  const capacityPct = rule?.expectedGain.capacityPct;
  return draftItem(
    {
      id,
      title: item.title,
      kind: item.kind,
      hypothesis: item.hypothesis,
      // The measured findings, not Claude's account of them: evidence stays what was measured.
      evidence: cited.map((fid) => input.findings.find((f) => f.id === fid)!.summary),
      findings: cited,
      steps: item.steps,
      expectedGain: {
        latencyPctLow: item.expectedGain.latencyPctLow,
        latencyPctHigh: item.expectedGain.latencyPctHigh,
        ...(capacityPct !== undefined && { capacityPct }),
        rationale: `${item.expectedGain.rationale} (The findings cited bound the gain at ${bound}%.)`,
      },
      effortDays: item.effortDays,
      risk: item.risk,
      successCriteria: item.successCriteria,
      testing: testingOf(item, input),
      rollback: item.rollback,
      refinedBy: input.model,
    },
    roiBasisOf(item, rule),
  );
}

/**
 * What ROI counts for a refined item: its latency cut, unless it claims none where the rule
 * it refines counted something else (errors cut, headroom, a leak), which it then keeps.
 */
function roiBasisOf(item: RefinedItem, rule: PlanItem | undefined): number | undefined {
  if (midGain(item) > 0 || rule === undefined || rule.roi <= 0 || midGain(rule) > 0) {
    return undefined;
  }
  return (rule.roi * rule.effortDays) / RISK_FACTOR[rule.risk];
}

/** Claude's own, else the refined item's, else the performance half alone. */
function testingOf(item: RefinedItem, input: MergeInput): string[] {
  if (item.testing !== undefined && item.testing.length > 0) return item.testing;
  const refined = input.items.find((i) => i.id === item.refines);
  if (refined !== undefined && refined.testing.length > 0) return refined.testing;
  return testingApproach(
    'the service answers recorded requests as it did before the change',
    'the next perf-flow run shows the success criteria above',
    item.risk,
  );
}

/** Claude saw the guidance targets the rules had added; applyTargets adds them once more. */
function dedupeCriteria(item: DraftItem): DraftItem {
  return { ...item, successCriteria: [...new Set(item.successCriteria)] };
}
