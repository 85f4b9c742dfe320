import { isAllowedHost } from '../config/hosts.js';
import { ConfigError } from '../errors.js';

const FIELD = 'service.url';

/**
 * Load goes only to loopback unless the config lists the host (ARCHITECTURE.md, Safety):
 * a typo in `service.url` must not turn perf-flow into a load generator against a stranger.
 * Checked again here, not only when the config is read, because the URL a stage loads may
 * come from elsewhere (a started service's resolved URL, an action input).
 * `allowedHosts` holds bare hosts, as the config's allowed-hosts does.
 */
export function assertLoadTargetAllowed(url: string, allowedHosts: string[]): void {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new ConfigError(`expected an http:// or https:// URL, got "${url}"`, FIELD);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new ConfigError(`expected an http:// or https:// URL, got "${url}"`, FIELD);
  }
  if (isAllowedHost(target.hostname, allowedHosts)) return;
  throw new ConfigError(
    `load goes only to loopback (127.0.0.0/8, localhost, [::1]) unless the host is listed in ` +
      `allowed-hosts; "${target.hostname}" is neither`,
    FIELD,
  );
}
