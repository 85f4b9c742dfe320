// The demo service perf-flow measures: a small shop API with one real CPU hotspot and knobs
// that inject regressions, so every stage of the flow has something true to find.
// Plain JavaScript, no dependencies: it runs without a build on Node >= 20.
//
// Knobs (environment): PORT; DEMO_LATENCY_MS and DEMO_LATENCY_JOURNEY (added latency, on
// every /api path or one prefix); DEMO_ERROR_RATE (share of /api requests answered 500);
// DEMO_HOTSPOT_FACTOR (work done by the recommendation hotspot); DEMO_CRASH_AFTER_MS (exit
// on purpose); DEMO_LEAK_BYTES_PER_REQUEST (bytes of the JS heap each /api request keeps
// for good: a real leak, for the soak scenario's leak detection to find); DEMO_BLOCK_MS and
// DEMO_BLOCK_EVERY (every Nth /api request first rebuilds a search index synchronously for
// that long, blocking the event loop for every request in flight); DEMO_ALLOC_KB (KiB of
// objects each /api request allocates for an audit trail that keeps the last few hundred,
// so they live long enough to be promoted: garbage-collection pressure). DEMO_DATABASE_URL (a
// PostgreSQL filled by seed.mjs) adds the database-backed journeys of shop-database.mjs.
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

const HOST = '127.0.0.1';
const MAX_BODY_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------
// Knobs. A malformed value stops the service at once: a typo must not silently measure the
// service without the regression it was meant to inject.

function knob(name, parse, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = parse(raw.trim());
  if (value === undefined) {
    console.error(`demo-service: ${name}=${JSON.stringify(raw)} is not valid: ${parse.expected}`);
    process.exit(2);
  }
  return value;
}

const number = (min, max, expected) =>
  Object.assign(
    (raw) => {
      const n = Number(raw);
      return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
    },
    { expected },
  );
const integer = (min, max, expected) =>
  Object.assign(
    (raw) => {
      const n = Number(raw);
      return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
    },
    { expected },
  );
const prefix = Object.assign((raw) => (raw.startsWith('/') ? raw : undefined), {
  expected: 'a path prefix starting with "/", such as /api/recommendations',
});

const PORT = knob('PORT', integer(0, 65535, 'a port number from 0 to 65535'), 3000);
const LATENCY_MS = knob('DEMO_LATENCY_MS', number(0, 60_000, 'milliseconds from 0 to 60000'), 0);
const LATENCY_JOURNEY = knob('DEMO_LATENCY_JOURNEY', prefix, undefined);
const ERROR_RATE = knob('DEMO_ERROR_RATE', number(0, 1, 'a fraction from 0 to 1'), 0);
const HOTSPOT_FACTOR = knob(
  'DEMO_HOTSPOT_FACTOR',
  number(0, 1000, 'a non-negative multiplier, such as 2'),
  1,
);
const CRASH_AFTER_MS = knob(
  'DEMO_CRASH_AFTER_MS',
  integer(1, 86_400_000, 'a whole number of milliseconds, at least 1'),
  undefined,
);
// At most 512 KiB: past 100,000 elements V8 gives `new Array(n)` slow dictionary elements,
// and the leak would no longer be the size asked for.
const LEAK_BYTES_PER_REQUEST = knob(
  'DEMO_LEAK_BYTES_PER_REQUEST',
  integer(0, 512 * 1024, 'a whole number of bytes from 0 to 524288'),
  0,
);

const BLOCK_MS = knob('DEMO_BLOCK_MS', number(0, 10_000, 'milliseconds from 0 to 10000'), 0);
const BLOCK_EVERY = knob(
  'DEMO_BLOCK_EVERY',
  integer(1, 1_000_000, 'a whole number of requests, at least 1'),
  50,
);
const ALLOC_KB = knob('DEMO_ALLOC_KB', integer(0, 65_536, 'KiB from 0 to 65536'), 0);

// ---------------------------------------------------------------------------------------
// Data. Seeded, so every run serves the same catalog and the hotspot does the same work.

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = mulberry32(20240611);
const ADJECTIVES = ['Red', 'Quiet', 'Rapid', 'Golden', 'Tiny', 'Sturdy', 'Lucid', 'Nimble'];
const NOUNS = ['Kettle', 'Lamp', 'Backpack', 'Notebook', 'Mug', 'Chair', 'Scarf', 'Clock'];

const ITEMS = Array.from({ length: 50 }, (_, i) => ({
  id: i + 1,
  name: `${ADJECTIVES[i % ADJECTIVES.length]} ${NOUNS[Math.floor(i / ADJECTIVES.length) % NOUNS.length]}`,
  priceCents: 500 + Math.floor(random() * 9500),
  stock: Math.floor(random() * 100),
}));
const ITEMS_BY_ID = new Map(ITEMS.map((item) => [item.id, item]));

