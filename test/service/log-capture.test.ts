import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogCapture } from '../../src/service/log-capture.js';
import { tempDir } from './helpers.js';

const dir = tempDir('log');
afterAll(() => dir.remove());

describe('log capture', () => {
  it('writes both streams to the file in arrival order and splits lines across chunks', async () => {
    const path = join(dir.path, 'order.log');
    const log = createLogCapture(path);
    const out = new PassThrough();
    const err = new PassThrough();
    log.attach(out);
    log.attach(err);
    out.write('hel');
    err.write('boom\n');
    out.write('lo\nwor');
    out.write('ld\n');
    out.end();
    err.end();
    await log.drained(1000);
    log.close();
    expect(readFileSync(path, 'utf8')).toBe('helboom\nlo\nworld\n');
    // Per stream, a line is whole even when another stream wrote in the middle of it.
    expect(log.tail()).toEqual(['boom', 'hello', 'world']);
  });

  it('appends to an existing log, after a header', () => {
    const path = join(dir.path, 'append.log');
    for (const run of ['first', 'second']) {
      const log = createLogCapture(path, { header: `# ${run}` });
      const out = new PassThrough();
      log.attach(out);
      out.write(`${run} run\n`);
      log.close();
    }
    expect(readFileSync(path, 'utf8')).toBe('# first\nfirst run\n# second\nsecond run\n');
  });

  it('keeps only the last lines, and tail(n) returns the last n', () => {
    const log = createLogCapture(join(dir.path, 'ring.log'), { maxLines: 5 });
    const out = new PassThrough();
    log.attach(out);
    for (let i = 1; i <= 12; i++) out.write(`line ${i}\r\n`);
    expect(log.tail()).toEqual(['line 8', 'line 9', 'line 10', 'line 11', 'line 12']);
    expect(log.tail(2)).toEqual(['line 11', 'line 12']);
    expect(log.tail(0)).toEqual([]);
    log.close();
  });

  it('shows a line still waiting for its newline, and flushes it when the stream ends', async () => {
    const log = createLogCapture(join(dir.path, 'partial.log'));
    const out = new PassThrough();
    log.attach(out);
    out.write('done\nSegmentation fault');
    expect(log.tail()).toEqual(['done', 'Segmentation fault']);
    out.end();
    await log.drained(1000);
    expect(log.tail()).toEqual(['done', 'Segmentation fault']);
    log.close();
  });

  it('cuts very long lines in memory and keeps them whole in the file', () => {
    const path = join(dir.path, 'long.log');
    const lines: string[] = [];
    const log = createLogCapture(path, { maxLineChars: 100, onLine: (l) => lines.push(l) });
    const out = new PassThrough();
    log.attach(out);
    // Without a newline for a long while, as a progress bar or a minified dump does.
    for (let i = 0; i < 50; i++) out.write('x'.repeat(1000));
    expect(log.tail()[0]).toHaveLength(100);
    out.write('\nshort\n');
    log.close();
    expect(lines[0]).toBe(`${'x'.repeat(100)} … (49900 more characters)`);
    expect(lines[1]).toBe('short');
    expect(readFileSync(path, 'utf8')).toHaveLength(50_000 + 7);
  });

  it('decodes a multi-byte character split between chunks', () => {
    const log = createLogCapture(join(dir.path, 'utf8.log'));
    const out = new PassThrough();
    log.attach(out);
    const bytes = Buffer.from('café ✓\n');
    out.write(bytes.subarray(0, 4));
    out.write(bytes.subarray(4));
    expect(log.tail()).toEqual(['café ✓']);
    log.close();
  });

  it('stops waiting for drain after the timeout when a stream never ends', async () => {
    const log = createLogCapture(join(dir.path, 'open.log'));
    log.attach(new PassThrough());
    const started = Date.now();
    await log.drained(100);
    expect(Date.now() - started).toBeLessThan(1000);
    log.close();
  });
});
