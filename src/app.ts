import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import type { Context, Services, Viewer } from './context.js';
import { findSessionByToken } from './features/sessions/service.js';
import { clientAddress } from './http/client-address.js';
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
  if (!token || token.startsWith(tokenPrefixes.apiKey)) return { kind: 'anonymous' };
  const session = await findSessionByToken(services, token);
  if (!session) return { kind: 'anonymous' };
  return { kind: 'user', userId: session.userId, sessionId: session.id, via: bearer ? 'bearer' : 'cookie' };
}

/** Adds the Set-Cookie headers resolvers asked for, and the request id, to each response. */
function useResponseHeaders(): Plugin {
  return {
    onResponse({ request, response }) {
      const ctx = contexts.get(request);
      if (!ctx) return;
      response.headers.set('x-request-id', ctx.requestId);
      for (const cookie of ctx.cookies) response.headers.append('set-cookie', serializeCookie(ctx, cookie));
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
        }
        return masked;
      },
    },
    plugins: [
      // /ready, /metrics and the request metrics; first, so that it also sees refused requests.
      useOperations(services, { graphqlEndpoint: '/graphql', draining: options.draining }),
      // Browsers may send the session cookie along with cross-site "simple" requests; those
      // cannot carry this header or a JSON content type, so they are refused.
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf'] }),
      EnvelopArmorPlugin({
        maxAliases: { n: 50 },
        maxDepth: { n: 10 },
        maxDirectives: { n: 20 },
        maxTokens: { n: 2000 },
        costLimit: { maxCost: 5000 },
        blockFieldSuggestion: { enabled: true },
      }),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      useResponseHeaders(),
    ],
    context: async ({ request, req }) => {
      const ctx: Context = {
        services,
        viewer: await resolveViewer(services, request),
        meta: {
          ip: clientAddress(req, request.headers, config.trustProxyHops),
          userAgent: request.headers.get('user-agent')?.slice(0, 512) ?? null,
        },
        cookies: [],
        requestId: randomUUID(),
      };
      contexts.set(request, ctx);
      return ctx;
    },
  });
}
