import path from 'node:path';
import { z } from 'zod';
import { isAllowedHost, normaliseHost } from './hosts.js';
import type { LoadChain, RawLoad } from './load-model.js';
import { MAX_CONNECTIONS, checkModel, checkTimeouts, loadSettings } from './load-model.js';
import { capacitySchema, scenariosSchema } from './scenarios.js';
import { regressionSchema } from './regression.js';
import { databaseSchema } from './database.js';
import { guidanceSchema, planSchema } from './intake-sections.js';
import type {
  Config,
  JourneyConfig,
  ServiceConfig,
  SliName,
  SloConfig,
  Threshold,
  Verdict,
} from './types.js';
import { ARRIVALS, LOAD_MODELS, PORT_PLACEHOLDER, SLI_NAMES, VERDICTS } from './types.js';
import {
  urlPath,
  requestBody,
  duration,
  fraction,
  headerMap,
  nonEmpty,
  oneOfUpperCase,
  positiveDuration,
  positiveDurationAsWritten,
  positiveRate,
  stringMap,
  strictObject,
} from './fields.js';
import type { Parsed } from './units.js';
import { describeValue, readThreshold } from './units.js';

/**
 * The perf-flow.yml file as written (kebab-case keys, units in strings), validated and
 * turned into the normalised `Config`. docs/config.md documents every field; keep the two
 * in step.
 */

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const DEFAULTS = {
  ready: '/',
  startTimeoutMs: 30_000,
  buildTimeoutMs: 600_000,
  stopTimeoutMs: 5_000,
  method: 'GET',
  weight: 1,
  scoring: { pass: 0.9, partial: 0.75 },
  load: { durationMs: 10_000, warmupMs: 2_000, connections: 10, requestTimeoutMs: 10_000 },
  loadTestDurationMs: 20_000,
  profileDurationMs: 10_000,
  failOn: ['FAIL', 'INCONCLUSIVE'] as Verdict[],
} as const;

