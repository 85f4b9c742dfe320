import { ConfigError } from '../errors.js';
import type { Comparator, SliName, Threshold } from './types.js';

/**
 * Strict parsers for the quantities users write in perf-flow.yml and in action inputs.
 * Each accepts one spelling per unit and nothing else: a silently misread "10" (seconds?
 * milliseconds?) would measure the wrong thing without anyone noticing.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const QUANTITY = new RegExp(String.raw`^${NUMBER}\s*(\S*)$`);
const COMPARISON = /^(<=|>=|<|>)\s*(.*)$/;

// Both the micro sign (U+00B5) and the Greek mu (U+03BC): keyboards produce either.
const LATENCY_UNITS: Record<string, number> = { us: 0.001, µs: 0.001, μs: 0.001, ms: 1, s: 1000 };
const DURATION_UNITS: Record<string, number> = { ...LATENCY_UNITS, m: 60_000, h: 3_600_000 };
const RATE_UNITS: Record<string, number> = { rps: 1, '/s': 1 };
const PERCENT_UNITS: Record<string, number> = { '%': 0.01 };
// Decimal prefixes are powers of 1000 and binary ones of 1024, as IEC 80000-13 has it; only
// these spellings, since "mb" could be either and "1M" says nothing of bytes.
const BYTE_UNITS: Record<string, number> = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

const DURATION_EXAMPLE = 'a duration like "30s", "500ms" or "5m"';
const RATE_EXAMPLE = 'a rate like "200rps" or "200/s"';
const PERCENT_EXAMPLE = 'a percentage like "10%"';
const BYTES_EXAMPLE =
  'a size like "512KB", "1MB" or "2GiB" (B, kB or KB, MB, GB in powers of 1000; KiB, MiB, GiB in powers of 1024)';
const GROWTH_EXAMPLE = 'a multiplier like 1.5 or "1.5x", or a change like "+50%" or "-20%"';

/** A value as the user wrote it, for error messages: strings quoted, the rest as JSON. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Decimal artefacts such as 99.9 / 100 = 0.9990000000000001 would leak into reports. */
function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

function quantity(text: string, units: Record<string, number>): number | undefined {
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const [, digits = '', unit = ''] = match;
  if (!Object.hasOwn(units, unit)) return undefined;
  return tidy(Number(digits) * (units[unit] ?? Number.NaN));
}

function fail(message: string): Parsed<never> {
  return { ok: false, message };
}

const BARE_NUMBER = new RegExp(String.raw`^\s*${NUMBER}\s*$`);

function bareNumberHint(value: unknown): string {
  const bare = typeof value === 'number' || (typeof value === 'string' && BARE_NUMBER.test(value));
  return bare ? ' (a bare number is ambiguous: add a unit)' : '';
}

function expected(what: string, value: unknown): Parsed<never> {
  return fail(`expected ${what}, got ${describeValue(value)}${bareNumberHint(value)}`);
}

function readQuantity(value: unknown, units: Record<string, number>, what: string): Parsed<number> {
  if (typeof value !== 'string') return expected(what, value);
  const parsed = quantity(value, units);
  return parsed === undefined ? expected(what, value) : { ok: true, value: parsed };
}

/** Milliseconds, from "250ms", "30s", "5m", "1h", "1.5s", "500us". */
export function readDuration(value: unknown): Parsed<number> {
  return readQuantity(value, DURATION_UNITS, DURATION_EXAMPLE);
}

/** Requests per second, from "200rps" or "200/s". */
export function readRate(value: unknown): Parsed<number> {
  return readQuantity(value, RATE_UNITS, RATE_EXAMPLE);
}

/** A fraction, from "10%" (0.1). */
export function readPercent(value: unknown): Parsed<number> {
  return readQuantity(value, PERCENT_UNITS, PERCENT_EXAMPLE);
}

/** Whole bytes, from "512KB", "1MB", "1.5MiB". */
export function readBytes(value: unknown): Parsed<number> {
  const parsed = readQuantity(value, BYTE_UNITS, BYTES_EXAMPLE);
  return parsed.ok ? { ok: true, value: Math.round(parsed.value) } : parsed;
}

