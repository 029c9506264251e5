// Requests an attacker would send: oversized, deeply nested, malformed, mistyped or badly
// encoded. Each must be refused quickly with a 4xx or a typed error, never a 500, must leave the
// server answering, and must write nothing.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { goodPassword, startServer, uniqueEmail, type TestServer } from './harness.js';
import { SIGN_IN, SIGN_UP } from './flows.js';

let server: TestServer;
let users = 0;
beforeAll(async () => {
  server = await startServer();
  users = await server.services.db.user.count();
});
afterAll(() => server.close());

afterEach(async () => {
  const alive = await server.gql('{ __typename }');
  expect(alive.data).toEqual({ __typename: 'Query' });
  expect(await server.services.db.user.count()).toBe(users);
});

interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] } | null;
  ms: number;
}

/** Sends exactly these bytes; the JSON content type and POST unless told otherwise. */
async function send(
  body: string | Buffer | undefined,
  init: { method?: string; headers?: Record<string, string>; search?: string } = {},
): Promise<RawAnswer> {
  const started = performance.now();
  const response = await fetch(server.url + (init.search ?? ''), {
    method: init.method ?? 'POST',
    headers: init.headers ?? { 'content-type': 'application/json' },
    body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed: RawAnswer['body'] = null;
  try {
    parsed = JSON.parse(text) as RawAnswer['body'];
  } catch {
    // Some refusals (415) have no JSON body.
  }
  return { status: response.status, headers: response.headers, text, body: parsed, ms };
}

const query = (text: string, variables?: Record<string, unknown>) => send(JSON.stringify({ query: text, variables }));

/** A refusal: a 4xx, or a 200 with GraphQL errors and no data; never a 5xx, always quick. */
function expectRefused(res: RawAnswer, pattern?: RegExp) {
  expect(res.status, res.text.slice(0, 200)).toBeLessThan(500);
  // A sanity bound against pathological work, not a performance measurement.
  expect(res.ms).toBeLessThan(2_000);
  if (res.status === 200) {
    expect(res.body?.errors?.length, res.text.slice(0, 200)).toBeGreaterThan(0);
    expect(res.body?.data ?? null).toBeNull();
  } else {
    expect(res.status).toBeGreaterThanOrEqual(400);
  }
  const messages = (res.body?.errors ?? []).map((e) => e.message).join('\n');
  if (pattern) expect(messages).toMatch(pattern);
  expect(res.text).not.toMatch(/did you mean/i);
}

describe('size limits', () => {
  it('refuses a body over 100 KB with 413 before parsing it', async () => {
    const res = await query('{ __typename }', { padding: 'x'.repeat(101 * 1024) });
    expect(res.status).toBe(413);
    expect(res.ms).toBeLessThan(2_000);
  });

  it('refuses a streamed body over the limit that declares no length', async () => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('{"query":"{ __typename }","variables":{"p":"'));
        for (let i = 0; i < 200; i++) controller.enqueue(new Uint8Array(1024).fill(97));
        controller.enqueue(encoder.encode('"}}'));
        controller.close();
      },
    });
    const started = performance.now();
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    await res.text();
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(performance.now() - started).toBeLessThan(2_000);
    // The refused connection is not reused: the next requests are answered at once, rather
    // than waiting on a connection the server no longer reads.
    for (let i = 0; i < 3; i++) {
      const next = await query('{ __typename }');
      expect(next.body?.data).toEqual({ __typename: 'Query' });
      expect(next.ms).toBeLessThan(2_000);
    }
  });

  it('refuses multipart requests: over the limit with 413, without the CSRF header with 403, else 415', async () => {
    const form = (bytes: number) => {
      const data = new FormData();
      data.append('operations', JSON.stringify({ query: '{ __typename }' }));
      data.append('map', JSON.stringify({ 0: ['variables.file'] }));
      data.append('0', new Blob([new Uint8Array(bytes)]), 'upload.bin');
      return data;
    };
    // The server answers 413 as soon as the limit is crossed; the client may still be sending
    // and then sees the connection reset instead of the answer. Either way nothing was read.
    const started = performance.now();
    const big = await fetch(server.url, {
      method: 'POST',
      headers: { 'x-graphql-yoga-csrf': '1' },
      body: form(1024 * 1024),
    }).then(
      async (res) => (await res.text(), res.status),
      (error: Error & { cause?: { code?: string } }) => error.cause?.code,
    );
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(big);
    expect(performance.now() - started).toBeLessThan(2_000);
    const forged = await fetch(server.url, { method: 'POST', body: form(10) });
    expect(forged.status).toBe(403);
    await forged.text();
    // The API takes no files: a small multipart request is refused as well, streamed or not.
    const small = await fetch(server.url, { method: 'POST', headers: { 'x-graphql-yoga-csrf': '1' }, body: form(10) });
    expect(small.status).toBe(415);
    await small.text();
    const encoded = new Response(form(200 * 1024));
    const streamed = await fetch(server.url, {
      method: 'POST',
      headers: { 'x-graphql-yoga-csrf': '1', 'content-type': encoded.headers.get('content-type')! },
      body: encoded.body,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(415);
    await streamed.text();
  });

  it('refuses a query string too long for the request line', async () => {
    const res = await send(undefined, {
      method: 'GET',
      headers: { 'x-graphql-yoga-csrf': '1' },
      search: `?query=${encodeURIComponent(`{ __typename ${' '.repeat(70_000)}}`)}`,
    });
    expect(res.status).toBe(431);
  });

  it('refuses 1 MB passwords and emails with 413', async () => {
    for (const input of [
      { email: uniqueEmail('huge'), password: 'p'.repeat(1024 * 1024), name: 'Huge' },
      { email: `${'e'.repeat(1024 * 1024)}@example.com`, password: goodPassword, name: 'Huge' },
    ]) {
      expect((await query(SIGN_UP, { input })).status).toBe(413);
      expect((await query(SIGN_IN, { input: { email: input.email, password: input.password } })).status).toBe(413);
    }
  });

  it('answers just-under-the-limit passwords and emails with typed errors, without hashing them', async () => {
    const email = uniqueEmail('big');
    const bigPassword = 'p'.repeat(90_000);
    const bigEmail = `${'e'.repeat(90_000)}@example.com`;
    const signUp = await query(SIGN_UP, { input: { email: bigEmail, password: goodPassword, name: 'Big' } });
    expect(signUp.body?.data?.signUp).toMatchObject({
      __typename: 'InvalidInputError',
      code: 'INVALID_INPUT',
      field: 'email',
    });
    const weak = await query(SIGN_UP, { input: { email, password: bigPassword, name: 'Big' } });
    expect(weak.body?.data?.signUp).toMatchObject({ __typename: 'WeakPasswordError', reason: 'TOO_LONG' });
    const signIn = await query(SIGN_IN, { input: { email, password: bigPassword } });
    expect(signIn.body?.data?.signInEmailPassword.code).toBe('INVALID_CREDENTIALS');
    const badEmail = await query(SIGN_IN, { input: { email: bigEmail, password: goodPassword } });
    expect(badEmail.body?.data?.signInEmailPassword.code).toBe('INVALID_INPUT');
    for (const res of [signUp, weak, signIn, badEmail]) expect(res.ms).toBeLessThan(2_000);
  });
});

