/**
 * Variables that carry perf-flow's own credentials. The service under test is the pull
 * request's code and its log lands in the report users upload, so none of these reach it
 * unless the config's service.env sets them itself.
 */
const WITHHELD_PREFIXES = [
  // Action inputs: INPUT_TOKEN is the GitHub token given to perf-flow.
  'INPUT_',
  // The runner's own: ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN (OIDC), the
  // cache and results URLs.
  'ACTIONS_',
];
const WITHHELD_NAMES = new Set([
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'GH_ENTERPRISE_TOKEN',
  'GITHUB_ENTERPRISE_TOKEN',
  'ANTHROPIC_API_KEY',
]);

/** True for a variable perf-flow keeps from the service under test. */
export function isWithheldVariable(name: string): boolean {
  // Case-insensitive: a variable spelt otherwise is no less a secret.
  const upper = name.toUpperCase();
  return WITHHELD_NAMES.has(upper) || WITHHELD_PREFIXES.some((prefix) => upper.startsWith(prefix));
}

/**
 * The environment of the build and the service: perf-flow's own (`base`) without its
 * credentials, then service.env from the config (`configured`, which may set any variable,
 * a withheld one included: the user's choice), then what perf-flow adds (`extra`: PORT, the
 * profiler's NODE_OPTIONS).
 */
export function serviceEnvironment(
  base: NodeJS.ProcessEnv,
  configured: Record<string, string>,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !isWithheldVariable(name)) env[name] = value;
  }
  return Object.assign(env, configured, extra);
}
