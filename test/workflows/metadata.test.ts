/**
 * Static checks of every action.yml and every workflow file (this repository's and the
 * examples users copy): they parse, they call only actions that exist with inputs those
 * actions declare, they never inline untrusted text into scripts, they declare their
 * permissions, and they stay within GitHub's limits (../shared/FACTS.md).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');
const rel = (file: string) => path.relative(ROOT, file);

type Json = Record<string, unknown>;

interface ActionInput {
  description?: unknown;
  required?: unknown;
  default?: unknown;
}
interface ActionYml {
  name?: unknown;
  description?: unknown;
  inputs?: Record<string, ActionInput>;
  runs?: { using?: unknown; main?: unknown };
}
interface Step {
  uses?: string;
  run?: string;
  with?: Json;
  env?: Json;
}
interface Job {
  uses?: string;
  with?: Json;
  needs?: string | string[];
  if?: string;
  permissions?: unknown;
  strategy?: { matrix?: unknown };
  steps?: Step[];
}
interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: unknown;
  jobs?: Record<string, Job>;
}

/** The repository's GitHub name in the examples (`org/perf-flow@v1`, `org/perf-flow/actions/<x>@v1`). */
const PUBLISHED = 'org/perf-flow';
/** The reusable workflow's stage jobs, in the flow's order. */
const STAGE_JOBS = [
  'baseline',
  'profile-analysis',
  'load-test',
  'optimization-plan',
  'slo-gate',
  'summary',
];

function yamlFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(abs, f));
}