describe('query shape limits', () => {
  it('refuses a query deeper than 10 levels', async () => {
    // One field per level keeps the cost low, so the depth limit is what answers.
    const chain = (inner: string) =>
      `organizations { edges { node { organization { members { edges { node { user { ${inner} } } } } } } } }`;
    const res = await query(`{ me { ${chain(chain('id'))} } }`);
    expectRefused(res, /depth/i);
    const wide = await query(`{ me { ${chain(chain(chain(chain('id email name'))))} } }`);
    expectRefused(wide);
  });

  it('refuses introspection that cycles through types and fields', async () => {
    let selection = 'name';
    for (let i = 0; i < 6; i++) selection = `fields { type { ${selection} } }`;
    const res = await query(`{ __schema { types { ${selection} } } }`);
    expectRefused(res, /introspection/i);
  });

  it('refuses 1,000 aliases, and 60 aliases of a mutation under the token limit', async () => {
    const thousand = Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ');
    expectRefused(await query(`{ ${thousand} }`));
    const credentials = Array.from({ length: 1000 }, (_, i) => `a${i}: signOut { __typename }`).join(' ');
    expectRefused(await query(`mutation { ${credentials} }`));
    // __typename aliases are free; aliases of real fields are counted.
    const sixty = Array.from({ length: 60 }, (_, i) => `a${i}: signOut { __typename }`).join(' ');
    expectRefused(await query(`mutation { ${sixty} }`), /alias/i);
  });

  it('refuses very wide queries and too many tokens', async () => {
    expectRefused(await query(`{ ${'__typename '.repeat(5_000)} }`), /token/i);
    expectRefused(await query(`{ me { ${'id email name '.repeat(1_000)} } }`), /token/i);
  });

  it('refuses too many directives', async () => {
    expectRefused(await query(`{ __typename ${'@include(if: true) '.repeat(30)} }`), /directive/i);
  });

  it('refuses a query whose cost is too high', async () => {
    const res = await query('{ me { organizations(first: 1000) { edges { node { organization { id name } } } } } }');
    expectRefused(res, /cost/i);
  });

  it('refuses fragments that multiply each other', async () => {
    const fragments = ['fragment F0 on Query { __typename }'];
    for (let i = 1; i < 12; i++) fragments.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} ...F${i - 1} }`);
    const res = await query(`{ ...F11 } ${fragments.join(' ')}`);
    expect(res.status).toBeLessThan(500);
    expect(res.ms).toBeLessThan(2_000);
  });
});

describe('request format', () => {
  it('refuses an array of operations: batching is off', async () => {
    const res = await send(JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(res.status).toBe(400);
    expectRefused(res);
  });

  it('refuses variables of the wrong type with a 400 and no data', async () => {
    const res = await query(SIGN_UP, { input: { email: 5, password: true, name: ['N'] } });
    expect(res.status).toBe(400);
    expectRefused(res, /String cannot represent/);
  });

  it('refuses unknown fields in input objects, as variables and inline', async () => {
    const input = { email: uniqueEmail('extra'), password: goodPassword, name: 'Extra', role: 'ADMIN' };
    const asVariable = await query(SIGN_UP, { input });
    expect(asVariable.status).toBe(400);
    expectRefused(asVariable, /"role" is not defined/);
    expect(asVariable.body?.errors?.map((e) => e.message).join()).not.toContain('"email"');
    const inline = await query(
      `mutation { signUp(input: { email: "${input.email}", password: "${goodPassword}", name: "X", emailVerified: true }) { __typename } }`,
    );
    expectRefused(inline, /"emailVerified" is not defined/);
  });

  it('refuses malformed JSON with 400', async () => {
    for (const body of ['{"query": "{ __typename }"', '{query: 1}', '', 'null', '"{ __typename }"']) {
      const res = await send(body);
      expect(res.status, body).toBe(400);
      expectRefused(res);
    }
  });

  it('refuses JSON nested 45,000 levels deep in variables without crashing', async () => {
    const nested = `${'['.repeat(45_000)}${']'.repeat(45_000)}`;
    const res = await send(
      `{"query":"query($v: Boolean!) { __typename @include(if: $v) }","variables":{"v":${nested}}}`,
    );
    expect(res.status).toBe(400);
    expectRefused(res, /Boolean cannot represent/);
    const asExtensions = await send(`{"query":"{ __typename }","extensions":${nested}}`);
    expect(asExtensions.status).toBe(400);
  });

  it('refuses a body that is not UTF-8 with 400', async () => {
    const res = await send(Buffer.from(JSON.stringify({ query: '{ __typename }' }), 'utf16le'), {
      headers: { 'content-type': 'application/json; charset=utf-16le' },
    });
    expect(res.status).toBe(400);
  });

  it('refuses a raw NUL byte in a JSON string with 400', async () => {
    const res = await send(
      Buffer.concat([
        Buffer.from('{"query":"{ __typename }","variables":{"v":"a'),
        Buffer.from([0]),
        Buffer.from('b"}}'),
      ]),
    );
    expect(res.status).toBe(400);
    expectRefused(res);
  });

  it('refuses text/plain without the CSRF header, and XML', async () => {
    const plain = await send(JSON.stringify({ query: '{ __typename }' }), {
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(403);
    const xml = await send('<query>{ __typename }</query>', {
      headers: { 'content-type': 'application/xml', 'x-graphql-yoga-csrf': '1' },
    });
    expect(xml.status).toBe(415);
    const form = await send('query=%7B__typename%7D', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(form.status).toBeLessThan(500);
  });

  it('never runs a mutation sent with GET', async () => {
    const mutation = `mutation { signUp(input: { email: "${uniqueEmail('get')}", password: "${goodPassword}", name: "G" }) { __typename } }`;
    const search = `?query=${encodeURIComponent(mutation)}`;
    const withoutHeader = await send(undefined, { method: 'GET', search, headers: {} });
    expect(withoutHeader.status).toBe(403);
    const withHeader = await send(undefined, { method: 'GET', search, headers: { 'x-graphql-yoga-csrf': '1' } });
    expect(withHeader.status).toBe(405);
    expectRefused(withHeader);
    // A query by GET still works when the header is there.
    const read = await send(undefined, {
      method: 'GET',
      search: `?query=${encodeURIComponent('{ __typename }')}`,
      headers: { 'x-graphql-yoga-csrf': '1' },
    });
    expect(read.body?.data).toEqual({ __typename: 'Query' });
  });
});

describe('text encoding', () => {
  const signUpWith = (raw: Buffer) =>
    send(
      Buffer.concat([Buffer.from(`{"query":${JSON.stringify(SIGN_UP)},"variables":{"input":`), raw, Buffer.from('}}')]),
    );

  it('refuses lone surrogates in email, name and password with INVALID_INPUT', async () => {
    const cases: [string, string][] = [
      [`{"email":"lone\\ud800x@example.com","password":"${goodPassword}","name":"N"}`, 'email'],
      [`{"email":"lone\\udc00x@example.com","password":"${goodPassword}","name":"N"}`, 'email'],
      [`{"email":"${uniqueEmail('lone')}","password":"${goodPassword}","name":"N\\udbff"}`, 'name'],
      [`{"email":"${uniqueEmail('lone')}","password":"${goodPassword}\\ud800","name":"N"}`, 'password'],
    ];
    for (const [input, field] of cases) {
      const res = await signUpWith(Buffer.from(input));
      expect(res.status, input).toBe(200);
      expect(res.body?.data?.signUp, input).toMatchObject({
        __typename: 'InvalidInputError',
        code: 'INVALID_INPUT',
        field,
      });
    }
    // A well-formed pair of surrogates is an ordinary character.
    const emoji = await signUpWith(
      Buffer.from(`{"email":"not-an-address","password":"${goodPassword}","name":"\\ud83d\\ude00"}`),
    );
    expect(emoji.body?.data?.signUp).toMatchObject({ __typename: 'InvalidInputError', field: 'email' });
  });

  it('refuses invalid UTF-8 bytes in email, name and password with INVALID_INPUT', async () => {
    const bad = Buffer.from([0xff, 0xfe, 0xc3]);
    const cases: [Buffer, string][] = [
      [
        Buffer.concat([
          Buffer.from('{"email":"utf'),
          bad,
          Buffer.from(`x@example.com","password":"${goodPassword}","name":"N"}`),
        ]),
        'email',
      ],
      [
        Buffer.concat([
          Buffer.from(`{"email":"${uniqueEmail('utf')}","password":"${goodPassword}","name":"N`),
          bad,
          Buffer.from('"}'),
        ]),
        'name',
      ],
      [
        Buffer.concat([
          Buffer.from(`{"email":"${uniqueEmail('utf')}","password":"${goodPassword}`),
          bad,
          Buffer.from('","name":"N"}'),
        ]),
        'password',
      ],
    ];
    for (const [input, field] of cases) {
      const res = await signUpWith(input);
      expect(res.status).toBe(200);
      expect(res.body?.data?.signUp).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', field });
    }
  });

  it('refuses NUL characters in email and name with INVALID_INPUT', async () => {
    for (const [input, field] of [
      [{ email: 'nul\u0000x@example.com', password: goodPassword, name: 'N' }, 'email'],
      [{ email: uniqueEmail('nul'), password: goodPassword, name: 'N\u0000' }, 'name'],
    ] as const) {
      const res = await query(SIGN_UP, { input });
      expect(res.body?.data?.signUp).toMatchObject({ __typename: 'InvalidInputError', field });
    }
    const signIn = await query(SIGN_IN, { input: { email: 'nul\u0000x@example.com', password: goodPassword } });
    expect(signIn.body?.data?.signInEmailPassword.code).toBe('INVALID_INPUT');
  });
});

