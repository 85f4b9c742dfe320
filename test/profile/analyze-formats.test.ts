import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseProfile } from '../../src/profile/formats/detect.js';
import { analyzeProfiles } from '../../src/profile/hotspots.js';
import { goCpuProfile } from '../helpers/pprof.js';

const MAIN = { name: 'main.main', file: '/src/shop/main.go', line: 12 };
const SERVE = {
  name: 'net/http.(*conn).serve',
  file: '/usr/local/go/src/net/http/server.go',
  line: 1990,
};
const HANDLER = { name: 'main.listItems', file: '/src/shop/items.go', line: 40 };
const MARSHAL = {
  name: 'encoding/json.Marshal',
  file: '/usr/local/go/src/encoding/json/encode.go',
  line: 158,
};
const QUERY = {
  name: 'github.com/jackc/pgx/v5.(*Conn).Query',
  file: '/go/pkg/mod/github.com/jackc/pgx/v5/conn.go',
  line: 700,
};
const MALLOC = {
  name: 'runtime.mallocgc',
  file: '/usr/local/go/src/runtime/malloc.go',
  line: 1000,
};

describe('analyzeProfiles on other runtimes', () => {
  const pprof = parseProfile(
    goCpuProfile([
      { stack: [MAIN, SERVE, HANDLER, MARSHAL], ms: 600 },
      { stack: [MAIN, SERVE, HANDLER, QUERY], ms: 250 },
      { stack: [MAIN, SERVE, HANDLER, MARSHAL, MALLOC], ms: 100 },
      { stack: [MAIN, SERVE], ms: 50 },
    ]),
    'cpu.pprof',
  );

  it('ranks a Go pprof in milliseconds, with categories from Go import paths', () => {
    const cpu = analyzeProfiles([pprof], { repoRoot: '/src/shop' });
    expect(cpu).toMatchObject({
      unit: 'ms',
      formats: ['pprof'],
      durationMs: null,
      utilization: null,
    });
    expect(cpu.topSelf.map((h) => [h.functionName, h.category, h.selfMs])).toEqual([
      ['encoding/json.Marshal', 'json', 600],
      ['github.com/jackc/pgx/v5.(*Conn).Query', 'database-driver', 250],
      ['runtime.mallocgc', 'gc', 100],
      ['net/http.(*conn).serve', 'framework', 50],
    ]);
    expect(cpu.gcShare).toBeCloseTo(0.1, 10);
    const handler = cpu.topTotal.find((h) => h.functionName === 'main.listItems')!;
    expect(handler).toMatchObject({
      file: 'items.go',
      line: 40,
      totalMs: 950,
      category: 'service',
    });
    // Without a timeline the bound is the plain Amdahl bound: the share itself.
    expect(handler.latencyCutBound).toBeCloseTo(0.95, 10);
  });

  it('reads folded stacks as sample counts: shares, no milliseconds', () => {
    const folded = parseProfile(
      Buffer.from('main;handle;JSON.parse 30\nmain;handle;render 10\nmain;(idle) 60\n'),
      'py.folded',
    );
    const cpu = analyzeProfiles([folded], { repoRoot: '/src' });
    expect(cpu).toMatchObject({ unit: 'samples', sampleCount: 100, activeMs: null });
    expect(cpu.topSelf[0]).toMatchObject({
      functionName: 'JSON.parse',
      selfMs: null,
      selfShare: 0.75,
    });
  });

  it('refuses to add sample counts to times, and a heap profile, naming profile.files', () => {
    const folded = parseProfile(Buffer.from('main;work 5\n'), 'a.folded');
    expect(() => analyzeProfiles([pprof, folded], { repoRoot: '/' })).toThrow(ConfigError);
    expect(() => analyzeProfiles([pprof, folded], { repoRoot: '/' })).toThrow(
      /a\.folded counts samples and cpu\.pprof measures nanoseconds/,
    );
    const heap = parseProfile(
      Buffer.from(
        JSON.stringify({
          head: {
            callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 },
            selfSize: 0,
            id: 1,
            children: [
              {
                callFrame: { functionName: 'alloc', url: 'a.js', lineNumber: 1, columnNumber: 1 },
                selfSize: 4096,
                id: 2,
                children: [],
              },
            ],
          },
          samples: [],
        }),
      ),
      'a.heapprofile',
    );
    expect(() => analyzeProfiles([heap], { repoRoot: '/' })).toThrow(
      /a\.heapprofile is a heap profile/,
    );
  });
});
