export const HOTSPOT_CATEGORIES = [
  'json',
  'regex',
  'crypto',
  'compression',
  'fs-sync',
  'gc',
  'template',
  'database-driver',
  'framework',
  'dependency',
  'node-internal',
  'service',
  'unknown',
] as const;
export type HotspotCategory = (typeof HOTSPOT_CATEGORIES)[number];

export interface FrameToCategorize {
  functionName: string;
  url: string;
  /** The script lies inside the repository under test. */
  inRepo: boolean;
}

const DATABASE_DRIVERS = new Set([
  'pg',
  'pg-protocol',
  'pg-pool',
  'pg-native',
  'postgres',
  'mysql',
  'mysql2',
  'mongodb',
  'mongoose',
  'bson',
  'redis',
  'ioredis',
  'sqlite3',
  'better-sqlite3',
  'tedious',
  'oracledb',
]);
const DATABASE_SCOPES = ['@redis/', '@mongodb-js/', '@prisma/'];

const FRAMEWORKS = new Set([
  'express',
  'router',
  'body-parser',
  'fastify',
  'find-my-way',
  'koa',
  'koa-router',
  'koa-compose',
  'hapi',
  'restify',
  'hono',
  'polka',
]);
const FRAMEWORK_SCOPES = ['@fastify/', '@koa/', '@hapi/', '@nestjs/'];

const TEMPLATE_ENGINES = new Set([
  'ejs',
  'pug',
  'pug-runtime',
  'jade',
  'handlebars',
  'hbs',
  'mustache',
  'nunjucks',
  'eta',
  'liquidjs',
  'dot',
  'marko',
]);

// Serializers people adopt to make JSON cheaper: time in them is still JSON work.
const JSON_LIBRARIES = new Set([
  'fast-json-stringify',
  'safe-stable-stringify',
  'fast-safe-stringify',
  'json-stringify-safe',
  'secure-json-parse',
]);

/**
 * What kind of work a profiled function does, from its name and script URL alone. The order
 * matters: what the work is (JSON, regex, crypto) says more about the fix than who called it.
 */
export function categorize(frame: FrameToCategorize): HotspotCategory {
  const { functionName: name, url } = frame;
  const pkg = packageOf(url);
  if (name === '(garbage collector)') return 'gc';
  if (isJson(name, url, pkg)) return 'json';
  // V8 shows compiled regular expressions as frames named "RegExp: <source>".
  if (
    name.startsWith('RegExp:') ||
    (url === '' && /^(RegExp|exec|replace|replaceAll|match|matchAll|split|test)$/.test(name))
  ) {
    return 'regex';
  }
  if (isCrypto(name, url, pkg)) return 'crypto';
  if (/^node:(internal\/)?zlib\b/.test(url) || pkg === 'pako' || pkg === 'compression') {
    return 'compression';
  }
  if (isSyncFs(name, url)) return 'fs-sync';
  const other = otherRuntimeCategory(name, url);
  if (other !== null) return other;
  if (pkg !== null && TEMPLATE_ENGINES.has(pkg)) return 'template';
  if (pkg !== null && inPackageSet(pkg, DATABASE_DRIVERS, DATABASE_SCOPES))
    return 'database-driver';
  if (pkg !== null && inPackageSet(pkg, FRAMEWORKS, FRAMEWORK_SCOPES)) return 'framework';
  if (pkg !== null) return 'dependency';
  if (url.startsWith('node:')) return 'node-internal';
  if (frame.inRepo) return 'service';
  return 'unknown';
}

/**
 * The npm package a script belongs to: the name after the last node_modules/, which is the
 * package itself also in pnpm's nested layout (node_modules/.pnpm/x@1/node_modules/x/...).
 */
export function packageOf(url: string): string | null {
  // The leading slash lets a repository-relative path (node_modules/x/...) match too.
  const normalised = `/${url.replace(/\\/g, '/')}`;
  const at = normalised.lastIndexOf('/node_modules/');
  if (at === -1) return null;
  const [first, second] = normalised.slice(at + '/node_modules/'.length).split('/');
  if (first === undefined || first === '') return null;
  if (first.startsWith('@') && second !== undefined) return `${first}/${second}`;
  return first;
}

function inPackageSet(pkg: string, names: Set<string>, scopes: string[]): boolean {
  return names.has(pkg) || scopes.some((scope) => pkg.startsWith(scope));
}

