import type { Hotspot } from '../data/stages.js';
import { packageOf } from '../profile/categorize.js';
import type { CostCut } from './expected-gain.js';
import type { Risk } from './roi.js';

/** How to act on a hotspot of one category. Efforts: quick fix 0.5, algorithmic 2-3, architectural 6+. */
export interface HotspotRule {
  kind: 'cpu' | 'database';
  title: (fn: string, where: string, hotspot: Hotspot) => string;
  /** Completes the hypothesis: why cutting this work cuts latency. */
  mechanism: string;
  steps: (fn: string, where: string, hotspot: Hotspot) => string[];
  /** The test that the change keeps what the function does (testing.ts adds the rest). */
  behaviour: (fn: string, where: string, hotspot: Hotspot) => string;
  effortDays: number;
  risk: Risk;
  /** The part of the function's own cost the steps are expected to remove. */
  cut: CostCut;
  /** Why that part, for the gain's rationale. */
  cutReason: string;
  rollback: string;
}

const REVERT = 'Revert the change; nothing else depends on it';

const pkgOf = (hotspot: Hotspot) => packageOf(hotspot.file ?? '') ?? 'the package';

/** V8 names a compiled regular expression "RegExp: <source>"; readers know it as /source/. */
const regexLabel = (fn: string) =>
  fn.startsWith('RegExp: ')
    ? `the regular expression /${fn.slice('RegExp: '.length)}/`
    : `the regular expressions in ${fn}`;

