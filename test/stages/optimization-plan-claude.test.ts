import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OptimizationPlanData, PlanItem, ProfileAnalysisData } from '../../src/data/stages.js';
import { readStageData, REPORT_PATHS, writeStageData } from '../../src/data/store.js';
import { findingId } from '../../src/plan/finding-ids.js';
import { escapeMarkdown } from '../../src/report/format.js';
import type { ClaudeOptions } from '../../src/plan/claude/options.js';
import { localPlatform } from '../../src/platform/local.js';
import { runOptimizationPlan } from '../../src/stages/optimization-plan.js';
import {
  apiError,
  startFakeAnthropic,
  textAnswer,
  toolUseAnswer,
  type FakeAnthropic,
} from '../helpers/fake-anthropic.js';
import { baseline, hotspot, profile } from '../report/fixtures.js';
import { PLAN_STAGE_CONFIG } from './plan-stage-config.js';

// Looks like a real key, so a leak would be the real thing.
const KEY = 'sk-ant-api03-TEST0nly0Key0Never0Stored-abcdefghijklmnop0123456789-AA';
const MODEL = 'claude-test-model';
const CONFIG = PLAN_STAGE_CONFIG;

// The profile fixture's hotspots; serializeUsers gets its source, as when the file is in the repo.
const SERIALIZE = hotspot({
  excerpt: {
    firstLine: 40,
    lines: [
      'export function serializeUsers(users) {',
      '  // every request re-serializes the same page',
      '  return JSON.stringify(users.map((u) => ({ ...u, roles: [...u.roles] })));',
      '}',
    ],
  },
});
const SERIALIZE_ID = findingId.hotspot(SERIALIZE);
const STRINGIFY_ID = findingId.hotspot(profile().cpu!.topSelf[1]!);
const HASH_ID = findingId.hotspot(profile().cpu!.topSelf[2]!);

function profileData(): ProfileAnalysisData {
  const data = profile();
  data.cpu!.topSelf[0] = SERIALIZE;
  return data;
}

let server: FakeAnthropic;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startFakeAnthropic();
});
afterAll(async () => {
  await server.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
afterEach(() => {
  server.requests.length = 0;
});

interface PlanRun {
  dir: string;
  data: OptimizationPlanData;
  markdown: string;
  log: string[];
}

/** The stage in a fresh working directory holding a baseline and a profile, as after the flow's first stages. */
async function runPlan(claude?: Partial<ClaudeOptions>): Promise<PlanRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-claude-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'perf-flow.yml'), CONFIG);
  const reportDir = path.join(dir, 'report');
  await writeStageData(reportDir, 'baseline', baseline());
  await writeStageData(reportDir, 'profile-analysis', profileData());
  const log: string[] = [];
  const record = (message: string) => void log.push(message);
  const options: ClaudeOptions | undefined = claude && {
    apiKey: KEY,
    model: MODEL,
    timeoutMs: 5_000,
    maxRetries: 0,
    baseURL: server.baseURL,
    ...claude,
  };
  await runOptimizationPlan(
    {
      config: 'perf-flow.yml',
      reportDir: 'report',
      workingDirectory: dir,
      ...(options ? { claude: options } : {}),
    },
    {
      platform: localPlatform({ log: { info: record, warn: record, progress: record } }),
      commandLine: 'perf-flow optimization-plan',
    },
  );
  const data = await readStageData(reportDir, 'optimization-plan');
  const markdown = await readFile(path.join(reportDir, REPORT_PATHS['optimization-plan']), 'utf8');
  return { dir, data: data!, markdown, log };
}

/** An item of Claude's answer: valid unless a test breaks it. */
function refined(overrides: Record<string, unknown> = {}) {
  return {
    refines: 'hotspot-program-serializeusers',
    title: 'Cache the serialized users page by ETag',
    kind: 'cpu',
    hypothesis:
      'serializeUsers copies every user and their roles before JSON.stringify on each request (lines 40-42).',
    findings: [SERIALIZE_ID],
    steps: ['Drop the per-user copy at line 42', 'Cache the serialized page, keyed by its ETag'],
    expectedGain: {
      latencyPctLow: 12,
      latencyPctHigh: 25,
      rationale: 'The copy and the serialization are most of serializeUsers.',
    },
    effortDays: 0.5,
    risk: 'low',
    successCriteria: ['serializeUsers below 10% of active CPU time in the next profile'],
    rollback: 'Remove the cache.',
    ...overrides,
  };
}

let ruleBasedItems: PlanItem[];

beforeAll(async () => {
  ruleBasedItems = (await runPlan()).data.items;
});

