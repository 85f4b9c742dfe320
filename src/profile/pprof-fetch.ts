import { PORT_PLACEHOLDER } from '../config/types.js';
import { RuntimeError } from '../errors.js';
import { assertLoadTargetAllowed } from '../load/target-safety.js';

/** The config field every message about the endpoint names. */
export const PPROF_FIELD = 'profile.pprof-url';

/** How long past the profile's own length an endpoint may take to answer. */
const ANSWER_GRACE_MS = 15_000;
/** A CPU profile larger than this is not a profile but a mistake (or an attack). */
const MAX_PROFILE_BYTES = 512 * 1024 * 1024;

/**
 * The URL to fetch: `pprofUrl` as a path on the running service, or its own URL with the
 * service's port put in for ${PORT}; `?seconds=` asks for a profile of that length, which the
 * endpoint records from the moment it is asked (Go's net/http/pprof).
 */
export function pprofRequestUrl(
  pprofUrl: string,
  serviceUrl: string,
  seconds: number,
  allowedHosts: string[],
): string {
  const service = new URL(serviceUrl);
  const url = pprofUrl.startsWith('/')
    ? new URL(pprofUrl, service.origin)
    : new URL(pprofUrl.replaceAll(PORT_PLACEHOLDER, service.port));
  assertLoadTargetAllowed(url.href, allowedHosts);
  url.searchParams.set('seconds', String(Math.max(1, Math.round(seconds))));
  return url.href;
}

/**
 * Fetches a pprof profile; a refused connection, a timeout, an error status or an empty body
 * is a RuntimeError naming the field and the URL (exit 3: the endpoint, not the config, failed).
 */
export async function fetchPprof(
  url: string,
  seconds: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const timeoutMs = seconds * 1000 + ANSWER_GRACE_MS;
  const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
  const fail = (problem: string, cause?: unknown) =>
    new RuntimeError(`${PPROF_FIELD}: ${url} ${problem}`, cause === undefined ? {} : { cause });
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.any(signals), redirect: 'error' });
  } catch (error) {
    const reason =
      (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw fail(
      (error as Error).name === 'TimeoutError'
        ? `did not answer within ${timeoutMs / 1000} s`
        : `did not answer (${reason})`,
      error,
    );
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).slice(0, 200).trim();
    throw fail(`answered HTTP ${response.status}${text ? `: ${text}` : ''}`);
  }
  const length = Number(response.headers.get('content-length') ?? '0');
  if (length > MAX_PROFILE_BYTES)
    throw fail(`sent ${length} bytes, over the ${MAX_PROFILE_BYTES} allowed`);
  const body = new Uint8Array(await response.arrayBuffer());
  if (body.length === 0) throw fail('answered with an empty body');
  return body;
}