// The recommendation catalog: products as feature vectors (taste dimensions).
const CATALOG_SIZE = 250;
const FEATURES = 12;
const CATALOG = Array.from({ length: CATALOG_SIZE }, () =>
  Float64Array.from({ length: FEATURES }, () => random() * 2 - 1),
);

// ---------------------------------------------------------------------------------------
// The hotspot. Item-to-item collaborative filtering done the naive way: every candidate is
// compared with every product (O(n²·d) cosine similarities, recomputed on each request,
// norms included). It is deliberately left in one function so a CPU profile names it
// and its line; the fix (precompute the norms and a similarity matrix once) is what the
// optimization plan should propose.
function scoreRecommendations(user, catalog, factor) {
  const n = catalog.length;
  const neighbours = Math.round(n * factor);
  // The user's affinity for each product, from their id: a stand-in for purchase history.
  const userRandom = mulberry32(user * 2654435761);
  const affinity = new Float64Array(n);
  for (let j = 0; j < n; j++) affinity[j] = userRandom();

  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = catalog[i];
    let total = 0;
    for (let k = 0; k < neighbours; k++) {
      const j = k % n;
      if (j === i) continue;
      const b = catalog[j];
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let d = 0; d < a.length; d++) {
        dot += a[d] * b[d];
        na += a[d] * a[d];
        nb += b[d] * b[d];
      }
      total += (dot / (Math.sqrt(na) * Math.sqrt(nb))) * affinity[j];
    }
    scores[i] = total;
  }

  const ranked = Array.from(scores, (score, id) => ({ id: id + 1, score }));
  ranked.sort((x, y) => y.score - x.score);
  return ranked
    .slice(0, 5)
    .map(({ id, score }) => ({ id, score: Math.round(score * 1000) / 1000 }));
}

// ---------------------------------------------------------------------------------------
// HTTP.

function serverTiming(started) {
  const cpu = process.cpuUsage(started.cpu);
  const appMs = performance.now() - started.wall;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return `app;dur=${appMs.toFixed(3)}, cpu;dur=${cpuMs.toFixed(3)}`;
}

/** Set on SIGTERM or SIGINT: the service is draining. */
let stopping = false;

/**
 * Answers with JSON. `started` is set when the request asked for timings (the header
 * `x-demo-timing: 1`): the answer then carries Server-Timing, `app` the time the service
 * spent on the request and `cpu` the process's CPU time meanwhile. On a busy machine the
 * first includes waiting for a core; the second does not, and is exact when requests do not
 * overlap. Opt-in, because process.cpuUsage() is a system call that would itself show up in
 * a CPU profile taken under load.
 */
function send(res, status, body, started) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(started !== undefined && { 'server-timing': serverTiming(started) }),
    // While stopping, a kept-alive connection would outlive its last response and hold
    // server.close() open: ask the client to let it go.
    ...(stopping ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** The body as text, or null when it is larger than MAX_BODY_BYTES (read to the end anyway,
 * so the connection stays usable for the 413). */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

let nextOrderId = 1;

async function createOrder(req) {
  const text = await readBody(req);
  if (text === null) return [413, { error: `the body is larger than ${MAX_BODY_BYTES} bytes` }];
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return [400, { error: 'the body is not valid JSON' }];
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return [400, { error: 'the body must be a JSON object' }];
  }
  const { itemId, quantity } = body;
  if (!Number.isInteger(itemId)) return [400, { error: 'itemId must be an integer' }];
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) {
    return [400, { error: 'quantity must be an integer from 1 to 100' }];
  }
  const item = ITEMS_BY_ID.get(itemId);
  if (!item) return [400, { error: `item ${itemId} does not exist` }];
  // Orders are not kept: a load test would otherwise grow the heap for the whole run.
  const order = {
    id: nextOrderId++,
    itemId,
    quantity,
    totalCents: item.priceCents * quantity,
    status: 'created',
  };
  return [201, order];
}

