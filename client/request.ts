// A minimal typed GraphQL client over fetch: the result and variable types come from the
// TypedDocumentNode, so a misspelt field or a missing variable is a compile error.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLFailure {
  message: string;
  extensions?: { code?: string };
}

export class GraphQLRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: GraphQLFailure[],
  ) {
    super(errors.map((e) => e.message).join('; ') || `HTTP ${status}`);
  }
}

export interface Client {
  /** Sends one operation; resolves with `data`, or throws GraphQLRequestError. */
  request<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...variables: Record<never, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables]
  ): Promise<TResult>;
  /** The bearer token sent with every later request (from SignInSuccess), or null to drop it. */
  setToken(token: string | null): void;
}

export function createClient(url: string, options: { token?: string; headers?: Record<string, string> } = {}): Client {
  let token = options.token ?? null;
  const printed = new WeakMap<object, string>();
  return {
    setToken(next) {
      token = next;
    },
    async request(document, ...[variables]) {
      let query = printed.get(document);
      if (!query) printed.set(document, (query = print(document)));
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables: variables ?? {} }),
      });
      const body = (await response.json().catch(() => ({}))) as { data?: unknown; errors?: GraphQLFailure[] };
      if (body.errors?.length || body.data == null) throw new GraphQLRequestError(response.status, body.errors ?? []);
      return body.data as never;
    },
  };
}
