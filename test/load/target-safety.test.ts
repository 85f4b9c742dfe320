import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { assertLoadTargetAllowed } from '../../src/load/target-safety.js';

describe('assertLoadTargetAllowed', () => {
  it.each([
    'http://127.0.0.1:8080',
    'http://127.45.6.7/',
    'http://127.1:3000', // the URL parser writes it 127.0.0.1
    'http://0x7f.0.0.1/',
    'http://localhost:3000/api',
    'http://LOCALHOST',
    'https://[::1]:8443',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::ffff:127.0.0.1]/',
  ])('lets load go to loopback %s', (url) => {
    expect(() => assertLoadTargetAllowed(url, [])).not.toThrow();
  });

  it.each([
    'http://example.com',
    'http://10.0.0.5:8080',
    'http://0.0.0.0:3000',
    'http://128.0.0.1',
    'http://[::2]/',
    'http://localhost.example.com',
    'http://127.0.0.1.nip.io',
    'http://[::ffff:10.0.0.1]/',
  ])('refuses %s unless listed', (url) => {
    expect(() => assertLoadTargetAllowed(url, [])).toThrow(ConfigError);
  });

  it.each([
    ['http://api.example.com/x', ['api.example.com']],
    ['http://API.Example.com:8080', ['api.example.com']],
    ['https://api.example.com', ['other.example.com', 'api.example.com']],
    ['http://10.0.0.5:8080', ['10.0.0.5']],
    ['http://[fd00::1]:8080', ['fd00::1']],
  ])('lets load go to %s when %j allows it', (url, allowed) => {
    expect(() => assertLoadTargetAllowed(url, allowed)).not.toThrow();
  });

  it.each([
    ['http://evil-api.example.com', ['api.example.com']],
    ['http://api.example.com.evil.net', ['api.example.com']],
    ['http://10.0.0.6', ['10.0.0.5']],
    ['http://api.example.com', ['']],
  ])('refuses %s when only %j is allowed', (url, allowed) => {
    expect(() => assertLoadTargetAllowed(url, allowed)).toThrow(ConfigError);
  });

  it('names service.url and says how to allow the host', () => {
    let error: unknown;
    try {
      assertLoadTargetAllowed('http://example.com:8080/', []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('service.url');
    expect((error as ConfigError).message).toContain('"example.com"');
    expect((error as ConfigError).message).toContain('allowed-hosts');
  });

  it.each(['not a url', 'ftp://127.0.0.1/', 'file:///etc/passwd', ''])(
    'refuses %j as not an http URL',
    (url) => {
      expect(() => assertLoadTargetAllowed(url, [])).toThrow(/service\.url: expected an http/);
    },
  );
});
