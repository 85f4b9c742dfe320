/**
 * A local stand-in for the GitHub REST endpoints perf-flow uses, on 127.0.0.1 port 0, for
 * the real `@actions/github` client: getOctokit(token, { baseUrl: fake.url }).
 *
 *   GET   /repos/:o/:r/issues/:n/comments     (per_page, page, Link header)
 *   POST  /repos/:o/:r/issues/:n/comments
 *   PATCH /repos/:o/:r/issues/comments/:id
 *   POST  /repos/:o/:r/check-runs
 *   PATCH /repos/:o/:r/check-runs/:id         (annotations appended, as GitHub does)
 *   GET   /repos/:o/:r/commits/:sha/pulls
 *   GET   /repos/:o/:r                         (default_branch)
 *   GET   /repos/:o/:r/actions/...             relayed to `actionsUpstream` (a
 *                                              FakeArtifactService), as one API host serves both
 *
 * State is in memory and inspectable; every request is recorded; the Authorization header
 * must carry the token; `readOnly` answers writes with GitHub's 403 for a read-only token,
 * `forbidden` answers every request of an area with it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeComment = {
  id: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
  html_url: string;
  url: string;
  issue_number: number;
  repo: string;
};

export type FakeAnnotation = {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: string;
  message: string;
  title?: string;
};

export type FakeCheckRun = {
  id: number;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: FakeAnnotation[];
  html_url: string;
  url: string;
};

export type FakePull = {
  number: number;
  state: 'open' | 'closed';
  head: { sha: string; ref?: string };
  base: { repo: { full_name: string }; ref?: string };
};

export type RecordedRequest = {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  body: unknown;
};

export type FakeArea = 'issues' | 'checks' | 'pulls' | 'actions';

export type FakeGitHubApi = {
  url: string;
  token: string;
  comments: FakeComment[];
  checkRuns: FakeCheckRun[];
  /** Commit SHA → the PRs GET /commits/:sha/pulls answers with. */
  pullsByCommit: Map<string, FakePull[]>;
  requests: RecordedRequest[];
  /** Writes (POST, PATCH) answer 403 "Resource not accessible by integration". */
  readOnly: boolean;
  /** Every request to these areas answers that 403. */
  forbidden: Set<FakeArea>;
  /** The login new comments are authored by. */
  login: string;
  /** GET /repos/:o/:r answers with this default branch. */
  defaultBranch: string;
  /** Where GET /repos/:o/:r/actions/... requests go (the artifact service's REST side). */
  actionsUpstream: string | undefined;
  /** Adds comments directly (as other users, or many at once) without a request. */
  seedComment(
    owner: string,
    repo: string,
    issueNumber: number,
    body: string,
    login?: string,
  ): FakeComment;
  commentsOn(owner: string, repo: string, issueNumber: number): FakeComment[];
  close(): Promise<void>;
};

const FORBIDDEN = {
  message: 'Resource not accessible by integration',
  documentation_url: 'https://docs.github.com/rest',
  status: '403',
};

