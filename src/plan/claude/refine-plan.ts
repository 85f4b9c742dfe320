import type { PlanConfig } from '../../config/types.js';
import type { GuidanceData } from '../../data/common.js';
import type {
  BaselineData,
  CpuAnalysis,
  PlanFinding,
  PlanItem,
  PlanSource,
} from '../../data/stages.js';
import { askClaude } from './ask-claude.js';
import { mergeRefinements } from './merge-refinements.js';
import type { ClaudeOptions } from './options.js';
import { SYSTEM_PROMPT, userPrompt } from './prompt.js';
import { redactDeep } from './redact.js';

export interface RefineInput {
  items: PlanItem[];
  findings: PlanFinding[];
  cpu: CpuAnalysis | null;
  baseline: BaselineData | null;
  guidance: GuidanceData;
  /** The plan section of perf-flow.yml, which Claude's items must fit as the rules' did. */
  scope?: PlanConfig;
  /** Absent without an API key: then nothing is sent anywhere. */
  claude?: ClaudeOptions;
}

export interface RefinedPlan {
  items: PlanItem[];
  source: PlanSource;
}

const FALLBACK = 'rule-based plan shown';

/**
 * The rule-based plan refined by Claude when a key is given, or the rule-based plan with the
 * reason it is the one shown. Whatever goes wrong with Claude, the plan still comes out.
 */
export async function refinePlan(input: RefineInput): Promise<RefinedPlan> {
  const { claude } = input;
  if (claude === undefined) {
    return ruleBased(input, { reason: `no anthropic-api-key given: ${FALLBACK}`, notes: [] });
  }
  const reply = await askClaude(
    {
      system: SYSTEM_PROMPT,
      user: userPrompt({
        items: input.items,
        findings: input.findings,
        cpu: input.cpu,
        baseline: input.baseline,
        guidance: input.guidance,
        ...(input.scope ? { scope: input.scope } : {}),
      }),
    },
    claude,
  );
  if (!reply.ok) {
    return redactDeep(
      ruleBased(input, { model: claude.model, reason: `${reply.reason}: ${FALLBACK}`, notes: [] }),
      claude.apiKey,
    );
  }
  const merged = mergeRefinements({
    items: input.items,
    findings: input.findings,
    answer: reply.answer,
    model: reply.model,
    guidance: input.guidance,
    ...(input.scope ? { scope: input.scope } : {}),
  });
  const count = reply.answer.items.length;
  const used = merged.refined + merged.added;
  const refined: RefinedPlan =
    used === 0
      ? ruleBased(input, {
          model: reply.model,
          reason:
            count === 0
              ? `Claude proposed no change: ${FALLBACK}`
              : `none of Claude's ${count} item(s) could be used: ${FALLBACK}`,
          notes: merged.notes,
        })
      : {
          items: merged.items,
          source: {
            plan: 'refined',
            model: reply.model,
            reason: `Claude refined ${merged.refined} item(s) and added ${merged.added}${merged.notes.length > 0 ? `; ${merged.notes.length} of its ${count} item(s) dropped` : ''}`,
            notes: merged.notes,
          },
        };
  return redactDeep(refined, claude.apiKey);
}

function ruleBased(input: RefineInput, source: Omit<PlanSource, 'plan'>): RefinedPlan {
  return { items: input.items, source: { plan: 'rule-based', ...source } };
}