describe('optimization-plan without an Anthropic key', () => {
  it('shows the rule-based plan, says why, and sends nothing', async () => {
    const before = { url: process.env.ANTHROPIC_BASE_URL, key: process.env.ANTHROPIC_API_KEY };
    // Even with the environment giving the SDK an address and a key, nothing may go out: the
    // stage's inputs hold no key.
    process.env.ANTHROPIC_BASE_URL = server.baseURL;
    process.env.ANTHROPIC_API_KEY = KEY;
    server.replyWith(toolUseAnswer({ items: [refined()] }));
    try {
      const run = await runPlan();
      expect(server.requests).toHaveLength(0);
      expect(run.data.source).toEqual({
        plan: 'rule-based',
        reason: 'no anthropic-api-key given: rule-based plan shown',
        notes: [],
      });
      expect(run.markdown).toContain(
        '**Plan:** rule-based: no anthropic-api-key given: rule-based plan shown.',
      );
    } finally {
      if (before.url === undefined) delete process.env.ANTHROPIC_BASE_URL;
      else process.env.ANTHROPIC_BASE_URL = before.url;
      if (before.key === undefined) delete process.env.ANTHROPIC_API_KEY;
      else process.env.ANTHROPIC_API_KEY = before.key;
    }
  });

  it('has rule-based items that cite findings the plan lists', async () => {
    const { data } = await runPlan();
    const serialize = data.items.find((item) => item.id === 'hotspot-program-serializeusers');
    expect(serialize?.findings?.[0]).toBe(SERIALIZE_ID);
    const listed = new Set(data.findings!.map((f) => f.id));
    for (const item of data.items) {
      for (const id of item.findings ?? [])
        expect(listed.has(id), `${item.id} cites ${id}`).toBe(true);
    }
  });
});

describe('optimization-plan refined by Claude (a local Messages API)', () => {
  it('sends the findings, the hot source and the rule-based plan, forcing the answer through the tool', async () => {
    server.replyWith(toolUseAnswer({ items: [refined()] }));
    await runPlan({});
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/v1/messages');
    // This SDK sends the key as a bearer token.
    expect(request!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request!.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const body = request!.body;
    expect(body.model).toBe(MODEL);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'submit_refined_plan' });
    expect(body.tools?.[0]?.name).toBe('submit_refined_plan');
    const schema = body.tools![0]!.input_schema as {
      type: string;
      properties: { items: { items: { required: string[] } } };
    };
    expect(schema.type).toBe('object');
    expect(schema.properties.items.items.required).toEqual(
      expect.arrayContaining(['findings', 'expectedGain', 'title']),
    );
    expect(body.system).toContain('Every item lists in "findings" the ids');

    const prompt = body.messages[0]!.content;
    const document = JSON.parse(prompt.slice(prompt.indexOf('{'), prompt.lastIndexOf('}') + 1)) as {
      findings: { id: string; gainBoundPct: number | null; source?: string }[];
      rulePlan: { id: string; findings: string[] }[];
      baseline: { overall: { p95Ms: number } } | null;
    };
    // Every finding, with its bound; the hot function with its lines, numbered as in the file.
    const serialize = document.findings.find((f) => f.id === SERIALIZE_ID);
    expect(serialize?.gainBoundPct).toBe(31.2);
    expect(serialize?.source).toContain(
      '42|   return JSON.stringify(users.map((u) => ({ ...u, roles: [...u.roles] })));',
    );
    expect(document.findings.map((f) => f.id)).toEqual(
      expect.arrayContaining([SERIALIZE_ID, STRINGIFY_ID, HASH_ID, 'diagnosis:1:cpu-bound']),
    );
    // The rule-based plan, each item with the ids it cites.
    expect(document.rulePlan.map((item) => item.id)).toEqual(ruleBasedItems.map((i) => i.id));
    expect(
      document.rulePlan.find((i) => i.id === 'hotspot-program-serializeusers')?.findings[0],
    ).toBe(SERIALIZE_ID);
    expect(document.baseline?.overall.p95Ms).toBe(baseline().overall.latency.p95);
    // The key travels in its header only.
    expect(JSON.stringify(body)).not.toContain(KEY);
    expect(request!.headers['x-api-key']).toBeUndefined();
  });

  it('merges a good answer: the refined item replaces its rule, a new one joins, the plan says so', async () => {
    const added = refined({
      refines: undefined,
      title: 'Hash passwords off the request path and stringify less',
      findings: [HASH_ID, STRINGIFY_ID],
      // 9.8% + 15.6% bound it at 25.4%.
      expectedGain: { latencyPctLow: 10, latencyPctHigh: 25.4, rationale: 'Both leave the path.' },
      effortDays: 2,
      risk: 'medium',
    });
    server.replyWith(toolUseAnswer({ items: [refined(), added] }));
    const run = await runPlan({});

    expect(run.data.source).toEqual({
      plan: 'refined',
      model: 'claude-test-model-20261101',
      reason: 'Claude refined 1 item(s) and added 1',
      notes: [],
    });
    const ids = run.data.items.map((item) => item.id);
    expect(ids.filter((id) => id === 'hotspot-program-serializeusers')).toHaveLength(1);
    const replaced = run.data.items.find((item) => item.id === 'hotspot-program-serializeusers')!;
    expect(replaced).toMatchObject({
      title: 'Cache the serialized users page by ETag',
      refinedBy: 'claude-test-model-20261101',
      findings: [SERIALIZE_ID],
      bucket: 'quick-win',
      expectedGain: { latencyPctLow: 12, latencyPctHigh: 25 },
    });
    // Evidence is what was measured, not Claude's words.
    expect(replaced.evidence).toEqual([
      expect.stringMatching(/^serializeUsers \(src\/routes\/users\.ts:42, program\) holds 31\.2%/),
    ]);
    const newItem = run.data.items.find((item) => item.id.startsWith('claude-'))!;
    expect(newItem.findings).toEqual([HASH_ID, STRINGIFY_ID]);
    // The rule-based items Claude did not touch are all still there.
    for (const rule of ruleBasedItems.filter((i) => i.id !== 'hotspot-program-serializeusers')) {
      expect(ids).toContain(rule.id);
    }
    expect(run.data.items).toHaveLength(ruleBasedItems.length + 1);
    expect(run.data.items.map((item) => item.rank)).toEqual(ids.map((_, i) => i + 1));

    expect(run.markdown).toContain(
      '**Plan:** refined by Claude (claude-test-model-20261101): Claude refined 1 item(s) and added 1.',
    );
    expect(run.markdown).toContain('**Written by:** Claude (claude-test-model-20261101), citing');
    expect(run.markdown).toContain('## Findings');
  });

  it('retries an overloaded API as the SDK does, then merges the answer', async () => {
    server.replyWith(
      apiError(529, 'overloaded_error', 'Overloaded', { 'retry-after-ms': '10' }),
      toolUseAnswer({ items: [refined()] }),
    );
    const run = await runPlan({ maxRetries: 1 });
    expect(server.requests).toHaveLength(2);
    expect(run.data.source?.plan).toBe('refined');
  });
});

