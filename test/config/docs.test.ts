import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const DOCS = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');

const MINIMAL = {
  service: { url: 'http://127.0.0.1:3000' },
  journeys: [{ name: 'a', path: '/' }],
  slos: [{ sli: 'latency.p95', target: '< 1s' }],
};

/** The keys perf-flow accepts at one level, read from its own unknown-key message. */
function knownKeys(withUnknown: Record<string, unknown>): string[] {
  try {
    parseConfigText(stringify(withUnknown), '/repo/perf-flow.yml');
  } catch (error) {
    const match = error instanceof ConfigError && /expected one of ([^)]*)\)/.exec(error.message);
    if (match) return (match[1] ?? '').split(', ');
  }
  throw new Error('expected an unknown-key error');
}

/** A key is documented by a table row of its own, or, at the top level, by a heading. */
function documented(key: string): boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const row = new RegExp(`^\\|\\s*\`${escaped}\`\\s*\\|`, 'm');
  const heading = new RegExp(`^## .*(?<![\\w-])${escaped}(?![\\w-])`, 'm');
  return row.test(DOCS) || heading.test(DOCS);
}

describe('docs/config.md', () => {
  it('holds a complete example that perf-flow accepts', () => {
    const example = /## A complete example\s+```yaml\n([\s\S]*?)```/.exec(DOCS)?.[1];
    expect(example).toBeDefined();
    const config = parseConfigText(example ?? '', '/repo/perf-flow.yml');
    expect(config.journeys.map((journey) => journey.name)).toEqual(['list-items', 'checkout']);
    expect(config.slos).toHaveLength(5);
    expect(config.loadTest).toMatchObject({ model: 'open', arrival: 'poisson', rateRps: 2000 });
    expect(config.scenarios.run).toEqual(['load', 'spike']);
    expect(config.capacity).toMatchObject({ growth: 1.5, peakRps: 300, currency: 'EUR' });
  });

  it.each([
    ['top level', { ...MINIMAL, zzz: 1 }],
    ['service', { ...MINIMAL, service: { ...MINIMAL.service, zzz: 1 } }],
    ['journeys', { ...MINIMAL, journeys: [{ name: 'a', path: '/', zzz: 1 }] }],
    ['slos', { ...MINIMAL, slos: [{ ...MINIMAL.slos[0], zzz: 1 }] }],
    ['scoring', { ...MINIMAL, scoring: { zzz: 1 } }],
    ['load', { ...MINIMAL, load: { zzz: 1 } }],
    ['load-test', { ...MINIMAL, 'load-test': { zzz: 1 } }],
    ['profile', { ...MINIMAL, profile: { zzz: 1 } }],
    ['scenarios', { ...MINIMAL, scenarios: { zzz: 1 } }],
    ['scenarios.stress', { ...MINIMAL, scenarios: { stress: { zzz: 1 } } }],
    ['scenarios.spike', { ...MINIMAL, scenarios: { spike: { zzz: 1 } } }],
    ['scenarios.soak', { ...MINIMAL, scenarios: { soak: { zzz: 1 } } }],
    ['capacity', { ...MINIMAL, capacity: { zzz: 1 } }],
    ['database', { ...MINIMAL, database: { kind: 'postgres', url: '${DATABASE_URL}', zzz: 1 } }],
    ['guidance', { ...MINIMAL, guidance: { zzz: 1 } }],
    ['plan', { ...MINIMAL, plan: { zzz: 1 } }],
  ])('documents every %s key', (_level, config) => {
    const keys = knownKeys(config);
    expect(keys.length).toBeGreaterThan(1);
    for (const key of keys) expect(documented(key), key).toBe(true);
  });
});
