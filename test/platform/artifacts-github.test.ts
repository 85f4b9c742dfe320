import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type {
  ArtifactNameTakenError as NameTaken,
  GitHubArtifactStore as Store,
} from '../../src/platform/artifacts-github.js';
import { FakeArtifactService } from '../helpers/fake-artifact-service.js';

let fake: FakeArtifactService;
let GitHubArtifactStore: typeof Store;
let ArtifactNameTakenError: typeof NameTaken;
let tmp: string;

/** Acts as one job: the client reads these variables at each call. */
function asJob(runId: string, jobId: string): void {
  for (const [key, value] of Object.entries(fake.env({ runId, jobId, workspace: tmp }))) {
    vi.stubEnv(key, value);
  }
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
}

beforeAll(async () => {
  fake = await FakeArtifactService.start();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'perf-flow-artifacts-'));
  // @actions/github reads GITHUB_API_URL when first imported (findBy goes through it), so
  // the store, and with it the client, is imported only after the variable points here.
  vi.stubEnv('GITHUB_API_URL', fake.url);
  ({ GitHubArtifactStore, ArtifactNameTakenError } =
    await import('../../src/platform/artifacts-github.js'));
  // The client logs through @actions/core to stdout (::debug::, ::add-mask::): keep it quiet.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.stubEnv('GITHUB_API_URL', fake.url);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await fake.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('GitHubArtifactStore with the real @actions/artifact client', () => {
  const files = {
    'data/baseline.json': JSON.stringify({ schema: 'perf-flow/baseline@1', p95: 42 }),
    'reports/x.md': '# Baseline\n\nbytes: \u00e9\u00e8 \u2713\n',
  };

  it('hands files from one job to another job of the same run, byte for byte', async () => {
    const source = path.join(tmp, 'job1');
    await writeFiles(source, files);
    fake.requests.length = 0;

    asJob('2001', 'job-1');
    await new GitHubArtifactStore().upload('perf-flow-baseline', Object.keys(files), source);
    expect(fake.kinds()).toEqual([
      'CreateArtifact',
      'blob:PutBlock',
      'blob:PutBlockList',
      'FinalizeArtifact',
    ]);
    const stored = fake.artifacts.find((a) => a.name === 'perf-flow-baseline');
    const finalize = fake.requests[3]?.body;
    expect(finalize).toMatchObject({
      workflow_run_backend_id: '2001',
      workflow_job_run_backend_id: 'job-1',
      name: 'perf-flow-baseline',
      size: String(stored?.content?.length),
      hash: stored?.digest,
    });
    expect(fake.requests[0]?.body).toMatchObject({ version: 7, mime_type: 'application/zip' });
    expect(stored?.finalized).toBe(true);
    expect(stored?.content?.subarray(0, 2).toString()).toBe('PK');

    fake.requests.length = 0;
    vi.unstubAllEnvs();
    asJob('2001', 'job-2');
    const dest = path.join(tmp, 'job2', 'perf-flow-report');
    expect(await new GitHubArtifactStore().download('perf-flow-baseline', dest)).toBe(true);
    for (const [file, content] of Object.entries(files)) {
      expect(await readFile(path.join(dest, file))).toEqual(Buffer.from(content));
    }
    expect(fake.kinds()).toEqual([
      'ListArtifacts',
      'ListArtifacts',
      'GetSignedArtifactURL',
      'blob:GetBlob',
    ]);
    expect(fake.requests[0]?.authorization).toMatch(/^Bearer /);
  });

  it('answers false for a name that was never uploaded', async () => {
    asJob('2001', 'job-3');
    const dest = path.join(tmp, 'missing');
    expect(await new GitHubArtifactStore().download('perf-flow-nothing', dest)).toBe(false);
  });

  it('does not see artifacts of another run without findBy', async () => {
    asJob('2002', 'job-1');
    expect(await new GitHubArtifactStore().download('perf-flow-baseline', tmp)).toBe(false);
  });

  it('replaces an artifact of the same name in one run (a re-run job), as overwrite does', async () => {
    const first = path.join(tmp, 'attempt-1');
    const second = path.join(tmp, 'attempt-2');
    await writeFiles(first, { 'data/a.json': '{"attempt":1}' });
    await writeFiles(second, { 'data/a.json': '{"attempt":2}' });
    asJob('2003', 'leg-1');
    const store = new GitHubArtifactStore();
    await store.upload('perf-flow-load-test', ['data/a.json'], first);
    fake.requests.length = 0;
    await store.upload('perf-flow-load-test', ['data/a.json'], second);
    expect(fake.kinds()).toContain('DeleteArtifact');
    asJob('2003', 'job-2');
    const dest = path.join(tmp, 'replaced');
    expect(await store.download('perf-flow-load-test', dest)).toBe(true);
    expect(await readFile(path.join(dest, 'data/a.json'), 'utf8')).toBe('{"attempt":2}');
  });

  it('names the rule when the service still refuses the name', () => {
    const error = new ArtifactNameTakenError('perf-flow-load-test', new Error('(409) Conflict'));
    expect(error.message).toMatch(/immutable within a run.*matrix leg/);
  });

  it('refuses files outside the root directory before calling the service', async () => {
    asJob('2005', 'job-1');
    fake.requests.length = 0;
    await expect(new GitHubArtifactStore().upload('perf-flow-x', ['../x'], tmp)).rejects.toThrow(
      /outside/,
    );
    expect(fake.requests).toEqual([]);
  });

  it('downloads from another run with findBy, through the REST API', async () => {
    const source = path.join(tmp, 'main-run');
    await writeFiles(source, { 'data/slo-gate.json': '{"verdict":"PASS"}' });
    asJob('3001', 'job-1');
    await new GitHubArtifactStore({ retentionDays: 5 }).upload(
      'perf-flow-slo-gate',
      ['data/slo-gate.json'],
      source,
    );
    expect(fake.artifacts.find((a) => a.name === 'perf-flow-slo-gate')?.expiresAt).toBeDefined();

    fake.restToken = 'ghs_read';
    fake.requests.length = 0;
    try {
      asJob('3999', 'pr-job');
      const findBy = {
        token: 'ghs_read',
        workflowRunId: 3001,
        repositoryOwner: 'octo',
        repositoryName: 'service',
      };
      const store = new GitHubArtifactStore({ findBy });
      expect(store.description).toContain('run 3001');
      const dest = path.join(tmp, 'from-main');
      expect(await store.download('perf-flow-slo-gate', dest)).toBe(true);
      expect(await readFile(path.join(dest, 'data/slo-gate.json'), 'utf8')).toBe(
        '{"verdict":"PASS"}',
      );
      expect(await store.download('perf-flow-absent', dest)).toBe(false);
      expect(fake.kinds()).toEqual([
        'rest:ListWorkflowRunArtifacts',
        'rest:DownloadArtifact',
        'blob:GetBlob',
        'rest:ListWorkflowRunArtifacts',
      ]);
      expect(fake.requests[0]?.url).toBe(
        '/repos/octo/service/actions/runs/3001/artifacts?name=perf-flow-slo-gate',
      );
    } finally {
      fake.restToken = undefined;
    }
  });
});

