/**
 * A local stand-in for GitHub's artifact service, speaking the protocol the real
 * `@actions/artifact` 6 client speaks (../shared/FACTS.md):
 *
 * - Twirp JSON, `POST /twirp/github.actions.results.api.v1.ArtifactService/<Method>`
 *   (CreateArtifact, FinalizeArtifact, ListArtifacts, GetSignedArtifactURL, DeleteArtifact)
 *   with `Authorization: Bearer <ACTIONS_RUNTIME_TOKEN>`; bodies use proto field names.
 * - the Azure block-blob upload to CreateArtifact's signed URL: `PUT ?comp=block&blockid=`
 *   per block, then `PUT ?comp=blocklist` (what `uploadStream` always does, even for one
 *   small block), and a single-shot `PUT` with `x-ms-blob-type: BlockBlob` for completeness;
 * - `GET` of GetSignedArtifactURL's URL, answering the stored zip;
 * - the two REST endpoints the client uses with `findBy` (another run):
 *   `GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts[?name=]` and
 *   `GET /repos/{owner}/{repo}/actions/artifacts/{id}/zip` (a 302 to the zip);
 * - the repository-wide list perf-flow searches for the default branch's latest result:
 *   `GET /repos/{owner}/{repo}/actions/artifacts[?name=]`, newest first, each with its
 *   `workflow_run` (id, head_branch, head_sha, repository_id, head_repository_id).
 *
 * Run ids here are used both as the results service's backend id and as the REST run id.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/';

export interface FakeArtifact {
  id: number;
  runId: string;
  jobId: string;
  name: string;
  /** The bytes uploaded (a zip), once committed. */
  content?: Buffer;
  /** Blocks staged but not yet committed, by block id. */
  staged: Map<string, Buffer>;
  finalized: boolean;
  size: number;
  digest?: string;
  mimeType?: string;
  expiresAt?: string;
  createdAt: Date;
}

export interface RecordedRequest {
  method: string;
  /** Path with query, signature included. */
  url: string;
  /** The Twirp method, the blob operation, or the REST route, for assertions. */
  kind: string;
  authorization?: string;
  /** The parsed JSON body of a Twirp request. */
  body?: Record<string, unknown>;
}

/** What the REST API tells about the run that uploaded an artifact. */
export interface FakeRun {
  headBranch: string;
  headSha: string;
  repositoryId: number;
  /** A fork's id when the run was for a fork's branch. */
  headRepositoryId: number;
}

interface Scope {
  runId: string;
  jobId: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function base64url(value: string): string {
  return Buffer.from(value).toString('base64url');
}

/** An unsigned JWT with the claims the client decodes (it does not verify signatures). */
export function fakeRuntimeToken(runId: string, jobId: string): string {
  const header = base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      scp: `Actions.ExampleScope Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${runId}:${jobId}`,
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 3600,
    }),
  );
  return `${header}.${payload}.${base64url('unsigned')}`;
}

function scopeFromToken(authorization: string | undefined): Scope {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (!token) throw new HttpError(401, 'unauthenticated', 'missing bearer token');
  const payload = token.split('.')[1];
  let scp: unknown;
  try {
    scp = (
      JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { scp?: unknown }
    ).scp;
  } catch {
    throw new HttpError(401, 'unauthenticated', 'malformed token');
  }
  if (typeof scp !== 'string') throw new HttpError(401, 'unauthenticated', 'token has no scp');
  for (const scope of scp.split(' ')) {
    const parts = scope.split(':');
    if (parts[0] === 'Actions.Results' && parts.length === 3) {
      return { runId: parts[1] ?? '', jobId: parts[2] ?? '' };
    }
  }
  throw new HttpError(401, 'unauthenticated', 'token has no Actions.Results scope');
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A Twirp StringValue/Int64Value wrapper in JSON is the bare value. */
function wrapped(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && 'value' in value)
    return String((value as { value: unknown }).value);
  return String(value as string | number);
}