function parseYaml(file: string): unknown {
  const doc = YAML.parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${rel(file)}: ${doc.errors[0]!.message}`);
  return doc.toJS();
}

const actionFiles = [
  path.join(ROOT, 'action.yml'),
  ...readdirSync(path.join(ROOT, 'actions'))
    .map((d) => path.join(ROOT, 'actions', d, 'action.yml'))
    .filter((f) => existsSync(f))
    .sort(),
];
const workflowFiles = [...yamlFiles('.github/workflows'), ...yamlFiles('examples/workflows')];

const actions = new Map<string, ActionYml>(
  actionFiles.map((f) => [rel(f), parseYaml(f) as ActionYml]),
);
const workflows = new Map<string, Workflow>(
  workflowFiles.map((f) => [rel(f), parseYaml(f) as Workflow]),
);

/** The action.yml (relative to the root) a `uses:` refers to, or null for a third-party action. */
function resolveAction(uses: string): string | null {
  if (uses.startsWith('./')) {
    const dir = path.posix.normalize(uses.slice(2).replace(/\/$/, '')) || '.';
    return dir === '.' ? 'action.yml' : `${dir}/action.yml`;
  }
  const [ref, version] = uses.split('@');
  if (ref === PUBLISHED || ref!.startsWith(`${PUBLISHED}/`)) {
    if (version === undefined || version === '') return `${ref}: no version`;
    const sub = ref!.slice(PUBLISHED.length + 1);
    return sub === '' ? 'action.yml' : `${sub}/action.yml`;
  }
  return null;
}

/** A reusable workflow called at job level: `./.github/workflows/x.yml` or `org/perf-flow/.github/workflows/x.yml@v1`. */
function resolveWorkflow(uses: string): string | null {
  const local = uses.startsWith('./') ? uses.slice(2) : null;
  const published = uses.startsWith(`${PUBLISHED}/`)
    ? uses.slice(PUBLISHED.length + 1).split('@')[0]!
    : null;
  const file = local ?? published;
  return file !== null && file.startsWith('.github/workflows/') ? file : null;
}

function triggers(wf: Workflow): Record<string, Json | null> {
  const on = wf.on;
  if (typeof on === 'string') return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((t: string) => [t, null]));
  return (on ?? {}) as Record<string, Json | null>;
}

function jobsOf(wf: Workflow): [string, Job][] {
  return Object.entries(wf.jobs ?? {});
}

function stepsOf(wf: Workflow): [string, Step][] {
  return jobsOf(wf).flatMap(([id, job]) => (job.steps ?? []).map((s): [string, Step] => [id, s]));
}

const UNTRUSTED_EXPRESSION =
  /\$\{\{[^}]*\b(inputs\.|github\.event\.|github\.head_ref|steps\.[\w-]+\.outputs\.)/;

/** Write scopes are for the jobs that post (comment, check run); everything else reads. */
function writeScopes(permissions: unknown): string[] {
  if (permissions === 'write-all') return ['write-all'];
  if (permissions === null || typeof permissions !== 'object') return [];
  return Object.entries(permissions as Json)
    .filter(([, v]) => v === 'write')
    .map(([k]) => k);
}

function literalMatrixSize(matrix: unknown): number | null {
  if (matrix === null || typeof matrix !== 'object' || Array.isArray(matrix)) return null;
  let size = 1;
  let include = 0;
  for (const [key, value] of Object.entries(matrix as Json)) {
    if (key === 'include') {
      if (!Array.isArray(value)) return null;
      include = value.length;
    } else if (key === 'exclude') {
      continue;
    } else if (Array.isArray(value)) {
      size *= value.length;
    } else {
      return null; // an expression (fromJSON...): sized at run time
    }
  }
  return size + include;
}

describe('action metadata', () => {
  it('finds the root action and the six stage actions', () => {
    expect([...actions.keys()].sort()).toEqual([
      'action.yml',
      'actions/baseline/action.yml',
      'actions/load-test/action.yml',
      'actions/optimization-plan/action.yml',
      'actions/profile-analysis/action.yml',
      'actions/slo-gate/action.yml',
      'actions/summary/action.yml',
    ]);
  });

  describe.each([...actions.entries()])('%s', (file, yml) => {
    it('has a name and a description', () => {
      expect(typeof yml.name).toBe('string');
      expect(typeof yml.description).toBe('string');
    });

    it('documents every input; defaults are strings, required is a boolean', () => {
      for (const [name, input] of Object.entries(yml.inputs ?? {})) {
        expect(typeof input.description, `${name}.description`).toBe('string');
        expect((input.description as string).trim().length, `${name}.description`).toBeGreaterThan(
          0,
        );
        if ('default' in input) expect(typeof input.default, `${name}.default`).toBe('string');
        if ('required' in input) expect(typeof input.required, `${name}.required`).toBe('boolean');
      }
    });

    it('runs on node24 from a main that exists', () => {
      expect(yml.runs?.using).toBe('node24');
      expect(typeof yml.runs?.main).toBe('string');
      const main = path.resolve(ROOT, path.dirname(file), yml.runs!.main as string);
      expect(existsSync(main), `${rel(main)} exists`).toBe(true);
    });
  });
});

describe('workflow files', () => {
  it('finds the repository workflows and the examples', () => {
    const names = [...workflows.keys()];
    for (const expected of [
      '.github/workflows/ci.yml',
      '.github/workflows/perf-flow.yml',
      'examples/workflows/pr-gate.yml',
      'examples/workflows/pipeline.yml',
      'examples/workflows/fork-safe-measure.yml',
      'examples/workflows/fork-safe-report.yml',
      'examples/workflows/nightly-soak.yml',
    ])
      expect(names).toContain(expected);
  });

  describe.each([...workflows.entries()])('%s', (file, wf) => {
    it('has a name, triggers and jobs', () => {
      expect(typeof wf.name).toBe('string');
      expect(Object.keys(triggers(wf)).length).toBeGreaterThan(0);
      expect(jobsOf(wf).length).toBeGreaterThan(0);
    });

    it('calls only perf-flow actions that exist, with inputs they declare', () => {
      for (const [job, step] of stepsOf(wf)) {
        if (!step.uses) continue;
        const target = resolveAction(step.uses);
        if (target === null) continue;
        const where = `${file} job ${job}: uses ${step.uses}`;
        expect(actions.has(target), `${where} -> ${target}`).toBe(true);
        const declared = Object.keys(actions.get(target)!.inputs ?? {});
        for (const key of Object.keys(step.with ?? {}))
          expect(declared, `${where}: with.${key}`).toContain(key);
      }
    });

    it('calls only reusable workflows that exist, with inputs they declare', () => {
      for (const [id, job] of jobsOf(wf)) {
        if (!job.uses) continue;
        const target = resolveWorkflow(job.uses);
        if (target === null) continue;
        expect(workflows.has(target), `${file} job ${id}: ${job.uses}`).toBe(true);
        const call = triggers(workflows.get(target)!).workflow_call;
        const declared = Object.keys((call?.inputs as Json | undefined) ?? {});
        for (const key of Object.keys(job.with ?? {}))
          expect(declared, `${file} job ${id}: with.${key}`).toContain(key);
      }
    });

    it('never inlines untrusted expressions into a script (they go through env:)', () => {
      for (const [job, step] of stepsOf(wf)) {
        if (step.run !== undefined)
          expect(step.run, `${file} job ${job}: run`).not.toMatch(UNTRUSTED_EXPRESSION);
        // actions/github-script evaluates `script:` as code: the same rule applies.
        if (step.uses?.startsWith('actions/github-script@') && step.with?.script !== undefined)
          expect(String(step.with.script), `${file} job ${job}: script`).not.toMatch(/\$\{\{/);
      }
    });

    it('declares permissions for every job, writes only in jobs that post', () => {
      expect(writeScopes(wf.permissions), `${file}: workflow-level write scopes`).toEqual([]);
      for (const [id, job] of jobsOf(wf)) {
        if (wf.permissions === undefined)
          expect(job.permissions, `${file} job ${id}: permissions`).toBeDefined();
        if (writeScopes(job.permissions).length === 0) continue;
        const posts = (job.steps ?? []).some((s) => {
          const target = s.uses ? resolveAction(s.uses) : null;
          return (
            target === 'action.yml' ||
            target === 'actions/summary/action.yml' ||
            s.uses?.startsWith('actions/github-script@')
          );
        });
        expect(posts || job.uses !== undefined, `${file} job ${id} writes but never posts`).toBe(
          true,
        );
      }
    });

    it('stays within the workflow_dispatch and matrix limits', () => {
      const dispatch = triggers(wf).workflow_dispatch;
      expect(Object.keys((dispatch?.inputs as Json | undefined) ?? {}).length).toBeLessThanOrEqual(
        25,
      );
      for (const [id, job] of jobsOf(wf)) {
        const size = literalMatrixSize(job.strategy?.matrix);
        if (size !== null) expect(size, `${file} job ${id}: matrix size`).toBeLessThanOrEqual(256);
      }
    });

    it('needs only jobs that exist', () => {
      const ids = new Set(Object.keys(wf.jobs ?? {}));
      for (const [id, job] of jobsOf(wf)) {
        const needs = job.needs === undefined ? [] : [job.needs].flat();
        for (const need of needs)
          expect(ids.has(need), `${file} job ${id} needs ${need}`).toBe(true);
      }
    });
  });
});

describe('the reusable workflow', () => {
  const wf = workflows.get('.github/workflows/perf-flow.yml')!;
  const on = triggers(wf);
  const jobs = wf.jobs ?? {};

  it('is callable and dispatchable with the same inputs', () => {
    const call = Object.keys((on.workflow_call?.inputs as Json) ?? {}).sort();
    const dispatch = Object.keys((on.workflow_dispatch?.inputs as Json) ?? {}).sort();
    expect(call).toEqual([
      'config',
      'current-baseline',
      'guidance',
      'investment',
      'monitoring',
      'shards',
      'suspected-bottlenecks',
      'target',
      'timeline',
      'trigger',
    ]);
    expect(dispatch).toEqual(call);
  });

  it('offers the closed intake answers as choices, with config keeping the file as it is', () => {
    const inputs = on.workflow_dispatch!.inputs as Record<string, Json>;
    expect(inputs.monitoring).toMatchObject({ type: 'choice', default: 'config' });
    expect(inputs.monitoring!.options).toEqual(['config', 'none', 'basic', 'mature']);
    expect(inputs.investment!.options).toEqual([
      'config',
      'quick-wins',
      'moderate',
      'comprehensive',
    ]);
    expect(inputs.timeline!.options).toEqual(['config', 'urgent', 'normal', 'relaxed']);
  });

  it('passes the intake answers to the stages that use them, through with: only', () => {
    const withOf = (job: string) =>
      (jobs[job]!.steps ?? []).find((s) => s.uses === `./actions/${job}`)!.with ?? {};
    for (const job of STAGE_JOBS) {
      for (const name of ['current-baseline', 'target', 'suspected-bottlenecks']) {
        expect(withOf(job)[name], `${job} ${name}`).toBe(`\${{ inputs.${name} }}`);
      }
    }
    for (const job of ['load-test', 'optimization-plan']) {
      for (const name of ['monitoring', 'investment', 'timeline']) {
        expect(withOf(job)[name], `${job} ${name}`).toBe(
          `\${{ inputs.${name} != 'config' && inputs.${name} || '' }}`,
        );
      }
    }
  });

  it("offers the six triggers as a choice, and by default keeps perf-flow.yml's", () => {
    const trigger = (on.workflow_dispatch!.inputs as Record<string, Json>).trigger!;
    expect(trigger.type).toBe('choice');
    expect(trigger.default).toBe('config');
    expect(trigger.options).toEqual([
      'config',
      'slo-breach',
      'capacity-planning',
      'cost-reduction',
      'user-complaint',
      'proactive',
      'new-feature',
    ]);
  });

  it('runs each stage from this repository in its own job, in order', () => {
    for (const stage of STAGE_JOBS) {
      const uses = (jobs[stage]?.steps ?? []).map((s) => s.uses);
      expect(uses, stage).toContain(`./actions/${stage}`);
      expect(uses, stage).toContain('actions/checkout@v5');
      expect(uses, stage).toContain('actions/setup-node@v5');
    }
    expect([jobs['profile-analysis']!.needs].flat()).toContain('baseline');
    expect([jobs['load-test']!.needs].flat()).toContain('baseline');
    // The plan rests on the load test's breaking point, spike and soak too.
    expect([jobs['optimization-plan']!.needs].flat()).toEqual(
      expect.arrayContaining(['baseline', 'profile-analysis', 'load-test']),
    );
    expect([jobs['slo-gate']!.needs].flat()).toEqual(
      expect.arrayContaining(['baseline', 'load-test']),
    );
    expect([jobs.summary!.needs].flat()).toContain('slo-gate');
  });

  it('shards the load test over a matrix computed from the shards input', () => {
    const loadTest = jobs['load-test']!;
    expect(loadTest.strategy?.matrix).toEqual({
      shard: '${{ fromJSON(needs.shards.outputs.list) }}',
    });
    const step = loadTest.steps!.find((s) => s.uses === './actions/load-test')!;
    // One shard runs unsharded, so that scenarios beyond the steady load can run.
    expect(step.with).toMatchObject({
      shard: "${{ inputs.shards > 1 && matrix.shard || '' }}",
      shards: "${{ inputs.shards > 1 && inputs.shards || '' }}",
    });
  });

  it('never skips the gate, and still summarizes a failed gate', () => {
    expect(jobs['slo-gate']!.if).toMatch(/!cancelled\(\)|always\(\)/);
    expect(jobs.summary!.if).toMatch(/always\(\)/);
  });

  it('grants pull-requests and checks write to the summary job only', () => {
    for (const [id, job] of Object.entries(jobs)) {
      const writes = writeScopes(job.permissions).sort();
      expect(writes, id).toEqual(id === 'summary' ? ['checks', 'pull-requests'] : []);
    }
  });

  it("grants actions: read only to the summary, which reads another run's artifacts", () => {
    // Artifacts of the same run go through the runner's own token, which needs no scope.
    const readers = Object.entries(jobs)
      .filter(
        ([, job]) => (job.permissions as Record<string, string> | undefined)?.actions === 'read',
      )
      .map(([id]) => id);
    expect(readers).toEqual(['summary']);
  });
});

describe('the fork-safe pair', () => {
  const measure = workflows.get('examples/workflows/fork-safe-measure.yml')!;
  const report = workflows.get('examples/workflows/fork-safe-report.yml')!;

  it('measures on pull_request with a read-only token and uploads the report', () => {
    expect(Object.keys(triggers(measure))).toEqual(['pull_request']);
    for (const [, job] of jobsOf(measure)) expect(writeScopes(job.permissions)).toEqual([]);
    expect(stepsOf(measure).map(([, s]) => s.uses)).toContain('actions/upload-artifact@v6');
  });

  it('reports from workflow_run of the measure workflow, never running its code', () => {
    const run = triggers(report).workflow_run!;
    expect(run.workflows).toEqual([measure.name]);
    const uses = stepsOf(report).map(([, s]) => s.uses ?? '');
    expect(uses).toContain('actions/download-artifact@v7');
    expect(uses.filter((u) => u.startsWith('actions/checkout'))).toEqual([]);
    expect(stepsOf(report).filter(([, s]) => s.run !== undefined)).toEqual([]);
  });
});

const THREE_WAYS = [
  'examples/workflows/pr-gate.yml',
  'examples/workflows/pipeline.yml',
  'examples/workflows/fork-safe-measure.yml',
  'examples/workflows/fork-safe-report.yml',
];

/** The workflow files a document inlines, each after a `<!-- file: path -->` marker. */
function embeddedWorkflows(doc: string): Array<[string, string]> {
  return [...doc.matchAll(/<!-- file: (\S+) -->\s*```yaml\n([\s\S]*?)```/g)].map((m) => [
    m[1]!,
    m[2]!,
  ]);
}

describe('README.md', () => {
  const embedded = embeddedWorkflows(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

  it('shows the one-step, multi-job and fork-safe workflows in full', () => {
    expect(embedded.map(([file]) => file)).toEqual(THREE_WAYS);
  });

  it.each(embedded)('shows %s exactly as the file is', (file, body) => {
    expect(body).toBe(readFileSync(path.join(ROOT, file), 'utf8'));
  });
});

describe('docs/workflows.md', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/workflows.md'), 'utf8');
  const embedded = embeddedWorkflows(doc);

  it('inlines the one-step, multi-job, fork-safe and nightly soak workflows', () => {
    expect(embedded.map(([file]) => file)).toEqual([
      ...THREE_WAYS,
      'examples/workflows/nightly-soak.yml',
    ]);
  });

  it.each(embedded)('shows %s exactly as the file is', (file, body) => {
    expect(body).toBe(readFileSync(path.join(ROOT, file), 'utf8'));
  });

  it('links only files that exist', () => {
    for (const [, target] of doc.matchAll(/\]\((\.\.\/[^)#]+)\)/g))
      expect(existsSync(path.resolve(ROOT, 'docs', target!)), target).toBe(true);
  });
});