function serviceSchema(configDir: string) {
  return strictObject({
    build: nonEmpty.optional(),
    start: nonEmpty.optional(),
    url: nonEmpty,
    ready: urlPath.default(DEFAULTS.ready),
    env: stringMap.default({}),
    'working-directory': nonEmpty.optional(),
    'start-timeout': positiveDuration.default(DEFAULTS.startTimeoutMs),
    'build-timeout': positiveDuration.default(DEFAULTS.buildTimeoutMs),
    'stop-timeout': positiveDuration.default(DEFAULTS.stopTimeoutMs),
  }).transform((raw): ServiceConfig => ({
    ...(raw.build !== undefined && { build: raw.build }),
    ...(raw.start !== undefined && { start: raw.start }),
    url: raw.url,
    ready: raw.ready,
    env: raw.env,
    cwd: path.resolve(configDir, raw['working-directory'] ?? '.'),
    startTimeoutMs: raw['start-timeout'],
    buildTimeoutMs: raw['build-timeout'],
    stopTimeoutMs: raw['stop-timeout'],
  }));
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

const journeySchema = strictObject({
  name: nonEmpty,
  method: oneOfUpperCase(HTTP_METHODS).default(DEFAULTS.method),
  path: urlPath,
  headers: headerMap.default({}),
  body: requestBody.optional(),
  weight: z.number().positive().default(DEFAULTS.weight),
}).transform((raw): JourneyConfig => {
  const headers = { ...raw.headers };
  if (raw.body?.json && !hasHeader(headers, 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  return {
    name: raw.name,
    method: raw.method,
    path: raw.path,
    headers,
    ...(raw.body !== undefined && { body: raw.body.text }),
    weight: raw.weight,
  };
});

function isUpperBound(threshold: Threshold): boolean {
  return threshold.op === '<' || threshold.op === '<=';
}

/** Why a warning cannot sit with its target, or undefined when it can. */
function warningProblem(target: Threshold, warning: Threshold): string | undefined {
  const upper = isUpperBound(target);
  if (upper !== isUpperBound(warning)) {
    return `must compare in the same direction as the target "${target.text}" (${upper ? '< or <=' : '> or >='}), got "${warning.text}"`;
  }
  const looser = upper ? warning.value > target.value : warning.value < target.value;
  if (!looser) {
    return `must be looser than the target "${target.text}" (a ${upper ? 'higher' : 'lower'} limit), got "${warning.text}"`;
  }
  return undefined;
}

function readWarning(
  value: unknown,
  sli: SliName,
  target: Threshold,
): Parsed<Threshold | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  const warning = readThreshold(value, sli);
  if (!warning.ok) return warning;
  const problem = warningProblem(target, warning.value);
  return problem === undefined ? warning : { ok: false, message: problem };
}

const sloSchema = strictObject({
  name: nonEmpty.optional(),
  sli: z.enum(SLI_NAMES),
  journey: nonEmpty.optional(),
  target: z.unknown(),
  warning: z.unknown().optional(),
  weight: z.number().min(0).default(DEFAULTS.weight),
  key: z.boolean().default(false),
}).transform((raw, ctx): SloConfig => {
  // The unit a threshold needs depends on the SLI, so thresholds are read here, not per field.
  const target =
    raw.target === undefined
      ? ({ ok: false, message: 'required' } as const)
      : readThreshold(raw.target, raw.sli);
  if (!target.ok) {
    ctx.addIssue({ code: 'custom', path: ['target'], message: target.message });
    return z.NEVER;
  }
  const warning = readWarning(raw.warning, raw.sli, target.value);
  if (!warning.ok) {
    ctx.addIssue({ code: 'custom', path: ['warning'], message: warning.message });
    return z.NEVER;
  }
  const scope = raw.journey === undefined ? '' : ` of ${raw.journey}`;
  return {
    name: raw.name ?? `${raw.sli}${scope} ${target.value.text}`,
    sli: raw.sli,
    ...(raw.journey !== undefined && { journey: raw.journey }),
    target: target.value,
    ...(warning.value !== undefined && { warning: warning.value }),
    weight: raw.weight,
    key: raw.key,
    source: 'config',
  };
});

const scoringSchema = strictObject({
  pass: fraction.default(DEFAULTS.scoring.pass),
  partial: fraction.default(DEFAULTS.scoring.partial),
}).superRefine((scoring, ctx) => {
  if (scoring.partial > scoring.pass) {
    ctx.addIssue({
      code: 'custom',
      path: ['partial'],
      message: `must not be above scoring.pass (${scoring.pass}), got ${scoring.partial}`,
    });
  }
});

const connections = z.number().int().min(1).max(MAX_CONNECTIONS);

/** Every key optional: load-test falls back to load's values, load to the defaults. */
const loadSchema = strictObject({
  model: z.enum(LOAD_MODELS).optional(),
  arrival: z.enum(ARRIVALS).optional(),
  duration: positiveDuration.optional(),
  'warm-up': duration.optional(),
  connections: connections.optional(),
  rate: positiveRate.optional(),
  timeout: positiveDurationAsWritten.optional(),
}) satisfies z.ZodType<RawLoad>;

const profileSchema = strictObject({
  duration: positiveDuration.optional(),
  connections: connections.optional(),
  // Paths relative to the config file; resolved with it (see the transform below).
  files: z.array(nonEmpty).default([]),
  'pprof-url': nonEmpty.optional(),
});

const allowedHost = z.string().transform((entry, ctx): string => {
  const host = normaliseHost(entry);
  if (host !== undefined) return host;
  ctx.addIssue({
    code: 'custom',
    message: `expected a host name or IP address without scheme, port or path, got ${describeValue(entry)}`,
  });
  return z.NEVER;
});

/** load-test inherits from load, load from the defaults. */
function loadChains(load: RawLoad, loadTest: RawLoad): { load: LoadChain; loadTest: LoadChain } {
  const loadLink = { section: 'load', raw: load } as const;
  return { load: [loadLink], loadTest: [{ section: 'load-test', raw: loadTest }, loadLink] };
}

/**
 * A path on the service (`/debug/pprof/profile`) or a URL of its own (Go services often serve
 * pprof on a separate port), loopback or an allowed host as the service's; not both
 * `files` and a URL: perf-flow would not know which profile to believe.
 */
function checkPprofUrl(
  profile: { files: string[]; 'pprof-url'?: string | undefined },
  allowedHosts: string[],
  ctx: z.RefinementCtx,
): void {
  const raw = profile['pprof-url'];
  if (raw === undefined) return;
  const issue = (message: string) =>
    ctx.addIssue({ code: 'custom', path: ['profile', 'pprof-url'], message });
  if (profile.files.length > 0) {
    issue('give profile.files or profile.pprof-url, not both');
    return;
  }
  if (raw.startsWith('/')) return;
  let url: URL;
  try {
    url = new URL(raw.replaceAll(PORT_PLACEHOLDER, '1'));
  } catch {
    issue(`expected a path such as /debug/pprof/profile or an http:// URL, got "${raw}"`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    issue(`must be http or https, got "${url.protocol.replace(/:$/, '')}"`);
  } else if (url.search !== '') {
    issue('leave out the query: perf-flow adds ?seconds= for the length of the profile');
  } else if (!isAllowedHost(url.hostname, allowedHosts)) {
    issue(
      `host "${url.hostname}" is not loopback (127.0.0.0/8, localhost, ::1) nor listed in allowed-hosts`,
    );
  }
}

function checkServiceUrl(
  service: ServiceConfig,
  allowedHosts: string[],
  ctx: z.RefinementCtx,
): void {
  const issue = (message: string) =>
    ctx.addIssue({ code: 'custom', path: ['service', 'url'], message });
  const hasPlaceholder = service.url.includes(PORT_PLACEHOLDER);
  if (hasPlaceholder && service.start === undefined) {
    issue(
      `contains ${PORT_PLACEHOLDER}, but without service.start there is nothing to pass PORT to: write the port the service listens on`,
    );
  }
  let url: URL;
  try {
    url = new URL(service.url.replaceAll(PORT_PLACEHOLDER, '1'));
  } catch {
    issue(`expected a URL like "http://127.0.0.1:${PORT_PLACEHOLDER}", got "${service.url}"`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    issue(`must be http or https, got "${url.protocol.replace(/:$/, '')}"`);
  } else if (!isAllowedHost(url.hostname, allowedHosts)) {
    issue(
      `host "${url.hostname}" is not loopback (127.0.0.0/8, localhost, ::1): load goes elsewhere only to hosts listed in allowed-hosts`,
    );
  }
}

/** Whether a throughput target asks for more requests per second than `capRps`. */
export function exceedsRate(target: Threshold, capRps: number): boolean {
  return (
    (target.op === '>=' && target.value > capRps) || (target.op === '>' && target.value >= capRps)
  );
}

function formatRps(rps: number): string {
  return String(Number(rps.toPrecision(4)));
}

/**
 * With a rate, the load test sends no more than it: a throughput target above the rate (or,
 * for one journey, above the journey's share of it by weight) can never be met. A target at
 * or below it is fine: it checks that the service keeps up with the offered load.
 */
function checkThroughputTargets(
  slos: SloConfig[],
  journeys: JourneyConfig[],
  rate: { rps: number; key: string } | undefined,
  ctx: z.RefinementCtx,
): void {
  if (rate === undefined) return;
  const totalWeight = journeys.reduce((sum, journey) => sum + journey.weight, 0);
  slos.forEach((slo, index) => {
    if (slo.sli !== 'throughput') return;
    const journey = journeys.find((candidate) => candidate.name === slo.journey);
    const cap = journey === undefined ? rate.rps : (rate.rps * journey.weight) / totalWeight;
    if (!exceedsRate(slo.target, cap)) return;
    const offered =
      journey === undefined
        ? `only ${formatRps(cap)} req/s (${rate.key})`
        : `journey "${journey.name}" only about ${formatRps(cap)} req/s (its weight's share of ${rate.key}, ${formatRps(rate.rps)} req/s)`;
    ctx.addIssue({
      code: 'custom',
      path: ['slos', index, 'target'],
      message: `"${slo.target.text}" cannot be met: the load test offers ${offered}; lower the target or raise the rate`,
    });
  });
}

function checkJourneyNames(journeys: JourneyConfig[], ctx: z.RefinementCtx): void {
  const first = new Map<string, number>();
  journeys.forEach((journey, index) => {
    const earlier = first.get(journey.name);
    if (earlier === undefined) first.set(journey.name, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: ['journeys', index, 'name'],
        message: `duplicate journey name "${journey.name}" (also journeys[${earlier}])`,
      });
    }
  });
}

function checkSlos(slos: SloConfig[], journeys: JourneyConfig[], ctx: z.RefinementCtx): void {
  const journeyNames = journeys.map((journey) => journey.name);
  const first = new Map<string, number>();
  slos.forEach((slo, index) => {
    if (slo.journey !== undefined && !journeyNames.includes(slo.journey)) {
      ctx.addIssue({
        code: 'custom',
        path: ['slos', index, 'journey'],
        message: `no journey named "${slo.journey}" (journeys: ${journeyNames.join(', ')})`,
      });
    }
    // Reports and the gate's data are keyed by SLO name; two alike would overwrite each other.
    const earlier = first.get(slo.name);
    if (earlier === undefined) first.set(slo.name, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: ['slos', index, 'name'],
        message: `duplicate SLO name "${slo.name}" (also slos[${earlier}]): give each SLO its own name`,
      });
    }
  });
}