export async function startFakeGitHubApi(
  options: { token?: string; login?: string } = {},
): Promise<FakeGitHubApi> {
  let nextId = 1000;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const now = () => new Date((clock += 1000)).toISOString();

  const fake: FakeGitHubApi = {
    url: '',
    token: options.token ?? 'ghs_fake_token',
    comments: [],
    checkRuns: [],
    pullsByCommit: new Map(),
    requests: [],
    readOnly: false,
    forbidden: new Set(),
    login: options.login ?? 'github-actions[bot]',
    defaultBranch: 'main',
    actionsUpstream: undefined,
    seedComment(owner, repo, issueNumber, body, login = 'someone') {
      return addComment(`${owner}/${repo}`, issueNumber, body, login);
    },
    commentsOn(owner, repo, issueNumber) {
      return fake.comments.filter(
        (c) => c.repo === `${owner}/${repo}` && c.issue_number === issueNumber,
      );
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };

  function addComment(repo: string, issueNumber: number, body: string, login: string) {
    const id = nextId++;
    const at = now();
    const comment: FakeComment = {
      id,
      body,
      user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: at,
      updated_at: at,
      html_url: `https://github.com/${repo}/pull/${issueNumber}#issuecomment-${id}`,
      url: `${fake.url}/repos/${repo}/issues/comments/${id}`,
      issue_number: issueNumber,
      repo,
    };
    fake.comments.push(comment);
    return comment;
  }

  const publicComment = ({ issue_number: _n, repo: _r, ...rest }: FakeComment) => rest;
  const publicCheckRun = ({ annotations, repo: _r, ...rest }: FakeCheckRun) => ({
    ...rest,
    output: { ...rest.output, annotations_count: annotations.length },
  });

  function send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    return raw ? (JSON.parse(raw) as unknown) : undefined;
  }

  function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  function applyOutput(run: FakeCheckRun, output: unknown) {
    if (!isObject(output)) return undefined;
    if (typeof output.title !== 'string' || typeof output.summary !== 'string') {
      return 'output.title and output.summary are required';
    }
    if (output.summary.length > 65_535)
      return 'output.summary is too long (maximum is 65535 characters)';
    if (typeof output.text === 'string' && output.text.length > 65_535) {
      return 'output.text is too long (maximum is 65535 characters)';
    }
    const annotations = Array.isArray(output.annotations)
      ? (output.annotations as FakeAnnotation[])
      : [];
    if (annotations.length > 50) return 'Only 50 annotations are allowed per request';
    run.output = {
      title: output.title,
      summary: output.summary,
      text: typeof output.text === 'string' ? output.text : run.output.text,
    };
    run.annotations.push(...annotations);
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    try {
      body = await readBody(req);
    } catch {
      fake.requests.push({ method, path, query, body: undefined });
      return send(res, 400, { message: 'Problems parsing JSON' });
    }
    fake.requests.push({ method, path, query, body });

    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${fake.token}` && auth !== `Bearer ${fake.token}`) {
      return send(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    }

    let match: RegExpExecArray | null;
    const area = (a: FakeArea) =>
      fake.forbidden.has(a) || (fake.readOnly && method !== 'GET')
        ? send(res, 403, FORBIDDEN)
        : undefined;

    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path))) {
      if (fake.forbidden.has('issues') || (fake.readOnly && method !== 'GET'))
        return area('issues');
      const repo = `${match[1]}/${match[2]}`;
      const issueNumber = Number(match[3]);
      if (method === 'GET') {
        const perPage = Math.min(Math.max(Number(query.per_page ?? 30) || 30, 1), 100);
        const page = Math.max(Number(query.page ?? 1) || 1, 1);
        const all = fake.commentsOn(match[1]!, match[2]!, issueNumber);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const pageUrl = (p: number) => {
          const u = new URL(`${fake.url}${path}`);
          u.searchParams.set('per_page', String(perPage));
          u.searchParams.set('page', String(p));
          return u.toString();
        };
        const links: string[] = [];
        if (page > 1)
          links.push(`<${pageUrl(page - 1)}>; rel="prev"`, `<${pageUrl(1)}>; rel="first"`);
        if (page < last)
          links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
        const slice = all.slice((page - 1) * perPage, page * perPage).map(publicComment);
        return send(res, 200, slice, links.length > 0 ? { link: links.join(', ') } : {});
      }
      if (method === 'POST') {
        if (!isObject(body) || typeof body.body !== 'string')
          return send(res, 422, { message: 'body is required' });
        if (body.body.length > 65_536)
          return send(res, 422, { message: 'Body is too long (maximum is 65536 characters)' });
        return send(res, 201, publicComment(addComment(repo, issueNumber, body.body, fake.login)));
      }
    }

    if (
      (match = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path)) &&
      method === 'PATCH'
    ) {
      if (fake.forbidden.has('issues') || fake.readOnly) return area('issues');
      const comment = fake.comments.find(
        (c) => c.id === Number(match![3]) && c.repo === `${match![1]}/${match![2]}`,
      );
      if (!comment) return send(res, 404, { message: 'Not Found', status: '404' });
      if (!isObject(body) || typeof body.body !== 'string')
        return send(res, 422, { message: 'body is required' });
      if (body.body.length > 65_536)
        return send(res, 422, { message: 'Body is too long (maximum is 65536 characters)' });
      comment.body = body.body;
      comment.updated_at = now();
      return send(res, 200, publicComment(comment));
    }

    if ((match = /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/.exec(path)) && method === 'POST') {
      if (fake.forbidden.has('checks') || fake.readOnly) return area('checks');
      if (!isObject(body) || typeof body.name !== 'string' || typeof body.head_sha !== 'string') {
        return send(res, 422, { message: 'name and head_sha are required' });
      }
      const repo = `${match[1]}/${match[2]}`;
      const id = nextId++;
      const run: FakeCheckRun = {
        id,
        repo,
        name: body.name,
        head_sha: body.head_sha,
        status: typeof body.status === 'string' ? body.status : 'queued',
        conclusion: typeof body.conclusion === 'string' ? body.conclusion : null,
        details_url: typeof body.details_url === 'string' ? body.details_url : null,
        output: { title: null, summary: null, text: null },
        annotations: [],
        html_url: `https://github.com/${repo}/runs/${id}`,
        url: `${fake.url}/repos/${repo}/check-runs/${id}`,
      };
      const problem = applyOutput(run, body.output);
      if (problem) return send(res, 422, { message: problem });
      fake.checkRuns.push(run);
      return send(res, 201, publicCheckRun(run));
    }

    if (
      (match = /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/.exec(path)) &&
      method === 'PATCH'
    ) {
      if (fake.forbidden.has('checks') || fake.readOnly) return area('checks');
      const run = fake.checkRuns.find(
        (r) => r.id === Number(match![3]) && r.repo === `${match![1]}/${match![2]}`,
      );
      if (!run) return send(res, 404, { message: 'Not Found', status: '404' });
      if (!isObject(body)) return send(res, 422, { message: 'Invalid request' });
      const problem = applyOutput(run, body.output);
      if (problem) return send(res, 422, { message: problem });
      if (typeof body.status === 'string') run.status = body.status;
      if (typeof body.conclusion === 'string') run.conclusion = body.conclusion;
      return send(res, 200, publicCheckRun(run));
    }

    if (
      (match = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/pulls$/.exec(path)) &&
      method === 'GET'
    ) {
      if (fake.forbidden.has('pulls')) return area('pulls');
      return send(res, 200, fake.pullsByCommit.get(match[3]!) ?? []);
    }

    if (/^\/repos\/[^/]+\/[^/]+\/actions\//.test(path) && method === 'GET') {
      if (fake.forbidden.has('actions')) return area('actions');
      if (fake.actionsUpstream) return relay(req, res, `${fake.actionsUpstream}${req.url ?? ''}`);
    }

    if ((match = /^\/repos\/([^/]+)\/([^/]+)$/.exec(path)) && method === 'GET') {
      return send(res, 200, {
        full_name: `${match[1]}/${match[2]}`,
        default_branch: fake.defaultBranch,
      });
    }

    return send(res, 404, {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    });
  }

  /** Passes a GET on, status, location and body as they come (a 302 to a blob stays a 302). */
  async function relay(req: IncomingMessage, res: ServerResponse, target: string) {
    const answer = await fetch(target, {
      headers: { authorization: req.headers.authorization ?? '' },
      redirect: 'manual',
    });
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'location', 'link']) {
      const value = answer.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    res.writeHead(answer.status, headers);
    res.end(Buffer.from(await answer.arrayBuffer()));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
