import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const DEMO_DIR = fileURLToPath(new URL('../../examples/demo-service/', import.meta.url));

interface Demo {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Started by the test now running: killed after it, whatever happened. */
const running = new Set<ChildProcess>();

function launch(env: Record<string, string> = {}, perTest = true) {
  // Knobs set in the shell running the tests must not leak into them.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DEMO_') && k !== 'PORT'),
  );
  const child = spawn(process.execPath, ['server.mjs'], {
    cwd: DEMO_DIR,
    env: { ...base, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (perTest) running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => output, exited };
}

/** Starts the demo on a free port and resolves once it prints the address it listens on. */
async function startDemo(env: Record<string, string> = {}, perTest = true): Promise<Demo> {
  const { child, output, exited } = launch(env, perTest);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address in 10 s:\n${output()}`)), 10_000);
    const check = () => {
      const match = /demo-service listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(output());
      if (match?.[1] && match[2] !== '0') {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${output()}`));
    });
  });
  return { url, child, output, exited };
}

async function timed(url: string, init: RequestInit = {}) {
  const start = performance.now();
  const res = await fetch(url, {
    ...init,
    headers: { 'x-demo-timing': '1', ...(init.headers as Record<string, string>) },
  });
  const body: unknown = await res.json();
  const timing = res.headers.get('server-timing') ?? '';
  const cpuMs = Number(/cpu;dur=([\d.]+)/.exec(timing)?.[1]);
  return { status: res.status, body, ms: performance.now() - start, cpuMs };
}

/**
 * The least CPU time the service reports (Server-Timing) spending on a path over several
 * requests: its own cost. Wall time, from either end, would mostly measure how long a busy
 * machine takes to give the process a core. Warmed up first, so the JIT has compiled it.
 */
async function leastCpuMs(url: string, times: number): Promise<number> {
  for (let i = 0; i < 3; i++) await timed(url);
  let least = Infinity;
  for (let i = 0; i < times; i++) least = Math.min(least, (await timed(url)).cpuMs);
  return least;
}

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
});

