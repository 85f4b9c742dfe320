/** perf-flow.yml for the plan stage's tests: one journey and a key latency SLO. */
export const PLAN_STAGE_CONFIG = `service:
  url: http://127.0.0.1:3000
journeys:
  - name: list-users
    path: /users
slos:
  - sli: latency.p95
    target: '< 100ms'
    key: true
`;