describe('schema disclosure', () => {
  it('never suggests field, type or argument names in errors', async () => {
    const probes = [
      '{ mee { id } }',
      '{ me { emial } }',
      '{ signInMethod }',
      'mutation { signUpp(input: {}) { __typename } }',
      'mutation { signUp(inptu: {}) { __typename } }',
      'query($i: SignUpInputt) { __typename }',
      '{ me { ... on Userr { id } } }',
      'mutation { inviteOrganizationMember(input: { email: "a@example.com", organizationId: "x", role: OWNR }) { __typename } }',
    ];
    for (const probe of probes) {
      const res = await query(probe);
      expectRefused(res);
    }
    // Variables are coerced after validation, by a different path; their errors hide names too.
    const misspelt = await query(SIGN_UP, { input: { emial: 'x', password: goodPassword, name: 'N' } });
    expectRefused(misspelt, /Suggestion hidden/);
    const role = await query(
      'mutation($input: InviteOrganizationMemberInput!) { inviteOrganizationMember(input: $input) { __typename } }',
      { input: { email: 'a@example.com', organizationId: 'x', role: 'OWNR' } },
    );
    expectRefused(role);
    for (const res of [misspelt, role]) expect(res.text).not.toMatch(/"(email|OWNER)\\"\?/);
  });

  it('allows introspection here, and refuses it on a server started with GRAPHQL_INTROSPECTION=false', async () => {
    const open = await query('{ __schema { queryType { name } } }');
    expect(open.body?.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const closed = await startServer({ env: { GRAPHQL_INTROSPECTION: 'false' } });
    try {
      for (const probe of ['{ __schema { queryType { name } } }', '{ __type(name: "User") { name } }']) {
        const res = await closed.gql(probe);
        expect(res.data ?? null, probe).toBeNull();
        expect(res.errors?.[0]?.message, probe).toMatch(/introspection/i);
      }
      expect((await closed.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
    } finally {
      await closed.close();
    }
  });
});
