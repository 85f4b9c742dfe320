import { describe, expect, it } from 'vitest';
import type { IntakeChoices } from '../../src/config/intake.js';
import { intakeSettings } from '../../src/config/intake.js';
import type { PlanConfig } from '../../src/config/types.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { cpuWith, hotspot, noGuidance } from './plan-fixtures.js';

// Three hotspots whose rules give one item per bucket and risk: a regex (quick win, low risk),
// the service's own code (strategic, medium) and the framework (major refactoring, high).
// priceCart stays under 15%: from there on it would get a cache item too (a quick win).
const priceCart = hotspot({ functionName: 'priceCart', category: 'service', selfShare: 0.14 });
const cpu = cpuWith([
  hotspot({ functionName: 'matchRoute', category: 'regex', selfShare: 0.2 }),
  priceCart,
  hotspot({ functionName: 'dispatch', category: 'framework', selfShare: 0.35 }),
]);

const planFor = (scope?: PlanConfig) =>
  buildPlan({
    cpu,
    baseline: null,
    sloEvaluations: [],
    guidance: noGuidance,
    ...(scope && { scope }),
  });

const fromAnswers = (answers: Partial<IntakeChoices>): PlanConfig => {
  const settings = intakeSettings({
    monitoring: 'mature',
    investment: 'comprehensive',
    timeline: 'normal',
    ...answers,
  });
  return { depth: settings.depth, riskTolerance: settings.riskTolerance };
};

const summary = (scope?: PlanConfig) =>
  planFor(scope).items.map((item) => `${item.bucket}/${item.risk}`);

describe('the plan shaped by the intake answers', () => {
  it('has one item per bucket without a scope, and the same with the widest one', () => {
    expect(summary().sort()).toEqual(['major/high', 'quick-win/low', 'strategic/medium']);
    expect(planFor(fromAnswers({})).items).toEqual(planFor().items);
    expect(planFor().inputs.some((line) => line.startsWith('plan depth'))).toBe(false);
  });

  it('keeps only quick wins for a quick-wins investment, naming what it left out', () => {
    const plan = planFor(fromAnswers({ investment: 'quick-wins' }));
    expect(plan.items.map((item) => item.bucket)).toEqual(['quick-win']);
    expect(plan.items[0]!.rank).toBe(1);
    expect(plan.inputs).toContainEqual(
      expect.stringMatching(
        /^plan depth quick-wins: only quick wins \(under a day of work each\) kept; left out: 1 strategic \(".*priceCart.*"\), 1 major refactoring \(".*dispatch.*"\)$/,
      ),
    );
  });

  it('leaves out major refactoring for a moderate investment', () => {
    expect(summary(fromAnswers({ investment: 'moderate' })).sort()).toEqual([
      'quick-win/low',
      'strategic/medium',
    ]);
  });

  it('says so when no item fits the depth', () => {
    const plan = buildPlan({
      cpu: cpuWith([priceCart]),
      baseline: null,
      sloEvaluations: [],
      guidance: noGuidance,
      scope: { depth: 'quick-wins', riskTolerance: 'high' },
    });
    expect(plan.items).toEqual([]);
    expect(plan.inputs).toContainEqual(
      expect.stringMatching(
        /^no item fits plan depth quick-wins: a deeper plan .* the 1 left out$/,
      ),
    );
  });

  it("keeps a dominant service hotspot's cache for a quick-wins investment, not its rewrite", () => {
    const plan = buildPlan({
      cpu: cpuWith([{ ...priceCart, selfShare: 0.3, totalShare: 0.3 }]),
      baseline: null,
      sloEvaluations: [],
      guidance: noGuidance,
      scope: fromAnswers({ investment: 'quick-wins' }),
    });
    expect(plan.items.map((item) => `${item.id} ${item.bucket}/${item.risk}`)).toEqual([
      'memoise-pricecart quick-win/medium',
    ]);
    expect(plan.inputs).toContainEqual(
      expect.stringMatching(
        /; left out: 1 strategic \("Optimise priceCart at src\/priceCart\.js:12"\)$/,
      ),
    );
  });

  it('leaves out high-risk items without monitoring (risk tolerance low)', () => {
    const plan = planFor(fromAnswers({ monitoring: 'none' }));
    expect(plan.items.map((item) => item.risk).sort()).toEqual(['low', 'medium']);
    expect(plan.inputs).toContainEqual(
      expect.stringMatching(/^risk tolerance low: 1 high-risk item\(s\) left out \("/),
    );
  });

  it('ranks high-risk items lower with basic monitoring (risk tolerance medium)', () => {
    const full = planFor();
    const cautious = planFor(fromAnswers({ monitoring: 'basic' }));
    const risky = (plan: typeof full) => plan.items.find((item) => item.risk === 'high')!;
    expect(cautious.items).toHaveLength(3);
    expect(risky(cautious).roi).toBeCloseTo(risky(full).roi * 0.5, 1);
    expect(risky(cautious).rank).toBeGreaterThanOrEqual(risky(full).rank);
    expect(risky(cautious).guidanceNote).toContain('ROI × 0.5: a high-risk item');
    expect(cautious.inputs).toContainEqual(
      expect.stringMatching(
        /^risk tolerance medium: 1 high-risk item\(s\) ranked lower, ROI × 0\.5/,
      ),
    );
  });
});
