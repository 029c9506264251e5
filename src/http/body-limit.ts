import { createGraphQLError, type Plugin } from 'graphql-yoga';

const tooLarge = () =>
  createGraphQLError('Request body too large', {
    extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' },
  });

/**
 * Refuses request bodies over `limit` bytes, before GraphQL parses them.
 *
 * A declared Content-Length is checked before anything is read, and nothing more is needed:
 * Node's HTTP parser never hands over more bytes than declared. Only a body that declares no
 * length (chunked) is counted as it arrives. graphql-yoga's own limit (`maxRequestBodySize`,
 * turned off in app.ts) pipes every body through a counting stream, which halved the
 * throughput of small requests in the benchmark.
 *
 * Listed after every plugin that adds a request parser, so that it wraps the chosen one.
 */
export function useBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        // One non-negative integer; anything else (a list, a sign) could hide a second length.
        if (!/^\d+$/.test(declared)) {
          throw createGraphQLError('Content-Length header is invalid.', {
            extensions: { http: { status: 400 }, code: 'BAD_REQUEST' },
          });
        }
        if (Number(declared) > limit) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((req) => parse(counting(req, limit, fetchAPI)));
    },
  };
}

/** The request with its body counted as it arrives, failing with 413 past `limit` bytes. */
function counting(
  request: Request,
  limit: number,
  fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream },
) {
  // A body made by Node's own streams needs Node's TransformStream, a ponyfilled one the ponyfill's.
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  let received = 0;
  const body = request.body?.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > limit) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new fetchAPI.Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body,
    // Required by fetch for a streamed request body.
    duplex: 'half',
  } as RequestInit);
}
