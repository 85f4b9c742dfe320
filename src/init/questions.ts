import { urlPath } from '../config/fields.js';
import type { Investment, Monitoring, Timeline } from '../config/intake.js';
import {
  INTAKE_DEFAULTS,
  INVESTMENTS,
  matchChoice,
  MONITORING_LEVELS,
  TIMELINES,
} from '../config/intake.js';
import { HTTP_METHODS } from '../config/schema.js';
import type { Trigger } from '../config/types.js';
import { TRIGGERS } from '../config/types.js';
import type { Parsed } from '../config/units.js';

/**
 * What `perf-flow init` asks: the seven intake questions, then what it needs to know to run
 * the service. Each question reads its own answer; a blank answer takes the default shown.
 */

export interface Question<T> {
  /** The prompt's label, and what an error calls the question. */
  name: string;
  /** "6/7": its place, so that an error can name it. */
  number: string;
  title: string;
  /** The choices, or examples, under the title. */
  details: string[];
  /** What a blank answer takes, shown in brackets; absent when an answer is required. */
  shown?: string;
  /** A closed question: an answer it cannot read is asked again, or refused. */
  read(answer: string): Parsed<T>;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });

function choiceQuestion<const T extends readonly string[]>(spec: {
  name: string;
  number: string;
  title: string;
  values: T;
  meanings: Record<T[number], string>;
  fallback: T[number];
}): Question<T[number]> {
  const width = Math.max(...spec.values.map((value) => value.length));
  return {
    name: spec.name,
    number: spec.number,
    title: spec.title,
    details: spec.values.map(
      (value, index) =>
        `${index + 1}  ${value.padEnd(width)}  ${spec.meanings[value as T[number]]}`,
    ),
    shown: spec.fallback,
    read(answer) {
      if (answer === '') return ok(spec.fallback);
      const found = matchChoice(spec.values, answer, true);
      if (found !== undefined) return ok(found);
      return {
        ok: false,
        message: `expected one of ${spec.values.join(', ')} (or 1 to ${spec.values.length}), got "${answer}"`,
      };
    },
  };
}

function textQuestion(spec: {
  name: string;
  number: string;
  title: string;
  details: string[];
  shown: string;
}): Question<string | undefined> {
  return { ...spec, read: (answer) => ok(answer === '' ? undefined : answer) };
}

export const issueQuestion = choiceQuestion({
  name: 'issue',
  number: '1/7',
  title: 'What issue does this address?',
  values: TRIGGERS,
  meanings: {
    'slo-breach': 'an SLO is being missed',
    'capacity-planning': 'more traffic is coming: how far does the service go?',
    'cost-reduction': 'the service costs too much to run',
    'user-complaint': 'users say it is slow',
    proactive: 'nothing is wrong yet: find the biggest wins',
    'new-feature': 'a new feature must perform from the start',
  } satisfies Record<Trigger, string>,
  fallback: 'proactive',
});

export const baselineQuestion = textQuestion({
  name: 'current baseline',
  number: '2/7',
  title: 'What is the current baseline?',
  details: [
    'Free text or numbers, e.g. "p95 about 800ms, 150 rps at peak". Reports quote it;',
    'perf-flow measures its own baseline either way.',
  ],
  shown: 'unknown',
});

export const targetQuestion = textQuestion({
  name: 'target',
  number: '3/7',
  title: 'What is the target?',
  details: [
    'e.g. "p95 under 100ms", "error rate below 0.5%", "handle 500 rps": each becomes a key SLO.',
  ],
  shown: 'none',
});

export const bottlenecksQuestion = textQuestion({
  name: 'suspected bottlenecks',
  number: '4/7',
  title: 'Where do you suspect the bottleneck is?',
  details: [
    'e.g. "database queries", "JSON serialisation in the API": the plan looks there first.',
  ],
  shown: 'unknown',
});

export const monitoringQuestion = choiceQuestion({
  name: 'monitoring',
  number: '5/7',
  title: 'How mature is the monitoring in production?',
  values: MONITORING_LEVELS,
  meanings: {
    none: 'no production metrics or alerts',
    basic: 'dashboards and a few alerts',
    mature: 'SLO alerts, tracing, and a rollback within minutes',
  } satisfies Record<Monitoring, string>,
  fallback: INTAKE_DEFAULTS.monitoring,
});