describe('the fake artifact service', () => {
  it('also takes a single-shot blob PUT, and checks the size and hash on finalize', async () => {
    const env = fake.env({ runId: '4001', jobId: 'job-1' });
    const twirp = async (method: string, body: unknown): Promise<Response> =>
      fetch(`${fake.url}/twirp/github.actions.results.api.v1.ArtifactService/${method}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${env.ACTIONS_RUNTIME_TOKEN}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    const ids = { workflow_run_backend_id: '4001', workflow_job_run_backend_id: 'job-1' };
    const created = (await (
      await twirp('CreateArtifact', { ...ids, name: 'single', version: 7 })
    ).json()) as { signed_upload_url: string };
    const put = await fetch(created.signed_upload_url, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'hello',
    });
    expect(put.status).toBe(201);
    const wrongSize = await twirp('FinalizeArtifact', { ...ids, name: 'single', size: '4' });
    expect(wrongSize.status).toBe(400);
    const wrongHash = await twirp('FinalizeArtifact', {
      ...ids,
      name: 'single',
      size: '5',
      hash: 'sha256:00',
    });
    expect(wrongHash.status).toBe(400);
    const ok = await twirp('FinalizeArtifact', { ...ids, name: 'single', size: '5' });
    expect(await ok.json()).toMatchObject({ ok: true });
    const otherRun = await twirp('ListArtifacts', { ...ids, workflow_run_backend_id: '9' });
    expect(otherRun.status).toBe(403);
    expect(fake.artifacts.find((a) => a.name === 'single')?.content?.toString()).toBe('hello');
  });
});
