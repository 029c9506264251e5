// Operations endpoints and request metrics, as one yoga plugin:
//   GET /ready    200 when the database answers `SELECT 1` within two seconds, else 503
//                 (also 503 once the process has begun to stop)
//   GET /metrics  Prometheus text format
// (`GET /health`, answered by yoga itself, only says that the process is up.)
import { getOperationAST, Kind, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Services } from '../context.js';

const READY_TIMEOUT_MS = 2000;

interface RequestState {
  started: number;
  operation: string;
  errorCodes: string[];
}

/**
 * The label for an operation: its root field, so that the number of series stays bounded by
 * the schema whatever operation names clients send; `multiple` when several root fields are
 * selected. Requests that never reach execution (GraphiQL, unparsable or invalid documents)
 * keep the label `none`.
 */
export function operationLabel(document: DocumentNode, operationName?: string | null): string {
  const operation = getOperationAST(document, operationName);
  if (!operation) return 'none';
  const fields = new Set<string>();
  for (const selection of operation.selectionSet.selections) {
    fields.add(selection.kind === Kind.FIELD ? selection.name.value : 'fragment');
  }
  return fields.size === 1 ? `${operation.operation} ${[...fields][0]}` : `${operation.operation} multiple`;
}

async function databaseAnswers(services: Services): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)));
  try {
    const query = services.db.$queryRaw<unknown[]>`SELECT 1`.then(() => true as const);
    return await Promise.race([query, timeout]);
  } catch (error) {
    services.logger.warn({ err: error }, 'readiness check: the database did not answer');
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function useOperations(
  services: Services,
  { graphqlEndpoint, draining = () => false }: { graphqlEndpoint: string; draining?: () => boolean },
): Plugin {
  const { metrics } = services;
  const states = new WeakMap<Request, RequestState>();

  return {
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (url.pathname === graphqlEndpoint) {
        states.set(request, { started: performance.now(), operation: 'none', errorCodes: [] });
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === '/metrics') {
        return metrics.registry.metrics().then((body) =>
          payload.endResponse(
            new fetchAPI.Response(body, {
              headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' },
            }),
          ),
        );
      }
      if (url.pathname === '/ready') {
        // A stopping process asks to be taken out of rotation while it finishes its requests.
        return (draining() ? Promise.resolve(false) : databaseAnswers(services)).then((ready) =>
          payload.endResponse(
            fetchAPI.Response.json(
              { status: ready ? 'ready' : 'unavailable' },
              { status: ready ? 200 : 503, headers: { 'cache-control': 'no-store' } },
            ),
          ),
        );
      }
    },
    onExecute({ args }) {
      const state = states.get((args.contextValue as { request: Request }).request);
      if (state)
        state.operation = operationLabel(args.document as DocumentNode, args.operationName as string | undefined);
    },
    onResultProcess({ request, result }) {
      const state = states.get(request);
      if (!state) return;
      for (const single of Array.isArray(result) ? result : [result]) {
        const errors = (single as { errors?: readonly GraphQLError[] } | null)?.errors;
        for (const error of errors ?? []) {
          const code = error.extensions?.code;
          state.errorCodes.push(typeof code === 'string' ? code : 'UNKNOWN');
        }
      }
    },
    onResponse({ request, response }) {
      const state = states.get(request);
      if (!state) return;
      states.delete(request);
      const { operation } = state;
      const outcome =
        response.status >= 500
          ? 'server_error'
          : response.status >= 400
            ? 'client_error'
            : state.errorCodes.length
              ? 'graphql_error'
              : 'ok';
      metrics.requests.inc({ operation, outcome });
      metrics.duration.observe({ operation }, (performance.now() - state.started) / 1000);
      for (const code of state.errorCodes) metrics.errors.inc({ operation, code });
    },
  };
}
