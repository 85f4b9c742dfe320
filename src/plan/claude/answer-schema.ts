import { z } from 'zod';

/** The tool Claude must call: its input is the answer, so the answer has a schema. */
export const TOOL_NAME = 'submit_refined_plan';

/** The kinds the guidance's focus areas know (plan/focus.ts): a refined item ranks like the rest. */
export const REFINED_KINDS = [
  'cpu',
  'database',
  'memory',
  'latency',
  'throughput',
  'errors',
] as const;

// Lengths are bounded: the answer ends up in a report and a PR comment.
const text = (max: number) => z.string().min(1).max(max);

export const RefinedItem = z.object({
  refines: z
    .string()
    .max(200)
    .optional()
    .describe('The id of the rule-based item this item replaces; leave out for a new item.'),
  title: text(200),
  kind: z.enum(REFINED_KINDS),
  hypothesis: text(2000),
  findings: z
    .array(z.string().max(200))
    .max(20)
    .describe('Ids of the findings the item rests on, exactly as given; at least one.'),
  steps: z.array(text(1000)).min(1).max(12),
  expectedGain: z.object({
    latencyPctLow: z.number().min(0).max(100),
    latencyPctHigh: z
      .number()
      .min(0)
      .max(100)
      .describe('At most the sum of gainBoundPct of the findings cited.'),
    rationale: text(2000),
  }),
  effortDays: z.number().positive().max(365).describe('Days of work for one engineer.'),
  risk: z.enum(['low', 'medium', 'high']),
  successCriteria: z
    .array(text(500))
    .min(1)
    .max(10)
    .describe("Measurable changes in the SLIs or the profile of perf-flow's next run."),
  testing: z
    .array(text(500))
    .max(6)
    .optional()
    .describe(
      "How to test the change: that the service's behaviour is kept, and how the cut is measured.",
    ),
  rollback: text(1000),
});
export type RefinedItem = z.infer<typeof RefinedItem>;

export const ClaudeAnswer = z.object({
  items: z
    .array(RefinedItem)
    .max(20)
    .describe('Only the items changed or added; rule-based items left out stay as they are.'),
});
export type ClaudeAnswer = z.infer<typeof ClaudeAnswer>;

/** The tool's input_schema, from the same zod schema the answer is validated with. */
export function answerJsonSchema(): { type: 'object'; [key: string]: unknown } {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(ClaudeAnswer) as Record<string, unknown>;
  return { ...schema, type: 'object' };
}