/** The schema of one file: the working directory defaults to the file's own directory. */
export function configSchema(source: { path: string; hash: string }) {
  return strictObject({
    service: serviceSchema(path.dirname(source.path)),
    journeys: z.array(journeySchema).min(1),
    slos: z.array(sloSchema).default([]),
    scoring: scoringSchema.prefault({}),
    load: loadSchema.prefault({}),
    'load-test': loadSchema.prefault({}),
    profile: profileSchema.prefault({}),
    scenarios: scenariosSchema.prefault({}),
    capacity: capacitySchema.prefault({}),
    regression: regressionSchema.prefault({}),
    'fail-on': z.array(oneOfUpperCase(VERDICTS)).default([...DEFAULTS.failOn]),
    'allowed-hosts': z.array(allowedHost).default([]),
    database: databaseSchema.optional(),
    guidance: guidanceSchema.optional(),
    plan: planSchema.prefault({}),
  })
    .superRefine((raw, ctx) => {
      checkServiceUrl(raw.service, raw['allowed-hosts'], ctx);
      checkPprofUrl(raw.profile, raw['allowed-hosts'], ctx);
      checkJourneyNames(raw.journeys, ctx);
      checkSlos(raw.slos, raw.journeys, ctx);
      const chains = loadChains(raw.load, raw['load-test']);
      checkModel(chains.load, ctx);
      checkModel(chains.loadTest, ctx);
      checkTimeouts(raw.load, raw['load-test'], ctx);
      const testRate = raw['load-test'].rate ?? raw.load.rate;
      const rateKey = raw['load-test'].rate === undefined ? 'load.rate' : 'load-test.rate';
      checkThroughputTargets(
        raw.slos,
        raw.journeys,
        testRate === undefined ? undefined : { rps: testRate, key: rateKey },
        ctx,
      );
    })
    .transform((raw): Config => {
      const configDir = path.dirname(source.path);
      const chains = loadChains(raw.load, raw['load-test']);
      const baseline = loadSettings(chains.load, DEFAULTS.load);
      return {
        path: source.path,
        hash: source.hash,
        service: raw.service,
        journeys: raw.journeys,
        slos: raw.slos,
        scoring: raw.scoring,
        baseline,
        loadTest: loadSettings(chains.loadTest, {
          ...baseline,
          // load's connections as written: load-test's own rate decides how far to raise them.
          connections: raw.load.connections ?? DEFAULTS.load.connections,
          durationMs: DEFAULTS.loadTestDurationMs,
        }),
        profile: {
          durationMs: raw.profile.duration ?? DEFAULTS.profileDurationMs,
          connections: raw.profile.connections ?? baseline.connections,
          files: raw.profile.files.map((file) => path.resolve(configDir, file)),
          ...(raw.profile['pprof-url'] !== undefined && { pprofUrl: raw.profile['pprof-url'] }),
        },
        scenarios: raw.scenarios,
        capacity: raw.capacity,
        regression: raw.regression,
        failOn: [...new Set(raw['fail-on'])],
        allowedHosts: [...new Set(raw['allowed-hosts'])],
        ...(raw.database !== undefined && { database: raw.database }),
        ...(raw.guidance !== undefined && { guidance: raw.guidance }),
        plan: raw.plan,
      };
    });
}