const RULES: Record<string, HotspotRule> = {
  json: {
    kind: 'cpu',
    title: (fn) => `Cut JSON work in ${fn}`,
    mechanism:
      'serialising or parsing the same data on every request is work a cache or a faster serializer removes',
    steps: (fn, where) => [
      `Find where ${fn} (${where}) parses or serialises JSON on each request`,
      'Cache the serialised body of responses that do not change per request (keyed by their inputs, invalidated on write) instead of calling JSON.stringify each time',
      'Avoid re-serialising: pass strings or Buffers through instead of parse-then-stringify, and drop fields the client does not use',
      'For large fixed-shape responses use a schema-based serializer (fast-json-stringify)',
    ],
    behaviour: (fn) =>
      `the responses ${fn} builds are byte for byte the same as before on recorded requests (a snapshot test), and a cached body changes when the data under it does`,
    effortDays: 1,
    risk: 'medium',
    cut: { low: 0.4, high: 0.8 },
    cutReason:
      'a response cache removes most of the serialisation, a faster serializer about half of it',
    rollback:
      'Revert the change; ship a response cache behind a flag so that it can be turned off without a deploy',
  },
  regex: {
    kind: 'cpu',
    title: (fn) => `Make ${regexLabel(fn)} cheaper`,
    mechanism:
      'a regular expression compiled per request or backtracking on its input costs far more than it needs to',
    steps: (fn, where) => [
      `Find the pattern behind ${fn} (${where}) and the code that runs it per request`,
      'Compile it once at module load instead of building a RegExp per request',
      'Rewrite nested quantifiers such as (a+)+ or (.*)* that backtrack, anchor the pattern and bound repetitions',
      'Use startsWith, includes or indexOf where no pattern is needed, and bound the length of user input before matching',
    ],
    behaviour: (fn) =>
      `the new pattern matches exactly the strings ${regexLabel(fn)} matched on recorded inputs, and on long adversarial inputs (repeated characters) it returns within a millisecond`,
    effortDays: 0.5,
    risk: 'low',
    cut: { low: 0.5, high: 0.9 },
    cutReason: "precompiling and removing backtracking usually removes most of a regex's cost",
    rollback: REVERT,
  },
  crypto: {
    kind: 'cpu',
    title: (fn) => `Take the crypto in ${fn} off the event loop`,
    mechanism:
      'synchronous hashing and key derivation block the event loop, so every request queued behind it waits',
    steps: (fn, where) => [
      `Find the crypto calls under ${fn} (${where}) on the request path`,
      'Replace pbkdf2Sync, scryptSync and other *Sync calls with their async forms, which run on the libuv thread pool (raise UV_THREADPOOL_SIZE if the pool saturates)',
      'Cache results that repeat (verified tokens, hashes of unchanged content) in a bounded TTL cache',
      'Move bulk hashing to worker threads',
    ],
    behaviour: (fn) =>
      `hashes and signatures made before the change still verify after it (same algorithms and cost parameters), and ${fn} returns the same values`,
    effortDays: 2,
    risk: 'medium',
    cut: { low: 0.3, high: 0.8 },
    cutReason:
      'async crypto moves the work off the main thread and caching skips repeats; cost parameters must stay as they are',
    rollback:
      'Revert the change; keep algorithms and cost parameters identical so stored hashes stay valid',
  },
  'fs-sync': {
    kind: 'cpu',
    title: (fn) => `Replace synchronous file I/O in ${fn}`,
    mechanism: 'synchronous file I/O blocks the event loop on every request',
    steps: (fn, where) => [
      `Find the *Sync file calls under ${fn} (${where}) that run per request`,
      'Read files that do not change while the service runs (templates, configuration, static content) once at start and keep them in memory',
      'Use fs.promises for the rest',
    ],
    behaviour: (fn) =>
      `${fn} serves the same content as before, and a test says which files are read once at start (a change to them needs a restart)`,
    effortDays: 0.5,
    risk: 'low',
    cut: { low: 0.6, high: 0.95 },
    cutReason: 'reading once at start removes nearly all of the per-request cost',
    rollback: REVERT,
  },
  compression: {
    kind: 'cpu',
    title: (fn) => `Make response compression cheaper (${fn})`,
    mechanism: 'compressing every response at a high level costs much CPU for little size',
    steps: () => [
      'Lower the level for dynamic responses: gzip 1-4 or brotli quality 4-5 keep most of the size gain at a fraction of the CPU',
      'Skip bodies under about 1 KB and types that are already compressed (images, archives)',
      'Precompress static assets at build time, or let the reverse proxy or CDN compress',
    ],
    behaviour: () =>
      'compressed responses still decompress to the same bytes, and Content-Encoding negotiation is unchanged for every Accept-Encoding the clients send',
    effortDays: 0.5,
    risk: 'low',
    cut: { low: 0.3, high: 0.7 },
    cutReason: 'a lower level costs a fraction of the CPU; offloading removes it from the service',
    rollback: 'Restore the previous compression settings',
  },
  template: {
    kind: 'cpu',
    title: (fn) => `Precompile and cache templates (${fn})`,
    mechanism: 'compiling or rendering the same template on every request is work a cache removes',
    steps: () => [
      "Turn on the engine's template cache (Express caches views when NODE_ENV=production)",
      'Compile templates once at start instead of per request',
      'Cache rendered fragments that do not depend on the request',
    ],
    behaviour: () =>
      'rendered pages are the same as before on recorded inputs (a snapshot test), and a changed template is picked up where it must be',
    effortDays: 1,
    risk: 'low',
    cut: { low: 0.4, high: 0.8 },
    cutReason: "compilation is most of a template engine's cost; cached fragments skip rendering",
    rollback: REVERT,
  },
  'database-driver': {
    kind: 'database',
    title: (fn, _where, hotspot) => `Reduce database driver work in ${pkgOf(hotspot)} (${fn})`,
    mechanism:
      'the driver spends CPU encoding queries and decoding rows, which grows with the rows and round trips per request',
    steps: () => [
      'Select only the columns and rows the response uses, and paginate large results',
      'Batch N+1 queries into one (WHERE id = ANY($1), joins)',
      'Use prepared statements, and cache read-mostly results',
      "Check the pool size against the database's connection limit",
    ],
    behaviour: () =>
      'the changed queries return the same rows as the old ones on a copy of the data, including the empty and the largest cases',
    effortDays: 3,
    risk: 'medium',
    cut: { low: 0.3, high: 0.7 },
    cutReason: 'fewer rows and round trips shrink driver work in proportion',
    rollback:
      'Revert the query changes; keep the old queries until the new ones are verified to return the same data',
  },
  framework: {
    kind: 'cpu',
    title: (fn, _where, hotspot) =>
      `Cut framework overhead: upgrade or replace ${pkgOf(hotspot)} (${fn})`,
    mechanism: 'per-request framework work (routing, middleware) is paid by every request',
    steps: (_fn, _where, hotspot) => [
      `Upgrade ${pkgOf(hotspot)} to its latest release and read the changelog for performance fixes`,
      'Remove middleware that runs on every request but is needed on a few routes only',
      'Make the hot routes match early and without regular expressions',
      `If ${pkgOf(hotspot)} stays the bottleneck, move the hot routes to a lighter framework (fastify, plain node:http)`,
    ],
    behaviour: (_fn, _where, hotspot) =>
      `the service's API tests pass on the upgraded or replaced ${pkgOf(hotspot)}: every route answers as before, middleware in the same order`,
    effortDays: 6,
    risk: 'high',
    cut: { low: 0.3, high: 0.6 },
    cutReason: 'leaner middleware and routing remove part of the overhead; a replacement more',
    rollback:
      'Keep the old framework on a branch or behind a routing switch until the new one has carried production traffic',
  },
  dependency: {
    kind: 'cpu',
    title: (fn, _where, hotspot) => `Upgrade, call less or replace ${pkgOf(hotspot)} (${fn})`,
    mechanism:
      'a dependency called on every request does work that can often be cached, skipped or done by a lighter library',
    steps: (fn, _where, hotspot) => [
      `Find the service's calls into ${pkgOf(hotspot)} that lead to ${fn} (the callers in the profile's total-time list)`,
      'Call it less: cache its results or call it once at start',
      `Upgrade ${pkgOf(hotspot)} to its latest release`,
      'Replace it with a lighter library or a built-in API where one exists',
    ],
    behaviour: (_fn, _where, hotspot) =>
      `the calls into ${pkgOf(hotspot)} return the same results as before on recorded inputs, and cached results change when their inputs do`,
    effortDays: 2,
    risk: 'medium',
    cut: { low: 0.3, high: 0.7 },
    cutReason: 'caching or calling less removes part of the cost, a lighter library more',
    rollback: 'Revert to the previous version or call pattern (the lockfile pins it)',
  },
  service: {
    kind: 'cpu',
    title: (fn, where) => `Optimise ${fn} at ${where}`,
    mechanism:
      'memoising repeated work, a better algorithm or moving the work off the request path cuts the CPU time each request needs',
    steps: (fn, where) => [
      `Read ${fn} at ${where} and find what makes it expensive per request: work repeated on the same inputs, loops over data that grows, work the response does not need`,
      'Memoise results that repeat across requests in a bounded cache keyed by the inputs',
      'Replace an algorithm whose cost grows with the input (nested loops, repeated scans) with one that does not (index by key, sort once)',
      'Move work the response does not wait for off the request path: precompute at start, a worker thread, a queue',
    ],
    behaviour: (fn) =>
      `keep the old ${fn} in a test as the reference, and check the new one returns the same results on recorded and random inputs`,
    effortDays: 2.5,
    risk: 'medium',
    cut: { low: 0.3, high: 0.7 },
    cutReason:
      "memoising or a better algorithm typically removes between a third and two thirds of a function's cost",
    rollback: REVERT,
  },
  'node-internal': {
    kind: 'cpu',
    title: (fn) => `Find what makes the service spend time in ${fn} (Node.js internals)`,
    mechanism:
      'time in Node.js internals is driven by how the service uses them (writes, timers, streams), which the service can change',
    steps: (fn) => [
      `Open the profile (Chrome DevTools or speedscope) and find the service code that calls into ${fn}`,
      'Batch many small writes into one (cork/uncork, build the body first), avoid a timer per request, avoid piping a stream per small response',
      'Check that keep-alive is on so that connections are not set up per request',
    ],
    behaviour: () => 'responses are the same as before, headers and bodies, with keep-alive on',
    effortDays: 1,
    risk: 'low',
    cut: { low: 0.1, high: 0.3 },
    cutReason: "only the part driven by the service's own usage can go",
    rollback: REVERT,
  },
  unknown: {
    kind: 'cpu',
    title: (fn) => `Identify the code behind ${fn}`,
    mechanism:
      'the profile cannot place this function in the service or its dependencies; knowing what it is comes first',
    steps: (fn, where) => [
      `Find ${fn} (${where}): open the profile in Chrome DevTools or speedscope and look at its callers`,
      'If it is native code of an addon, check the addon for an upgrade or a JavaScript alternative',
    ],
    behaviour: () => 'once the code is identified, test it as the rule for its category says',
    effortDays: 1,
    risk: 'low',
    cut: { low: 0.1, high: 0.3 },
    cutReason: 'with the code unidentified, only a small cut is assumed',
    rollback: REVERT,
  },
};

/** The rule for a hotspot's category; categories without a rule of their own get "unknown"'s. */
export function ruleFor(category: string): HotspotRule {
  return RULES[category] ?? RULES.unknown!;
}

/** GC is not a function: its item comes from gcShare rather than from a hotspot. */
export const GC_RULE = {
  kind: 'memory',
  threshold: 0.1,
  effortDays: 2,
  risk: 'medium' as Risk,
  cut: { low: 0.3, high: 0.6 },
  cutReason:
    'reusing objects and streaming large bodies typically removes a third to a half of the allocation',
  behaviour:
    'responses are the same as before, and objects reused across requests are reset (a test that two requests in a row get independent results)',
  steps: [
    'Take a heap profile under load (node --heap-prof, or --heapsnapshot-signal) to find the allocation sites',
    'Reuse buffers and objects on the hot path; avoid building large intermediate arrays and strings per request',
    'Stream large responses instead of building them in memory',
    'If most pauses are scavenges, try a larger young generation (--max-semi-space-size=32 or 64)',
  ],
  rollback: 'Revert the change and any heap flags',
} as const;
