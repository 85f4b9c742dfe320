import net from 'node:net';

// BlockList also matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4
// subnet, which a string comparison would miss.
const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** A URL's hostname without the brackets WHATWG URL keeps around IPv6 addresses. */
export function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** 127.0.0.0/8, ::1 and localhost: where load may go without being listed in allowed-hosts. */
export function isLoopbackHost(hostname: string): boolean {
  const host = bareHost(hostname);
  if (host === 'localhost') return true;
  const family = net.isIP(host);
  if (family === 0) return false;
  return loopback.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

/** Whether load may be sent to this host: loopback, or listed in allowed-hosts. */
export function isAllowedHost(hostname: string, allowedHosts: readonly string[]): boolean {
  const host = bareHost(hostname);
  return isLoopbackHost(host) || allowedHosts.some((allowed) => bareHost(allowed) === host);
}

/**
 * The normalised form of an allowed-hosts entry, or undefined when it is not a bare host
 * (a scheme, port, path or credentials would never match a URL's hostname).
 */
export function normaliseHost(entry: string): string | undefined {
  const host = bareHost(entry.trim());
  if (host === '') return undefined;
  const bracketed = net.isIPv6(host) ? `[${host}]` : host;
  try {
    const url = new URL(`http://${bracketed}/`);
    const onlyHost =
      url.port === '' &&
      url.pathname === '/' &&
      url.search === '' &&
      url.hash === '' &&
      url.username === '' &&
      url.password === '';
    return onlyHost ? bareHost(url.hostname) : undefined;
  } catch {
    return undefined;
  }
}