describe('demo service journeys', () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo({}, false);
  });
  afterAll(() => {
    demo.child.kill('SIGKILL');
  });

  const order = (body: string) =>
    timed(`${demo.url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

  it('answers readiness', async () => {
    expect(await timed(`${demo.url}/health`)).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
  });

  it('says how long it spent on a response when asked (Server-Timing)', async () => {
    const asked = await fetch(`${demo.url}/api/items/7`, { headers: { 'x-demo-timing': '1' } });
    const plain = await fetch(`${demo.url}/api/items/7`);
    await Promise.all([asked.arrayBuffer(), plain.arrayBuffer()]);
    expect(asked.headers.get('server-timing')).toMatch(/^app;dur=\d+\.\d{3}, cpu;dur=\d+\.\d{3}$/);
    expect(plain.headers.get('server-timing')).toBeNull();
  });

  it('lists 50 items', async () => {
    const { status, body } = await timed(`${demo.url}/api/items`);
    expect(status).toBe(200);
    const items = (body as { items: unknown[] }).items;
    expect(items).toHaveLength(50);
    for (const item of items) {
      expect(item).toEqual({
        id: expect.any(Number),
        name: expect.any(String),
        priceCents: expect.any(Number),
        stock: expect.any(Number),
      });
    }
  });

  it.each([
    ['7', 200],
    ['50', 200],
    ['51', 404],
    ['0', 404],
    ['abc', 404],
  ])('GET /api/items/%s is %i', async (id, expected) => {
    const { status, body } = await timed(`${demo.url}/api/items/${id}`);
    expect(status).toBe(expected);
    if (expected === 200) expect(body).toMatchObject({ id: Number(id), name: expect.any(String) });
    else expect(body).toEqual({ error: expect.stringContaining('not found') });
  });

  it('creates an order priced from the item', async () => {
    const item = (await timed(`${demo.url}/api/items/7`)).body as { priceCents: number };
    const { status, body } = await order(JSON.stringify({ itemId: 7, quantity: 2 }));
    expect(status).toBe(201);
    expect(body).toEqual({
      id: expect.any(Number),
      itemId: 7,
      quantity: 2,
      totalCents: item.priceCents * 2,
      status: 'created',
    });
  });

  it.each([
    ['not JSON', '{"itemId": 7,', /not valid JSON/],
    ['an array', '[1, 2]', /JSON object/],
    ['no itemId', '{"quantity": 1}', /itemId/],
    ['quantity 0', '{"itemId": 7, "quantity": 0}', /quantity/],
    ['quantity 1.5', '{"itemId": 7, "quantity": 1.5}', /quantity/],
    ['an unknown item', '{"itemId": 999, "quantity": 1}', /does not exist/],
  ])('refuses an order with %s (400)', async (_, body, message) => {
    const res = await order(body);
    expect(res.status).toBe(400);
    expect((res.body as { error: string }).error).toMatch(message);
  });

  it('refuses a body over 64 KiB (413)', async () => {
    expect((await order('x'.repeat(70_000))).status).toBe(413);
  });

  it('recommends five items, the same ones every time for a user', async () => {
    const first = await timed(`${demo.url}/api/recommendations?user=42`);
    const second = await timed(`${demo.url}/api/recommendations?user=42`);
    const other = await timed(`${demo.url}/api/recommendations?user=7`);
    expect(first.status).toBe(200);
    const body = first.body as { user: number; items: Array<{ id: number; score: number }> };
    expect(body.user).toBe(42);
    expect(body.items).toHaveLength(5);
    for (const item of body.items)
      expect(item).toEqual({ id: expect.any(Number), score: expect.any(Number) });
    expect(second.body).toEqual(first.body);
    expect(other.body).not.toEqual(first.body);
  });

  it.each(['', '?user=x', '?user=-1', '?user=1.5'])(
    'refuses recommendations%s (400)',
    async (query) => {
      expect((await timed(`${demo.url}/api/recommendations${query}`)).status).toBe(400);
    },
  );

  it.each([
    ['GET', '/nope', 404],
    ['GET', '/api/nope', 404],
    ['GET', '/api/orders', 405],
    ['POST', '/api/items', 405],
  ])('%s %s is %i', async (method, path, expected) => {
    expect((await timed(`${demo.url}${path}`, { method })).status).toBe(expected);
  });

  it('has its hotspot in recommendations: many times the cost of listing items', async () => {
    const items = await leastCpuMs(`${demo.url}/api/items`, 15);
    const recommendations = await leastCpuMs(`${demo.url}/api/recommendations?user=42`, 15);
    expect(recommendations, `${recommendations} ms against ${items} ms`).toBeGreaterThan(3 * items);
  });

  it('logs startup, not requests', () => {
    const lines = demo.output().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^demo-service: node v\d+/);
    expect(lines[1]).toMatch(/^demo-service listening on http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('demo service knobs', () => {
  it('DEMO_LATENCY_MS delays every /api response, not readiness', async () => {
    const demo = await startDemo({ DEMO_LATENCY_MS: '300' });
    expect(demo.output()).toContain('DEMO_LATENCY_MS=300: adding 300 ms to every /api response');
    for (const path of ['/api/items', '/api/items/999', '/api/recommendations?user=1']) {
      expect((await timed(`${demo.url}${path}`)).ms).toBeGreaterThanOrEqual(299);
    }
    expect((await timed(`${demo.url}/health`)).ms).toBeLessThan(300);
  });

  it('DEMO_LATENCY_JOURNEY limits the delay to one path prefix', async () => {
    const demo = await startDemo({
      DEMO_LATENCY_MS: '300',
      DEMO_LATENCY_JOURNEY: '/api/recommendations',
    });
    expect((await timed(`${demo.url}/api/recommendations?user=1`)).ms).toBeGreaterThanOrEqual(299);
    expect((await timed(`${demo.url}/api/items/7`)).ms).toBeLessThan(300);
  });

  it.each([
    ['0.25', [4, 8, 12, 16, 20]],
    ['0.1', [10, 20]],
    ['0.3', [4, 7, 10, 14, 17, 20]],
    ['1', Array.from({ length: 20 }, (_, i) => i + 1)],
  ])('DEMO_ERROR_RATE=%s fails exactly those of 20 /api requests', async (rate, expected) => {
    const demo = await startDemo({ DEMO_ERROR_RATE: rate });
    const failed: number[] = [];
    for (let n = 1; n <= 20; n++) {
      // Readiness checks in between must neither fail nor count.
      expect((await timed(`${demo.url}/health`)).status).toBe(200);
      const { status, body } = await timed(`${demo.url}/api/items/${n}`);
      if (status === 500) {
        failed.push(n);
        expect(body).toEqual({ error: 'injected failure (DEMO_ERROR_RATE)' });
      } else {
        expect(status).toBe(200);
      }
    }
    expect(failed).toEqual(expected);
  });

  it('DEMO_HOTSPOT_FACTOR multiplies the hotspot work', async () => {
    const [normal, heavy] = await Promise.all([
      startDemo(),
      startDemo({ DEMO_HOTSPOT_FACTOR: '8' }),
    ]);
    expect(heavy.output()).toContain('DEMO_HOTSPOT_FACTOR=8');
    const path = '/api/recommendations?user=42';
    const normalMs = await leastCpuMs(`${normal.url}${path}`, 8);
    const heavyMs = await leastCpuMs(`${heavy.url}${path}`, 8);
    // 8 times the work; 3 times leaves room for a noisy neighbour on the machine.
    expect(heavyMs, `${heavyMs} ms against ${normalMs} ms`).toBeGreaterThan(3 * normalMs);
  });

  it('DEMO_CRASH_AFTER_MS exits with code 1 and says why', async () => {
    const demo = await startDemo({ DEMO_CRASH_AFTER_MS: '500' });
    const start = performance.now();
    // Serving until then: the crash comes in mid-run, not at startup.
    expect((await timed(`${demo.url}/api/items/7`)).status).toBe(200);
    expect(await demo.exited).toEqual({ code: 1, signal: null });
    expect(performance.now() - start).toBeGreaterThanOrEqual(250);
    expect(demo.output()).toMatch(/crashing on purpose after 500 ms \(DEMO_CRASH_AFTER_MS\)/);
  });

  it.each([
    ['DEMO_LATENCY_MS', 'fast'],
    ['DEMO_ERROR_RATE', '1.5'],
    ['DEMO_HOTSPOT_FACTOR', '-1'],
    ['DEMO_LATENCY_JOURNEY', 'api'],
    ['DEMO_CRASH_AFTER_MS', '0'],
    ['PORT', '70000'],
  ])('refuses %s=%s with exit code 2, naming it', async (name, value) => {
    const { exited, output } = launch({ [name]: value });
    expect(await exited).toEqual({ code: 2, signal: null });
    expect(output()).toContain(`${name}=${JSON.stringify(value)} is not valid`);
  });
});

describe('demo service shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('exits 0 on %s', async (signal) => {
    const demo = await startDemo();
    // A kept-alive idle connection must not hold the shutdown open.
    expect((await timed(`${demo.url}/api/items`)).status).toBe(200);
    demo.child.kill(signal);
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(demo.output()).toContain(`${signal} received, closing`);
    expect(demo.output()).toContain('demo-service: stopped');
  });

  it('lets a request in flight finish before exiting', async () => {
    const demo = await startDemo({ DEMO_LATENCY_MS: '600' });
    const inFlight = timed(`${demo.url}/api/items/7`);
    // Long enough for the request to be inside the service, well before its answer.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const signalled = performance.now();
    demo.child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    // Not held open by the kept-alive connection until the 2 s fallback cuts it.
    expect(performance.now() - signalled).toBeLessThan(1500);
  });
});
