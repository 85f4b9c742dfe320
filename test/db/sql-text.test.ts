import { describe, expect, it } from 'vitest';
import { normalizeSql, parameterizeSql } from '../../src/db/sql-text.js';

describe('normalizeSql', () => {
  it.each([
    ["SELECT * FROM users WHERE email = 'ann@example.com'", 'SELECT * FROM users WHERE email = ?'],
    ["SELECT 'it''s', E'a\\'b', $$x$$, $tag$ y $ $tag$", 'SELECT ?, ?, ?, ?'],
    [
      'SELECT * FROM t WHERE id = 42 AND score > 1.5e3 AND x < .5',
      'SELECT * FROM t WHERE id = ? AND score > ? AND x < ?',
    ],
    ['SELECT * FROM t WHERE id IN (1, 2, 3)', 'SELECT * FROM t WHERE id IN (?, ...)'],
    ['SELECT * FROM t WHERE id = $1 AND b = $12', 'SELECT * FROM t WHERE id = $1 AND b = $12'],
    [
      'SELECT col1, t2.x FROM t2 -- the 2nd\n WHERE a = 1 /* 3 /* nested 4 */ 5 */ ;',
      'SELECT col1, t2.x FROM t2 WHERE a = ?',
    ],
    ['SELECT "Weird 1" FROM "T9"', 'SELECT "Weird 1" FROM "T9"'],
    ['  SELECT\n\tcount(*)  FROM   orders  ', 'SELECT count(*) FROM orders'],
    ["INSERT INTO t (a, b) VALUES ( 7 , 'x' )", 'INSERT INTO t (a, b) VALUES (?, ...)'],
    ['SELECT 0x1F, 0o17, 0b101, 4111_1111_1111_1111', 'SELECT ?, ?, ?, ?'],
  ])('%s', (text, expected) => {
    expect(normalizeSql(text)).toBe(expected);
  });

  it('counts the same statement with other values as one', () => {
    const a = normalizeSql("SELECT * FROM items WHERE owner = 'bob' AND id = 7");
    const b = normalizeSql("SELECT * FROM items WHERE owner = 'alice' AND id = 12345");
    expect(a).toBe(b);
    expect(a).not.toMatch(/bob|alice|7|12345/);
  });

  it('makes literals parameters numbered after those the text has, for EXPLAIN', () => {
    expect(parameterizeSql("SELECT * FROM t WHERE a = $1 AND b = 'x' AND c > 2.5 LIMIT 10")).toBe(
      'SELECT * FROM t WHERE a = $1 AND b = $2 AND c > $3 LIMIT $4',
    );
    expect(parameterizeSql('SELECT * FROM t WHERE id IN (1, 2)')).toBe(
      'SELECT * FROM t WHERE id IN ($1, $2)',
    );
  });

  it('leaves no part of an unterminated literal', () => {
    expect(normalizeSql("SELECT * FROM t WHERE secret = 'hunter2")).toBe(
      'SELECT * FROM t WHERE secret = ?',
    );
    expect(normalizeSql('SELECT $q$ hunter2')).toBe('SELECT ?');
  });
});