async function route(req, url) {
  const { pathname } = url;
  const method = req.method ?? 'GET';
  if (pathname === '/api/items') {
    if (method !== 'GET') return [405, { error: `${method} is not allowed on ${pathname}` }];
    return [200, { items: ITEMS }];
  }
  const itemMatch = /^\/api\/items\/([^/]+)$/.exec(pathname);
  if (itemMatch) {
    if (method !== 'GET') return [405, { error: `${method} is not allowed on ${pathname}` }];
    const id = Number(itemMatch[1]);
    const item = Number.isInteger(id) ? ITEMS_BY_ID.get(id) : undefined;
    return item ? [200, item] : [404, { error: `item ${itemMatch[1]} not found` }];
  }
  if (pathname === '/api/orders') {
    if (method !== 'POST') return [405, { error: `${method} is not allowed on ${pathname}` }];
    return createOrder(req);
  }
  if (pathname === '/api/recommendations') {
    if (method !== 'GET') return [405, { error: `${method} is not allowed on ${pathname}` }];
    const raw = url.searchParams.get('user');
    if (raw === null || !/^\d{1,9}$/.test(raw)) {
      return [400, { error: 'user must be a non-negative integer, as in ?user=42' }];
    }
    const user = Number(raw);
    return [200, { user, items: scoreRecommendations(user, CATALOG, HOTSPOT_FACTOR) }];
  }
  if (pathname.startsWith('/api/db/')) {
    const answer = await shopDatabase?.route(method, pathname, url.searchParams);
    if (answer !== undefined) return answer;
    if (shopDatabase === undefined) {
      return [
        404,
        { error: `${pathname} needs a database: start the demo with DEMO_DATABASE_URL` },
      ];
    }
  }
  return [404, { error: `no route for ${method} ${pathname}` }];
}

// Every k-th /api request fails, spread evenly: the first N requests carry exactly
// floor(N × rate) errors, so tests can count them.
let apiRequests = 0;
function injectError() {
  if (ERROR_RATE <= 0) return false;
  apiRequests++;
  const epsilon = 1e-9; // 0.29 × 100 is 28.999999999999996 in floating point.
  return (
    Math.floor(apiRequests * ERROR_RATE + epsilon) >
    Math.floor((apiRequests - 1) * ERROR_RATE + epsilon)
  );
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Never read again, never freed: the leak DEMO_LEAK_BYTES_PER_REQUEST asks for. Each entry is
// an array of doubles, 8 bytes an element on the V8 heap whatever the pointer size, so
// heapUsed grows by the knob's bytes; a Buffer would grow `external` and miss the heap.
const leaked = [];
function leak() {
  if (LEAK_BYTES_PER_REQUEST <= 0) return;
  leaked.push(new Array(Math.ceil(LEAK_BYTES_PER_REQUEST / 8)).fill(leaked.length + 0.5));
}

// The event-loop blocker DEMO_BLOCK_MS asks for: real work (hashing the catalog's names over
// and over) done synchronously until the time is up, so a profile sees a function, not a sleep.
let blockCountdown = BLOCK_EVERY;
function rebuildSearchIndex(ms) {
  const until = performance.now() + ms;
  const index = new Map();
  let h = 0;
  while (performance.now() < until) {
    for (const item of ITEMS) {
      for (let i = 0; i < item.name.length; i++)
        h = Math.imul(h ^ item.name.charCodeAt(i), 16777619);
      index.set(item.id, h >>> 0);
    }
  }
  return index.size;
}

// The audit trail DEMO_ALLOC_KB fills: each request's records stay for the next AUDIT_KEPT
// requests, long enough to survive young-generation collections and be promoted, which is
// what makes garbage collection expensive (short-lived garbage costs V8 almost nothing).
const AUDIT_KEPT = 256;
const auditTrail = [];
function recordAudit(path) {
  if (ALLOC_KB <= 0) return;
  // About 48 bytes per record on a 64-bit V8 (a small object with three fields).
  const records = Math.ceil((ALLOC_KB * 1024) / 48);
  const entry = new Array(records);
  for (let i = 0; i < records; i++) entry[i] = { path, at: i, seq: auditTrail.length };
  auditTrail.push(entry);
  if (auditTrail.length > AUDIT_KEPT) auditTrail.shift();
}

async function handle(req, res) {
  const started =
    req.headers['x-demo-timing'] === '1'
      ? { wall: performance.now(), cpu: process.cpuUsage() }
      : undefined;
  const url = new URL(req.url ?? '/', `http://${HOST}`);
  if (url.pathname === '/health') {
    // Readiness is never slowed or failed by the knobs: they model the API, not the probe.
    send(res, 200, { status: 'ok' }, started);
    return;
  }
  if (!url.pathname.startsWith('/api/')) {
    send(res, 404, { error: `no route for ${req.method} ${url.pathname}` }, started);
    return;
  }
  leak();
  recordAudit(url.pathname);
  if (BLOCK_MS > 0 && --blockCountdown <= 0) {
    blockCountdown = BLOCK_EVERY;
    rebuildSearchIndex(BLOCK_MS);
  }
  const failing = injectError();
  const [status, body] = failing
    ? [500, { error: 'injected failure (DEMO_ERROR_RATE)' }]
    : await route(req, url);
  if (LATENCY_MS > 0 && (!LATENCY_JOURNEY || url.pathname.startsWith(LATENCY_JOURNEY))) {
    await delay(LATENCY_MS);
  }
  send(res, status, body, started);
}

// Imported only with a database, so that server.mjs alone still runs anywhere.
const shopDatabase = process.env.DEMO_DATABASE_URL
  ? await import('./shop-database.mjs')
      .then(({ openShopDatabase }) => openShopDatabase(process.env.DEMO_DATABASE_URL))
      .catch((error) => {
        console.error(
          `demo-service: the database in DEMO_DATABASE_URL cannot be used: ${error.message}`,
        );
        process.exit(3);
      })
  : undefined;

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    // A bug, or a client gone mid-body: answer if the socket still can, never crash.
    if (!res.headersSent && !res.destroyed) send(res, 500, { error: String(error?.message) });
  });
});
// Load generators keep connections open; a short server-side timeout would close them mid-run.
server.keepAliveTimeout = 30_000;