export class FakeArtifactService {
  readonly artifacts: FakeArtifact[] = [];
  readonly requests: RecordedRequest[] = [];
  /** When set, REST requests must carry `Authorization: token <restToken>` (or Bearer). */
  restToken: string | undefined;
  /** Run id → its branch and repositories; a run not listed is the main repository's `main`. */
  readonly runs = new Map<string, FakeRun>();
  /** When set, creating an artifact is refused with 403, as a token without the scope is. */
  refuseUploads = false;
  private nextId = 1000;

  private readonly server = http.createServer((req, res) => {
    this.handle(req, res).catch((error: unknown) => {
      const e =
        error instanceof HttpError
          ? error
          : new HttpError(500, 'internal', error instanceof Error ? error.message : String(error));
      if (!res.headersSent) {
        res.writeHead(e.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: e.code, msg: e.message, message: e.message }));
      } else {
        res.destroy();
      }
    });
  });
  private origin = '';

  private constructor() {}

  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  get url(): string {
    return this.origin;
  }

  static async start(): Promise<FakeArtifactService> {
    const service = new FakeArtifactService();
    await new Promise<void>((resolve) => service.server.listen(0, '127.0.0.1', resolve));
    const { port } = service.server.address() as AddressInfo;
    service.origin = `http://127.0.0.1:${port}`;
    return service;
  }

  /**
   * The environment the client reads: the runtime token (the run and job this "job" is),
   * the results service URL, a github.com server URL (anything else is GHES, which the
   * client refuses), a workspace (the default download path), and the REST API URL
   * (read by `@actions/github` when it is first imported: set it before that, for findBy).
   */
  env(ids: { runId: string; jobId: string; workspace?: string }): Record<string, string> {
    return {
      ACTIONS_RUNTIME_TOKEN: fakeRuntimeToken(ids.runId, ids.jobId),
      ACTIONS_RESULTS_URL: `${this.url}/`,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: this.url,
      GITHUB_WORKSPACE: ids.workspace ?? process.cwd(),
      GITHUB_RUN_ID: ids.runId,
    };
  }

  /** Twirp methods called, in order (for assertions and documentation). */
  kinds(): string[] {
    return this.requests.map((r) => r.kind);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const record = (kind: string): void => {
      this.requests.push({
        method,
        url: `${url.pathname}${url.search}`,
        kind,
        authorization: req.headers.authorization,
      });
    };

    if (method === 'POST' && url.pathname.startsWith(TWIRP_PREFIX)) {
      const rpc = url.pathname.slice(TWIRP_PREFIX.length);
      record(rpc);
      const scope = scopeFromToken(req.headers.authorization);
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<
        string,
        unknown
      >;
      const last = this.requests[this.requests.length - 1];
      if (last) last.body = body;
      const answer = this.twirp(rpc, scope, body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
      return;
    }

    let match = /^\/blob\/[^/]+\/[^/]+\/(\d+)\.zip$/.exec(url.pathname);
    if (match && method === 'PUT') {
      const artifact = this.byId(Number(match[1]));
      if (!artifact || artifact.finalized || url.searchParams.get('sig') !== String(artifact.id)) {
        throw new HttpError(403, 'AuthenticationFailed', 'bad or used upload URL');
      }
      const bytes = await readBody(req);
      const comp = url.searchParams.get('comp');
      if (comp === 'block') {
        record('blob:PutBlock');
        const blockId = url.searchParams.get('blockid');
        if (!blockId) throw new HttpError(400, 'InvalidQueryParameterValue', 'no blockid');
        artifact.staged.set(blockId, bytes);
      } else if (comp === 'blocklist') {
        record('blob:PutBlockList');
        const xml = bytes.toString('utf8');
        const ids = [...xml.matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map(
          (m) => m[1] ?? '',
        );
        const parts = ids.map((id) => {
          const block = artifact.staged.get(id);
          if (!block) throw new HttpError(400, 'InvalidBlockList', `unknown block ${id}`);
          return block;
        });
        artifact.content = Buffer.concat(parts);
        artifact.staged.clear();
        const type = req.headers['x-ms-blob-content-type'];
        if (typeof type === 'string') artifact.mimeType = type;
      } else if (!comp && req.headers['x-ms-blob-type'] === 'BlockBlob') {
        record('blob:PutBlob');
        artifact.content = bytes;
      } else {
        throw new HttpError(400, 'UnsupportedQueryParameter', `unsupported blob operation ${comp}`);
      }
      res.writeHead(201, {
        etag: `"0x${artifact.id.toString(16)}"`,
        'last-modified': new Date().toUTCString(),
        'x-ms-request-id': String(this.requests.length),
        'x-ms-version': '2025-01-05',
        'x-ms-request-server-encrypted': 'true',
      });
      res.end();
      return;
    }

    match = /^\/download\/(\d+)\.zip$/.exec(url.pathname);
    if (match && method === 'GET') {
      record('blob:GetBlob');
      const artifact = this.byId(Number(match[1]));
      if (!artifact?.finalized || !artifact.content) {
        throw new HttpError(404, 'BlobNotFound', 'no such blob');
      }
      res.writeHead(200, {
        'content-type': 'application/zip',
        'content-length': String(artifact.content.length),
      });
      res.end(artifact.content);
      return;
    }

    match = /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/([^/]+)\/artifacts$/.exec(url.pathname);
    if (match && method === 'GET') {
      record('rest:ListWorkflowRunArtifacts');
      this.checkRestToken(req);
      const name = url.searchParams.get('name');
      const found = this.artifacts.filter(
        (a) => a.finalized && a.runId === match?.[1] && (name === null || a.name === name),
      );
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          total_count: found.length,
          artifacts: found.map((a) => ({
            id: a.id,
            name: a.name,
            size_in_bytes: a.size,
            created_at: a.createdAt.toISOString(),
            digest: a.digest,
            expired: false,
            workflow_run: { id: Number(a.runId) },
          })),
        }),
      );
      return;
    }

    if (/^\/repos\/[^/]+\/[^/]+\/actions\/artifacts$/.test(url.pathname) && method === 'GET') {
      record('rest:ListArtifactsForRepo');
      this.checkRestToken(req);
      const name = url.searchParams.get('name');
      const found = this.artifacts
        .filter((a) => a.finalized && (name === null || a.name === name))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          total_count: found.length,
          artifacts: found.map((a) => {
            const run = this.runs.get(a.runId) ?? {
              headBranch: 'main',
              headSha: 'f'.repeat(40),
              repositoryId: 1,
              headRepositoryId: 1,
            };
            return {
              id: a.id,
              name: a.name,
              size_in_bytes: a.size,
              created_at: a.createdAt.toISOString(),
              expired: false,
              workflow_run: {
                id: Number(a.runId),
                head_branch: run.headBranch,
                head_sha: run.headSha,
                repository_id: run.repositoryId,
                head_repository_id: run.headRepositoryId,
              },
            };
          }),
        }),
      );
      return;
    }

    match = /^\/repos\/[^/]+\/[^/]+\/actions\/artifacts\/(\d+)\/zip$/.exec(url.pathname);
    if (match && method === 'GET') {
      record('rest:DownloadArtifact');
      this.checkRestToken(req);
      const artifact = this.byId(Number(match[1]));
      if (!artifact?.finalized) throw new HttpError(404, 'not_found', 'Not Found');
      res.writeHead(302, { location: `${this.url}/download/${artifact.id}.zip?sig=download` });
      res.end();
      return;
    }

    record(`unknown:${method} ${url.pathname}`);
    throw new HttpError(404, 'bad_route', `no route for ${method} ${url.pathname}`);
  }

  private checkRestToken(req: http.IncomingMessage): void {
    if (this.restToken === undefined) return;
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.restToken}` && auth !== `Bearer ${this.restToken}`) {
      throw new HttpError(401, 'unauthorized', 'Bad credentials');
    }
  }

  private byId(id: number): FakeArtifact | undefined {
    return this.artifacts.find((a) => a.id === id);
  }

  private checkRun(scope: Scope, body: Record<string, unknown>): void {
    if (body.workflow_run_backend_id !== scope.runId) {
      throw new HttpError(403, 'permission_denied', 'the token is not scoped to this workflow run');
    }
  }

  private twirp(rpc: string, scope: Scope, body: Record<string, unknown>): unknown {
    switch (rpc) {
      case 'CreateArtifact': {
        if (this.refuseUploads) {
          throw new HttpError(403, 'permission_denied', 'this token may not create artifacts');
        }
        this.checkRun(scope, body);
        if (body.workflow_job_run_backend_id !== scope.jobId) {
          throw new HttpError(403, 'permission_denied', 'the token is not scoped to this job');
        }
        const name = String(body.name ?? '');
        if (!name) throw new HttpError(400, 'invalid_argument', 'name is required');
        if (this.artifacts.some((a) => a.runId === scope.runId && a.name === name)) {
          throw new HttpError(
            409,
            'already_exists',
            'an artifact with this name already exists on the workflow run',
          );
        }
        const artifact: FakeArtifact = {
          id: this.nextId++,
          runId: scope.runId,
          jobId: scope.jobId,
          name,
          staged: new Map(),
          finalized: false,
          size: 0,
          mimeType: wrapped(body.mime_type),
          expiresAt: wrapped(body.expires_at),
          createdAt: new Date(),
        };
        this.artifacts.push(artifact);
        return {
          ok: true,
          signed_upload_url: `${this.url}/blob/fakeaccount/actions-results/${artifact.id}.zip?sig=${artifact.id}&sv=2025-01-05`,
        };
      }
      case 'FinalizeArtifact': {
        this.checkRun(scope, body);
        const artifact = this.artifacts.find(
          (a) =>
            a.runId === scope.runId &&
            a.jobId === body.workflow_job_run_backend_id &&
            a.name === body.name &&
            !a.finalized,
        );
        if (!artifact)
          throw new HttpError(404, 'not_found', 'no artifact in progress by that name');
        const content = artifact.content ?? Buffer.alloc(0);
        if (String(body.size) !== String(content.length)) {
          throw new HttpError(
            400,
            'invalid_argument',
            `size ${String(body.size)} does not match the ${content.length} bytes uploaded`,
          );
        }
        const hash = wrapped(body.hash);
        if (hash !== undefined && hash !== `sha256:${sha256(content)}`) {
          throw new HttpError(400, 'invalid_argument', 'hash does not match the uploaded bytes');
        }
        artifact.finalized = true;
        artifact.size = content.length;
        artifact.digest = `sha256:${sha256(content)}`;
        return { ok: true, artifact_id: String(artifact.id) };
      }
      case 'ListArtifacts': {
        this.checkRun(scope, body);
        const name = wrapped(body.name_filter);
        const id = wrapped(body.id_filter);
        return {
          artifacts: this.artifacts
            .filter(
              (a) =>
                a.finalized &&
                a.runId === scope.runId &&
                (name === undefined || a.name === name) &&
                (id === undefined || String(a.id) === id),
            )
            .map((a) => ({
              workflow_run_backend_id: a.runId,
              workflow_job_run_backend_id: a.jobId,
              database_id: String(a.id),
              name: a.name,
              size: String(a.size),
              created_at: a.createdAt.toISOString(),
              digest: a.digest,
            })),
        };
      }
      case 'GetSignedArtifactURL': {
        this.checkRun(scope, body);
        const artifact = this.artifacts.find(
          (a) =>
            a.finalized &&
            a.runId === scope.runId &&
            a.jobId === body.workflow_job_run_backend_id &&
            a.name === body.name,
        );
        if (!artifact) throw new HttpError(404, 'not_found', 'artifact not found');
        return {
          signed_url: `${this.url}/download/${artifact.id}.zip?sig=download-${artifact.id}`,
        };
      }
      case 'DeleteArtifact': {
        this.checkRun(scope, body);
        const index = this.artifacts.findIndex(
          (a) => a.runId === scope.runId && a.name === body.name,
        );
        if (index < 0) throw new HttpError(404, 'not_found', 'artifact not found');
        const [removed] = this.artifacts.splice(index, 1);
        return { ok: true, artifact_id: String(removed?.id ?? 0) };
      }
      default:
        throw new HttpError(404, 'bad_route', `unknown method ${rpc}`);
    }
  }
}