const MULTIPLIER = new RegExp(String.raw`^${NUMBER}\s*[x×]?$`);
const CHANGE = new RegExp(String.raw`^([+-])\s*${NUMBER}\s*%$`);
const UNSIGNED_PERCENT = new RegExp(String.raw`^${NUMBER}\s*%$`);

/**
 * A growth factor above 0, from 1.5, "1.5x" or "+50%" (all 1.5). A percentage needs its sign:
 * "50%" could mean ×1.5 or ×0.5.
 */
export function readGrowth(value: unknown): Parsed<number> {
  let factor: number | undefined;
  if (typeof value === 'number') factor = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    const multiplier = MULTIPLIER.exec(text);
    const change = CHANGE.exec(text);
    if (multiplier) factor = Number(multiplier[1]);
    else if (change) {
      const percent = Number(change[2]) / 100;
      factor = change[1] === '-' ? 1 - percent : 1 + percent;
    } else if (UNSIGNED_PERCENT.test(text)) {
      return fail(
        `a percentage needs its sign, "+${text}" for more demand or "-${text}" for less, got ${describeValue(value)}`,
      );
    }
  }
  if (factor === undefined || !Number.isFinite(factor))
    return fail(`expected ${GROWTH_EXAMPLE}, got ${describeValue(value)}`);
  if (factor <= 0) {
    return fail(`expected a growth above 0 (some demand must remain), got ${describeValue(value)}`);
  }
  return { ok: true, value: tidy(factor) };
}

/** A signed percentage change, from "+10%" (0.1) or "-5%" (-0.05); the sign is required. */
export function readSignedChange(value: unknown): Parsed<number> {
  const text = typeof value === 'string' ? value.trim() : undefined;
  const change = text === undefined ? null : CHANGE.exec(text);
  if (change) {
    const percent = Number(change[2]) / 100;
    if (Number.isFinite(percent))
      return { ok: true, value: change[1] === '-' ? -percent : percent };
  }
  return fail(`expected a signed percentage like "+10%" or "-5%", got ${describeValue(value)}`);
}

interface SliFamily {
  units: Record<string, number>;
  example: string;
  /** What the value must be, for the wrong-unit message. */
  expects: string;
  max?: number;
}

function sliFamily(sli: SliName): SliFamily {
  if (sli.startsWith('latency.')) {
    return { units: LATENCY_UNITS, example: '< 100ms', expects: 'a latency in us, µs, ms or s' };
  }
  if (sli === 'throughput') {
    return { units: RATE_UNITS, example: '>= 500rps', expects: 'a rate in rps or /s' };
  }
  return { units: PERCENT_UNITS, example: '<= 0.1%', expects: 'a percentage', max: 1 };
}

/** A comparison whose value carries the unit the SLI is measured in (see Threshold). */
export function readThreshold(value: unknown, sli: SliName): Parsed<Threshold> {
  const family = sliFamily(sli);
  const text = typeof value === 'string' ? value.trim() : undefined;
  const comparison = text === undefined ? null : COMPARISON.exec(text);
  if (!text || !comparison) {
    return fail(`expected a comparison like "${family.example}", got ${describeValue(value)}`);
  }
  const [, op = '<', rest = ''] = comparison;
  const parsed = quantity(rest, family.units);
  if (parsed === undefined) {
    return fail(
      `${sli} needs ${family.expects}, like "${family.example}", got ${describeValue(value)}${bareNumberHint(rest)}`,
    );
  }
  if (family.max !== undefined && parsed > family.max) {
    return fail(`${sli} is at most 100%, got ${describeValue(value)}`);
  }
  return { ok: true, value: { op: op as Comparator, value: parsed, text } };
}

function orThrow<T>(parsed: Parsed<T>, field: string): T {
  if (!parsed.ok) throw new ConfigError(parsed.message, field);
  return parsed.value;
}

export function parseDuration(text: string, field: string): number {
  return orThrow(readDuration(text), field);
}

export function parseRate(text: string, field: string): number {
  return orThrow(readRate(text), field);
}

export function parsePercent(text: string, field: string): number {
  return orThrow(readPercent(text), field);
}

export function parseBytes(text: string, field: string): number {
  return orThrow(readBytes(text), field);
}

export function parseThreshold(text: string, sli: SliName, field: string): Threshold {
  return orThrow(readThreshold(text, sli), field);
}