server.on('error', (error) => {
  console.error(`demo-service: cannot listen on ${HOST}:${PORT}: ${error.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : PORT;
  console.log(`demo-service: node ${process.version}, pid ${process.pid}`);
  if (LATENCY_MS > 0) {
    console.log(
      `demo-service: DEMO_LATENCY_MS=${LATENCY_MS}: adding ${LATENCY_MS} ms to ` +
        (LATENCY_JOURNEY ? `paths starting with ${LATENCY_JOURNEY}` : 'every /api response'),
    );
  } else if (LATENCY_JOURNEY) {
    console.log(
      `demo-service: DEMO_LATENCY_JOURNEY=${LATENCY_JOURNEY} has no effect without DEMO_LATENCY_MS`,
    );
  }
  if (ERROR_RATE > 0) {
    console.log(
      `demo-service: DEMO_ERROR_RATE=${ERROR_RATE}: answering that share of /api requests with 500`,
    );
  }
  if (HOTSPOT_FACTOR !== 1) {
    console.log(
      `demo-service: DEMO_HOTSPOT_FACTOR=${HOTSPOT_FACTOR}: the recommendation hotspot does ${HOTSPOT_FACTOR}× the work`,
    );
  }
  if (LEAK_BYTES_PER_REQUEST > 0) {
    console.log(
      `demo-service: DEMO_LEAK_BYTES_PER_REQUEST=${LEAK_BYTES_PER_REQUEST}: every /api request keeps that many bytes of heap for good`,
    );
  }
  if (BLOCK_MS > 0) {
    console.log(
      `demo-service: DEMO_BLOCK_MS=${BLOCK_MS}: every ${BLOCK_EVERY}th /api request blocks the event loop for ${BLOCK_MS} ms (rebuildSearchIndex)`,
    );
  }
  if (ALLOC_KB > 0) {
    console.log(
      `demo-service: DEMO_ALLOC_KB=${ALLOC_KB}: every /api request allocates ${ALLOC_KB} KiB kept for the next ${AUDIT_KEPT} requests (recordAudit)`,
    );
  }
  if (shopDatabase !== undefined) {
    console.log('demo-service: DEMO_DATABASE_URL set: serving /api/db/orders and /api/db/products');
  }
  if (CRASH_AFTER_MS !== undefined) {
    console.log(
      `demo-service: DEMO_CRASH_AFTER_MS=${CRASH_AFTER_MS}: crashing ${CRASH_AFTER_MS} ms from now`,
    );
    setTimeout(() => {
      console.error(
        `demo-service: crashing on purpose after ${CRASH_AFTER_MS} ms (DEMO_CRASH_AFTER_MS)`,
      );
      process.exit(1);
    }, CRASH_AFTER_MS).unref();
  }
  console.log(`demo-service listening on http://${HOST}:${port}`);
});

// A clean exit on SIGTERM matters beyond politeness: node --cpu-prof writes the profile only
// when the process exits normally, and perf-flow stops the service with SIGTERM.
function shutdown(signal) {
  if (stopping) {
    console.log(`demo-service: second ${signal}, exiting now`);
    process.exit(0);
  }
  stopping = true;
  console.log(`demo-service: ${signal} received, closing`);
  server.close(() => {
    console.log('demo-service: stopped');
    process.exit(0);
  });
  // Idle keep-alive connections would hold close() open until they time out; requests in
  // flight get a moment to finish, then are cut.
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