export const investmentQuestion = choiceQuestion({
  name: 'investment',
  number: '6/7',
  title: 'What investment is acceptable?',
  values: INVESTMENTS,
  meanings: {
    'quick-wins': 'quick wins only: changes of under a day',
    moderate: 'up to a few days a change, no major refactoring',
    comprehensive: 'whatever pays off, major refactoring included',
  } satisfies Record<Investment, string>,
  fallback: INTAKE_DEFAULTS.investment,
});

export const timelineQuestion = choiceQuestion({
  name: 'timeline',
  number: '7/7',
  title: 'How pressing is the timeline?',
  values: TIMELINES,
  meanings: {
    urgent: 'it hurts now: this week',
    normal: 'this month or quarter',
    relaxed: 'no deadline',
  } satisfies Record<Timeline, string>,
  fallback: INTAKE_DEFAULTS.timeline,
});

/** The answer that means "perf-flow does not start the service: it is already running". */
export const NO_START = 'none';

export const startQuestion: Question<string | undefined> = {
  name: 'start',
  number: 'service 1/4',
  title: 'Which command starts the service?',
  details: ['Run from the directory of perf-flow.yml; "none" if the service is already running.'],
  shown: 'npm start',
  read: (answer) =>
    ok(answer === '' ? 'npm start' : answer.toLowerCase() === NO_START ? undefined : answer),
};

/** Absent port: perf-flow picks a free one and passes it to the service as PORT. */
export function portQuestion(startsService: boolean): Question<number | undefined> {
  return {
    name: 'port',
    number: 'service 2/4',
    title: 'Which port does the service listen on?',
    details: startsService
      ? ['Blank: perf-flow picks a free loopback port and passes it as the PORT variable.']
      : ['perf-flow does not start the service, so it needs the port it already listens on.'],
    ...(startsService && { shown: 'PORT' }),
    read(answer) {
      if (startsService && (answer === '' || answer === 'PORT')) return ok(undefined);
      const port = /^\d{1,5}$/.test(answer) ? Number(answer) : NaN;
      if (port >= 1 && port <= 65_535) return ok(port);
      return {
        ok: false,
        message:
          answer === ''
            ? 'a port is needed when perf-flow does not start the service (start: none)'
            : `expected a port number from 1 to 65535, got "${answer}"`,
      };
    },
  };
}

function pathProblem(path: string): string | undefined {
  const checked = urlPath.safeParse(path);
  return checked.success ? undefined : (checked.error.issues[0]?.message ?? 'not a path');
}

export const readyQuestion: Question<string> = {
  name: 'health path',
  number: 'service 3/4',
  title: 'Which path answers 2xx once the service is ready?',
  details: ['perf-flow polls it after starting the service, e.g. /health.'],
  shown: '/',
  read(answer) {
    const path = answer === '' ? '/' : answer;
    const problem = pathProblem(path);
    return problem === undefined ? ok(path) : { ok: false, message: problem };
  },
};

export interface JourneyAnswer {
  name: string;
  method: string;
  path: string;
}

/** "/api/items?limit=20" → "api-items": a name the reports can show beside the others. */
function journeyName(path: string): string {
  const words = path
    .split('?')[0]!
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return words === '' ? 'home' : words;
}

export const journeyQuestion: Question<JourneyAnswer> = {
  name: 'journey',
  number: 'service 4/4',
  title: 'Which request should perf-flow measure? (more journeys can be added to the file)',
  details: ['As METHOD PATH, e.g. "GET /api/items" or "POST /api/orders".'],
  shown: 'GET /',
  read(answer) {
    const match = /^(?:([A-Za-z]+)\s+)?(\S+)$/.exec(answer === '' ? 'GET /' : answer);
    const method = (match?.[1] ?? 'GET').toUpperCase();
    const path = match?.[2];
    if (path === undefined || !(HTTP_METHODS as readonly string[]).includes(method)) {
      return {
        ok: false,
        message: `expected METHOD PATH with a method from ${HTTP_METHODS.join(', ')}, e.g. "GET /api/items", got "${answer}"`,
      };
    }
    const problem = pathProblem(path);
    if (problem !== undefined) return { ok: false, message: `the path ${problem}` };
    return ok({ name: journeyName(path), method, path });
  },
};