function isJson(name: string, url: string, pkg: string | null): boolean {
  if (pkg !== null && JSON_LIBRARIES.has(pkg)) return true;
  if (/^JSON\.(parse|stringify)$/.test(name) || /^Json(Parse|Stringify)/.test(name)) return true;
  // Builtins have no script: a bare "parse" with a URL is somebody's own parser.
  return url === '' && (name === 'parse' || name === 'stringify');
}

function isCrypto(name: string, url: string, pkg: string | null): boolean {
  if (/^node:(internal\/)?crypto\b/.test(url)) return true;
  if (pkg === 'bcrypt' || pkg === 'bcryptjs' || pkg === 'argon2' || pkg === 'jsonwebtoken') {
    return true;
  }
  return (
    url === '' &&
    /^(pbkdf2|pbkdf2Sync|scrypt|scryptSync|createHash|hash|digest|Hash|Hmac)$/.test(name)
  );
}

function isSyncFs(name: string, url: string): boolean {
  return /^node:(internal\/)?fs\b/.test(url) && /Sync$/.test(name);
}

/**
 * The same kinds of work in the runtimes whose profiles perf-flow reads besides Node's: Go
 * (pprof names functions by import path: "encoding/json.(*decodeState).object"), Python
 * (py-spy names the function and its file: ".../json/decoder.py") and the JVM (async-profiler
 * writes "com/fasterxml/jackson/..." or dotted names).
 */
const OTHER_RUNTIMES: ReadonlyArray<{ category: HotspotCategory; name?: RegExp; file?: RegExp }> = [
  {
    category: 'gc',
    name: /^runtime\.(gcBgMarkWorker|gcDrain|gcAssistAlloc|mallocgc|scanobject|markroot|sweepone|bgsweep|gcStart)\b|^gc\.collect$|^(G1|ZGC|Shenandoah|ParallelGC)|GCTaskThread/,
  },
  {
    category: 'json',
    name: /^encoding\/json\.|^github\.com\/(json-iterator|goccy\/go-json|bytedance\/sonic)|^(com[./]fasterxml[./]jackson|com[./]google[./]gson)[./]|^(orjson|ujson|simplejson)\./,
    file: /[\\/](json[\\/](decoder|encoder|scanner|__init__)\.py|encoding[\\/]json[\\/][^\\/]+\.go)$/,
  },
  {
    category: 'regex',
    name: /^regexp(\/syntax)?\.|^java[./]util[./]regex[./]/,
    file: /[\\/](re[\\/][^\\/]+|re|sre_\w+)\.py$|[\\/]regexp[\\/](syntax[\\/])?[^\\/]+\.go$/,
  },
  {
    category: 'crypto',
    name: /^(crypto|golang\.org\/x\/crypto)\/|^(javax?[./]crypto|java[./]security|sun[./]security)[./]|^(hashlib|bcrypt|hmac)\./,
    file: /[\\/](hashlib|hmac)\.py$/,
  },
  {
    category: 'compression',
    name: /^compress\/|^java[./]util[./]zip[./]|^(zlib|gzip|bz2|lzma)\./,
    file: /[\\/](gzip|bz2|lzma|zlib)\.py$/,
  },
  {
    category: 'template',
    name: /^(html|text)\/template\.|^jinja2\.|^(org[./]thymeleaf|freemarker)[./]/,
    file: /[\\/](jinja2|mako|django[\\/]template)[\\/]/,
  },
  {
    category: 'database-driver',
    name: /^database\/sql\.|^github\.com\/(lib\/pq|jackc\/pgx|go-sql-driver\/mysql|mattn\/go-sqlite3)|^(org[./]postgresql|com[./]mysql|com[./]zaxxer[./]hikari|org[./]hibernate)[./]|^(psycopg2?|asyncpg|pymysql|sqlalchemy)\./,
    file: /[\\/](psycopg2?|asyncpg|pymysql|sqlalchemy)[\\/]/,
  },
  {
    category: 'framework',
    name: /^net\/http\.|^github\.com\/(gin-gonic\/gin|labstack\/echo|gofiber\/fiber|go-chi\/chi|gorilla\/mux)|^(org[./]springframework|io[./]netty|org[./]apache[./]catalina)[./]|^(django|flask|fastapi|starlette|werkzeug)\./,
    file: /[\\/](django|flask|fastapi|starlette|werkzeug|uvicorn|gunicorn)[\\/]/,
  },
];

function otherRuntimeCategory(name: string, url: string): HotspotCategory | null {
  for (const rule of OTHER_RUNTIMES) {
    if (rule.name?.test(name) || (url !== '' && rule.file?.test(url))) return rule.category;
  }
  return null;
}
