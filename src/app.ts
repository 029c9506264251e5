import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import type { Context, Services, Viewer } from './context.js';
import { findLiveApiKey } from './features/api-keys/service.js';
import { createAccessLoaders } from './features/organizations/access.js';
import { findSessionByToken } from './features/sessions/service.js';
import { useBodyLimit } from './http/body-limit.js';
import { clientAddress, clientKey } from './http/client-address.js';
import { readSessionCookie, serializeCookie } from './http/cookies.js';
import { useOperations } from './operations/plugin.js';
import { schema } from './schema/index.js';
import { tokenPrefixes } from './security/tokens.js';

interface ServerContext {
  req?: IncomingMessage;
}

const contexts = new WeakMap<Request, Context>();

async function resolveViewer(services: Services, request: Request): Promise<Viewer> {
  const authorization = request.headers.get('authorization');
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const token = bearer ?? readSessionCookie(request.headers.get('cookie'));
  if (!token) return { kind: 'anonymous' };
  if (token.startsWith(tokenPrefixes.apiKey)) {
    // API keys are for other services, which send them as bearer tokens, never as cookies.
    const apiKey = bearer ? await findLiveApiKey(services, token) : null;
    return apiKey
      ? {
          kind: 'apiKey',
          apiKeyId: apiKey.id,
          projectId: apiKey.projectId,
          organizationId: apiKey.project.organizationId,
        }
      : { kind: 'anonymous' };
  }
  const session = await findSessionByToken(services, token);
  if (!session) return { kind: 'anonymous' };
  return {
    kind: 'user',
    userId: session.userId,
    sessionId: session.id,
    via: bearer ? 'bearer' : 'cookie',
    user: session.user,
  };
}

/**
 * Security headers on every response, then the Set-Cookie headers resolvers asked for and the
 * request id. The GraphiQL page is HTML that loads its scripts and styles from a CDN, so only
 * the API's own answers get the strict content policy.
 */
function useResponseHeaders(secure: boolean): Plugin {
  return {
    onResponse({ request, response }) {
      const headers = response.headers;
      headers.set('x-content-type-options', 'nosniff');
      headers.set('referrer-policy', 'no-referrer');
      headers.set('x-frame-options', 'DENY');
      headers.set('cross-origin-opener-policy', 'same-origin');
      if (secure) headers.set('strict-transport-security', 'max-age=63072000; includeSubDomains');
      // A body refused for its size is left partly unread, and the connection cannot carry
      // another request after it: without this, a client (or a proxy) that reused it waited
      // for the keep-alive timeout and then saw the connection reset.
      if (response.status === 413) headers.set('connection', 'close');
      if (!headers.get('content-type')?.startsWith('text/html')) {
        headers.set('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
        headers.set('cache-control', 'no-store');
      }
      const ctx = contexts.get(request);
      if (!ctx) return;
      response.headers.set('x-request-id', ctx.requestId);
      for (const cookie of ctx.cookies) response.headers.append('set-cookie', serializeCookie(ctx, cookie));
      // One line per request: who (by kind and id, never a token), the outcome and the time taken.
      ctx.services.logger.info(
        {
          requestId: ctx.requestId,
          viewer: ctx.viewer.kind,
          userId: ctx.viewer.kind === 'user' ? ctx.viewer.userId : undefined,
          apiKeyId: ctx.viewer.kind === 'apiKey' ? ctx.viewer.apiKeyId : undefined,
          status: response.status,
          durationMs: Math.round(performance.now() - ctx.startedAt),
        },
        'graphql request',
      );
    },
  };
}

/**
 * graphql-js names close matches of a misspelt field, type, argument or enum value ("Did you
 * mean ...?"), which lets a caller rebuild the schema without introspection. The armor plugin
 * hides only the quoted form in validation errors: "Did you mean the enum value ...?" passes,
 * and errors raised while coercing variables (an unknown field of an input object) never reach
 * it. Validation errors are cleaned by the plugin below, every other error in maskError.
 */
function withoutSuggestions<E extends Error>(error: E): E | GraphQLError {
  if (!(error instanceof GraphQLError) || !/Did you mean/.test(error.message)) return error;
  const message = error.message.replace(/\s*Did you mean [^?]*\?/g, ' [Suggestion hidden]').trim();
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

function useHiddenSuggestions(): Plugin {
  return {
    onValidate:
      () =>
      ({ valid, result, setResult }) => {
        if (!valid) setResult((result as readonly GraphQLError[]).map((error) => withoutSuggestions(error)));
      },
  };
}

export interface AppOptions {
  /** True once the process is stopping: /ready then answers 503. */
  draining?: () => boolean;
}

export function createApp(services: Services, options: AppOptions = {}) {
  const { config, logger } = services;
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Suward account security' },
    batching: false,
    // No field takes a file: multipart requests are refused (415) before anything parses them.
    multipart: false,
    // Browsers may read answers (and send the session cookie) only from the frontend's origins;
    // any other origin, a sibling subdomain included, gets no CORS headers at all.
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && config.corsOrigins.includes(origin)
        ? {
            origin,
            credentials: true,
            methods: ['GET', 'POST'],
            allowedHeaders: ['content-type', 'authorization', 'x-graphql-yoga-csrf'],
          }
        : false;
    },
    // Checked by useBodyLimit below, which reads Content-Length instead of counting every body.
    maxRequestBodySize: false,
    logging: {
      debug: (...args) => logger.debug({ args }, 'yoga'),
      info: (...args) => logger.info({ args }, 'yoga'),
      warn: (...args) => logger.warn({ args }, 'yoga'),
      error: (...args) => logger.error({ args }, 'yoga'),
    },
    maskedErrors: {
      // Expected failures are GraphQLErrors and pass unchanged; anything else is logged with
      // its stack and reaches the client only as "Unexpected error.".
      maskError(error, message) {
        const masked = maskError(error, message, false);
        if (masked !== error) {
          const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
          logger.error({ err: original }, 'unexpected error');
          return masked;
        }
        return withoutSuggestions(masked);
      },
    },
    plugins: [
      // /ready, /metrics and the request metrics; first, so that it also sees refused requests.
      useOperations(services, { graphqlEndpoint: '/graphql', draining: options.draining }),
      // Browsers may send the session cookie along with cross-site "simple" requests; those
      // cannot carry this header or a JSON content type, so they are refused.
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      EnvelopArmorPlugin({
        maxAliases: { n: config.limits.aliases },
        maxDepth: { n: config.limits.depth },
        maxDirectives: { n: config.limits.directives },
        maxTokens: { n: config.limits.tokens },
        costLimit: { maxCost: config.limits.cost },
        blockFieldSuggestion: { enabled: true },
      }),
      useHiddenSuggestions(),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      useResponseHeaders(config.publicOrigin.startsWith('https:')),
      // Last, after every plugin that may add a request parser.
      useBodyLimit(config.limits.bodyBytes),
    ],
    context: async ({ request, req }) => {
      const startedAt = performance.now();
      const viewer = await resolveViewer(services, request);
      const ip = clientAddress(req, request.headers, config.trustProxyHops);
      const ctx: Context = {
        services,
        viewer,
        access: createAccessLoaders(services.db, viewer.kind === 'user' ? viewer.userId : null),
        meta: {
          ip,
          userAgent: request.headers.get('user-agent')?.slice(0, 512) ?? null,
          client: clientKey(ip),
        },
        cookies: [],
        requestId: randomUUID(),
        startedAt,
      };
      contexts.set(request, ctx);
      return ctx;
    },
  });
}