describe('optimization-plan drops what the evidence does not support', () => {
  it('drops an item citing unknown findings, with a note, and keeps the rest', async () => {
    const invented = refined({
      refines: undefined,
      title: 'Rewrite the ORM layer',
      findings: [SERIALIZE_ID, 'cpu:orm@src-db-ts-1'],
    });
    server.replyWith(toolUseAnswer({ items: [invented, refined()] }));
    const run = await runPlan({});
    expect(run.data.source?.plan).toBe('refined');
    expect(run.data.source?.notes).toEqual([
      `Claude's item 1 ("Rewrite the ORM layer") cites a finding the plan does not have ("cpu:orm@src-db-ts-1"): dropped`,
    ]);
    expect(run.data.items.map((i) => i.title)).not.toContain('Rewrite the ORM layer');
    expect(run.markdown).toContain("Left out of Claude's answer:");
    expect(run.markdown).toContain('Rewrite the ORM layer');
  });

  it('falls back to the rules when no item survives: none cited, or more promised than Amdahl allows', async () => {
    server.replyWith(
      toolUseAnswer({
        items: [
          refined({ findings: [] }),
          refined({
            refines: 'hotspot-program-hashpassword',
            findings: [HASH_ID],
            expectedGain: { latencyPctLow: 20, latencyPctHigh: 40, rationale: 'optimistic' },
          }),
        ],
      }),
    );
    const run = await runPlan({});
    expect(run.data.source).toEqual({
      plan: 'rule-based',
      model: 'claude-test-model-20261101',
      reason: "none of Claude's 2 item(s) could be used: rule-based plan shown",
      notes: [
        `Claude's item 1 ("Cache the serialized users page by ETag") cites no finding: dropped`,
        `Claude's item 2 ("Cache the serialized users page by ETag") promises up to 40% latency, more than the 9.8% the findings it cites bound (Amdahl): dropped`,
      ],
    });
    expect(run.data.items).toEqual(ruleBasedItems);
  });
});

