// Prometheus metrics on a registry of their own (never prom-client's global one), so that every
// server in a process, and every test server, counts for itself.
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export const signInOutcomes = [
  'success',
  'invalid_credentials',
  'two_factor_required',
  'invalid_code',
  'rate_limited',
  'error',
] as const;
export type SignInOutcome = (typeof signInOutcomes)[number];

export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  // Memory, CPU, event-loop lag and handles of this process; off for tests and benchmarks that
  // run several servers in one process.
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'suward_' });

  const requests = new Counter({
    name: 'suward_graphql_requests_total',
    help: 'GraphQL HTTP requests by operation (root field) and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'suward_graphql_errors_total',
    help: 'Errors in GraphQL responses by operation and extensions.code (expected failures returned as union members are not errors)',
    labelNames: ['operation', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'suward_graphql_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to its response, by operation',
    labelNames: ['operation'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'suward_sign_ins_total',
    help: 'Password sign-in attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // Every outcome is present from the start, so that rates work before the first failure.
  for (const outcome of signInOutcomes) signIns.inc({ outcome }, 0);

  return { registry, requests, errors, duration, signIns };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The sign-in outcome an error from the credential gate stands for. */
export function signInOutcome(error: unknown): SignInOutcome {
  switch ((error as { code?: unknown } | null)?.code) {
    case 'INVALID_CREDENTIALS':
      return 'invalid_credentials';
    case 'TWO_FACTOR_REQUIRED':
      return 'two_factor_required';
    case 'INVALID_TWO_FACTOR_CODE':
      return 'invalid_code';
    case 'RATE_LIMITED':
      return 'rate_limited';
    default:
      return 'error';
  }
}
