import { describe, expect, it } from 'vitest';
import { isAllowedHost, isLoopbackHost, normaliseHost } from '../../src/config/hosts.js';

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['localhost.example.com', false],
    ['example.com', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe('isAllowedHost', () => {
  it('allows loopback and listed hosts only, ignoring case and IPv6 brackets', () => {
    expect(isAllowedHost('127.0.0.1', [])).toBe(true);
    expect(isAllowedHost('staging.internal', [])).toBe(false);
    expect(isAllowedHost('Staging.Internal', ['staging.internal'])).toBe(true);
    expect(isAllowedHost('[fd00::1]', ['fd00::1'])).toBe(true);
  });
});

describe('normaliseHost', () => {
  it.each([
    ['staging.internal', 'staging.internal'],
    [' Staging.Internal ', 'staging.internal'],
    ['10.0.0.5', '10.0.0.5'],
    ['fd00::1', 'fd00::1'],
    ['[fd00::1]', 'fd00::1'],
    ['http://staging.internal', undefined],
    ['staging.internal:8080', undefined],
    ['staging.internal/path', undefined],
    ['user@staging.internal', undefined],
    ['', undefined],
    ['a b', undefined],
  ])('%j → %j', (entry, host) => {
    expect(normaliseHost(entry)).toBe(host);
  });
});