describe('optimization-plan falls back to the rule-based plan', () => {
  it.each([
    {
      name: 'a body that is not JSON',
      reply: {
        status: 200,
        raw: '{"id":"msg_01","content":[{"type":"tool_u',
        contentType: 'application/json',
      },
      reason: "Claude's answer was not valid JSON: rule-based plan shown",
    },
    {
      name: 'text instead of the tool call, and not JSON',
      reply: textAnswer('Here is the plan: {items: [refine everything]}'),
      reason: "Claude's answer was not valid JSON: rule-based plan shown",
    },
    {
      name: 'a tool call that breaks the schema',
      reply: toolUseAnswer({ items: [refined({ findings: SERIALIZE_ID, effortDays: -1 })] }),
      reason:
        /^Claude's answer did not match the plan's schema \(items\.0\.findings: .+\): rule-based plan shown$/,
    },
    {
      name: 'a 529 overloaded',
      reply: apiError(529, 'overloaded_error', 'Overloaded'),
      reason: 'Claude is overloaded (529): Overloaded: rule-based plan shown',
    },
    {
      name: 'a 429 rate limit',
      reply: apiError(
        429,
        'rate_limit_error',
        'Number of request tokens has exceeded your rate limit.',
      ),
      reason:
        "Claude's rate limit was reached (429): Number of request tokens has exceeded your rate limit.: rule-based plan shown",
    },
    {
      name: 'a 500',
      reply: apiError(500, 'api_error', 'Internal server error'),
      reason:
        'Claude failed with a server error (500): Internal server error: rule-based plan shown',
    },
    {
      name: 'an unknown model',
      reply: apiError(404, 'not_found_error', 'model: claude-test-model'),
      reason:
        'Claude has no model "claude-test-model" (404): check model: model: claude-test-model: rule-based plan shown',
    },
  ])('on $name, and says why', async ({ reply, reason }) => {
    server.replyWith(reply as Parameters<FakeAnthropic['replyWith']>[0]);
    const run = await runPlan({});
    expect(server.requests).toHaveLength(1);
    expect(run.data.source?.plan).toBe('rule-based');
    expect(run.data.source?.reason).toMatch(reason);
    expect(run.data.items).toEqual(ruleBasedItems);
    expect(run.markdown).toContain(
      `**Plan:** rule-based: ${escapeMarkdown(run.data.source!.reason)}`,
    );
    // Said where the run is watched, too.
    expect(run.log).toContain(run.data.source!.reason);
  });

  it('when Claude never answers: the timeout ends the call', async () => {
    server.replyWith('hang');
    const started = Date.now();
    const run = await runPlan({ timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.requests).toHaveLength(1);
    expect(run.data.source?.reason).toBe(
      'Claude did not answer within 0.3 s (anthropic-timeout), retries included: rule-based plan shown',
    );
    expect(run.data.items).toEqual(ruleBasedItems);
  });

  it('when the API cannot be reached', async () => {
    const closedPort = await freePort();
    const run = await runPlan({ baseURL: `http://127.0.0.1:${closedPort}` });
    expect(run.data.source?.reason).toBe(
      'Claude could not be reached (ECONNREFUSED): rule-based plan shown',
    );
    expect(run.data.items).toEqual(ruleBasedItems);
  });
});

describe('the Anthropic key', () => {
  it.each([
    { name: 'a merged answer', reply: () => toolUseAnswer({ items: [refined()] }) },
    {
      // A proxy that quotes the key back: the reason shown must not carry it.
      name: 'an error quoting the key',
      reply: () => apiError(401, 'authentication_error', `invalid x-api-key ${KEY}`),
    },
    {
      name: 'an answer repeating the key',
      reply: () => toolUseAnswer({ items: [refined({ title: `Rotate ${KEY}` })] }),
    },
  ])('is in no file the stage writes and no log line, after $name', async ({ reply }) => {
    server.replyWith(reply());
    const run = await runPlan({});
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    const files = await filesUnder(run.dir);
    expect(files.map((f) => path.relative(run.dir, f))).toEqual(
      expect.arrayContaining([
        path.join('report', 'data', 'optimization-plan.json'),
        path.join('report', 'planning', 'optimization-plan.md'),
      ]),
    );
    for (const file of files) {
      const content = await readFile(file, 'utf8');
      expect(content.includes(KEY), file).toBe(false);
      // Nor a large piece of it.
      expect(content.includes(KEY.slice(10, 40)), file).toBe(false);
    }
    expect(run.log.join('\n')).not.toContain(KEY.slice(10, 40));
  });

  it('is masked where an answer or an error carried it, so the redaction is what kept it out', async () => {
    server.replyWith(apiError(401, 'authentication_error', `invalid x-api-key ${KEY}`));
    const run = await runPlan({});
    expect(run.data.source?.reason).toBe(
      'Claude refused the API key (401): check anthropic-api-key: invalid x-api-key ***: rule-based plan shown',
    );
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** A port nothing listens on: bound, then closed. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
