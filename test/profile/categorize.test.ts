import { describe, expect, it } from 'vitest';
import { categorize, packageOf, type HotspotCategory } from '../../src/profile/categorize.js';

const nm = (pkgPath: string) => `/repo/node_modules/${pkgPath}`;

describe('categorize', () => {
  const cases: Array<[string, string, boolean, HotspotCategory]> = [
    // [functionName, url, inRepo, category]
    ['(garbage collector)', '', false, 'gc'],
    ['parse', '', false, 'json'],
    ['stringify', '', false, 'json'],
    ['JSON.stringify', '', false, 'json'],
    ['build', nm('fast-json-stringify/index.js'), true, 'json'],
    ['parse', 'file:///repo/src/csv.js', true, 'service'],
    ['RegExp: ^(a+)+$', '', false, 'regex'],
    ['exec', '', false, 'regex'],
    ['replace', '', false, 'regex'],
    ['replace', 'file:///repo/src/text.js', true, 'service'],
    ['pbkdf2Sync', 'node:internal/crypto/pbkdf2', false, 'crypto'],
    ['createHash', 'node:crypto', false, 'crypto'],
    ['update', 'node:internal/crypto/hash', false, 'crypto'],
    ['hash', '', false, 'crypto'],
    ['compareSync', nm('bcryptjs/dist/bcrypt.js'), true, 'crypto'],
    ['processChunkSync', 'node:zlib', false, 'compression'],
    ['zlibOnError', 'node:internal/zlib', false, 'compression'],
    ['readFileSync', 'node:fs', false, 'fs-sync'],
    ['statSync', 'node:internal/fs/utils', false, 'fs-sync'],
    ['readFile', 'node:fs', false, 'node-internal'],
    ['render', nm('ejs/lib/ejs.js'), true, 'template'],
    ['compile', nm('handlebars/dist/cjs/handlebars.js'), true, 'template'],
    ['parse', nm('pg-protocol/dist/parser.js'), true, 'database-driver'],
    ['query', nm('mysql2/lib/connection.js'), true, 'database-driver'],
    ['deserialize', nm('bson/lib/bson.cjs'), true, 'database-driver'],
    ['sendCommand', nm('@redis/client/dist/lib/client/index.js'), true, 'database-driver'],
    ['handle', nm('express/lib/router/layer.js'), true, 'framework'],
    ['runPreParsing', nm('fastify/lib/route.js'), true, 'framework'],
    ['find', nm('find-my-way/index.js'), true, 'framework'],
    ['dispatch', nm('koa-compose/index.js'), true, 'framework'],
    ['execute', nm('@hapi/hapi/lib/route.js'), true, 'framework'],
    ['merge', nm('lodash/merge.js'), true, 'dependency'],
    ['parse', nm('.pnpm/qs@6.11.0/node_modules/qs/lib/parse.js'), true, 'dependency'],
    ['format', '/usr/lib/node_modules/some-cli/index.js', false, 'dependency'],
    ['listOnTimeout', 'node:internal/timers', false, 'node-internal'],
    ['emit', 'node:events', false, 'node-internal'],
    ['burnCpu', 'file:///repo/src/app.js', true, 'service'],
    ['(anonymous)', '/opt/elsewhere/x.js', false, 'unknown'],
    ['open', '', false, 'unknown'],
    ['(program)', '', false, 'unknown'],
  ];
  it.each(cases)('%s at %j (in repo: %s) is %s', (functionName, url, inRepo, expected) => {
    expect(categorize({ functionName, url, inRepo })).toBe(expected);
  });
});

describe('packageOf', () => {
  it.each([
    ['/repo/node_modules/express/lib/router.js', 'express'],
    ['file:///repo/node_modules/@fastify/ajv/index.js', '@fastify/ajv'],
    ['/r/node_modules/.pnpm/pg@8.11.3/node_modules/pg/lib/client.js', 'pg'],
    ['C:\\repo\\node_modules\\koa\\lib\\application.js', 'koa'],
    ['node_modules/lodash/merge.js', 'lodash'],
    ['/repo/src/app.js', null],
    ['node:internal/timers', null],
  ])('%s belongs to %s', (url, pkg) => {
    expect(packageOf(url)).toBe(pkg);
  });
});
