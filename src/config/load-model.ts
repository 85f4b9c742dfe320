import type { z } from 'zod';
import type { Arrival, LoadModel, LoadSettings } from './types.js';

/**
 * The load model of the load and load-test sections: which one applies, the checks that
 * depend on it (a rate for the open model, arrival only with it, timeouts), and the settings
 * it gives. load-test inherits what it does not set from load.
 */

/** One load section as written; every key optional. */
export interface RawLoad {
  model?: LoadModel | undefined;
  arrival?: Arrival | undefined;
  duration?: number | undefined;
  'warm-up'?: number | undefined;
  connections?: number | undefined;
  rate?: number | undefined;
  timeout?: { ms: number; text: string } | undefined;
}

export type LoadSection = 'load' | 'load-test';

/** A section with the sections it inherits from, nearest first. */
export type LoadChain = { section: LoadSection; raw: RawLoad }[];

export interface ResolvedModel {
  model: LoadModel;
  /** The key that chose the model, or undefined when it followed from the rate. */
  modelKey?: string;
  /** The key the rate comes from, or undefined without a rate. */
  rateKey?: string;
  rateRps?: number;
}

export const MAX_CONNECTIONS = 10_000;
// Little's law: requests in flight = arrival rate × latency. A pool that holds a quarter
// second of arrivals keeps up with any service answering in 250 ms on average; past that
// the pool, not the service, would set the pace. 64 covers low rates with slow responses.
const OPEN_POOL_MIN = 64;
const OPEN_POOL_LATENCY_S = 0.25;

/**
 * The open model's pool when the section does not set connections itself: the connections
 * it would otherwise have, raised so that the pool cannot throttle the arrival rate.
 */
export function openModelConnections(rateRps: number, connections: number): number {
  return Math.min(
    MAX_CONNECTIONS,
    Math.max(connections, OPEN_POOL_MIN, Math.ceil(rateRps * OPEN_POOL_LATENCY_S)),
  );
}

export function resolveModel(chain: LoadChain): ResolvedModel {
  const withModel = chain.find(({ raw }) => raw.model !== undefined);
  const withRate = chain.find(({ raw }) => raw.rate !== undefined);
  const rate = withRate && { rateKey: `${withRate.section}.rate`, rateRps: withRate.raw.rate };
  if (withModel?.raw.model !== undefined) {
    return { model: withModel.raw.model, modelKey: `${withModel.section}.model`, ...rate };
  }
  return { model: rate ? 'open' : 'closed', ...rate };
}

type Issue = (path: (string | number)[], message: string) => void;

function issuer(ctx: z.RefinementCtx): Issue {
  return (path, message) => ctx.addIssue({ code: 'custom', path, message });
}

/** model: open without a rate, and arrival where the closed model runs. */
export function checkModel(chain: LoadChain, ctx: z.RefinementCtx): void {
  const issue = issuer(ctx);
  const [own] = chain;
  if (!own) return;
  const { section, raw } = own;
  const resolved = resolveModel(chain);
  // An inherited open model without a rate is reported once, where model: open is written.
  if (raw.model === 'open' && resolved.rateKey === undefined) {
    issue(
      [section, 'model'],
      `the open model needs a rate: set ${section}.rate to the rate requests arrive at (e.g. "200rps"), or use model: closed`,
    );
  }
  if (raw.arrival !== undefined && resolved.model === 'closed') {
    issue(
      [section, 'arrival'],
      resolved.modelKey === undefined
        ? `applies to the open model only, and ${section} runs the closed model because it has no rate: set ${section}.rate, or remove arrival`
        : `applies to the open model only, and ${section} runs the closed model (${resolved.modelKey}): remove arrival, or use model: open`,
    );
  }
}

// A request timing out within its own second of the timeline would say little about the
// service; both models keep this floor.
const MIN_TIMEOUT_MS = 1000;

/** The request timeouts the load can work with, checked here rather than when the load starts. */
export function checkTimeouts(load: RawLoad, loadTest: RawLoad, ctx: z.RefinementCtx): void {
  const sections: [LoadSection, RawLoad][] = [
    ['load', load],
    ['load-test', loadTest],
  ];
  for (const [section, raw] of sections) {
    if (raw.timeout === undefined || raw.timeout.ms >= MIN_TIMEOUT_MS) continue;
    ctx.addIssue({
      code: 'custom',
      path: [section, 'timeout'],
      message: `expected at least 1s, got "${raw.timeout.text}"`,
    });
  }
}

/** What a section falls back to for the keys it does not set (model, rate and arrival follow the chain). */
export interface LoadFallback {
  durationMs: number;
  warmupMs: number;
  /** As written (or defaulted), before the open model raises it. */
  connections: number;
  requestTimeoutMs: number;
}

export function loadSettings(chain: LoadChain, fallback: LoadFallback): LoadSettings {
  const raw = chain[0]?.raw ?? {};
  const { model, rateRps } = resolveModel(chain);
  const inheritedConnections = raw.connections ?? fallback.connections;
  const connections =
    raw.connections === undefined && model === 'open' && rateRps !== undefined
      ? openModelConnections(rateRps, inheritedConnections)
      : inheritedConnections;
  const arrival = chain.find((link) => link.raw.arrival !== undefined)?.raw.arrival;
  return {
    model,
    ...(model === 'open' && { arrival: arrival ?? 'poisson' }),
    durationMs: raw.duration ?? fallback.durationMs,
    warmupMs: raw['warm-up'] ?? fallback.warmupMs,
    connections,
    ...(rateRps !== undefined && { rateRps }),
    requestTimeoutMs: raw.timeout?.ms ?? fallback.requestTimeoutMs,
  };
}
