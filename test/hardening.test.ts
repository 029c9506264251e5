// Attacks found by walking through the product as a hostile newcomer, each kept as a test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/features/two-factor/totp.js';
import { startServer, tokenFromMail, uniqueEmail, type TestServer } from './harness.js';
import { createAccount, SIGN_IN, SIGN_UP } from './flows.js';

const clock = new Date('2026-12-04T12:00:05Z');
let server: TestServer;
beforeAll(async () => {
  server = await startServer({
    env: {
      PUBLIC_ORIGIN: 'https://app.suward.test',
      CORS_ORIGINS: 'https://app.suward.test,https://admin.suward.test',
    },
    services: { now: () => clock },
  });
});
afterAll(() => server.close());

const R = `__typename ... on Error { code message }`;

describe('an account signed up with somebody else’s address', () => {
  it('can sign in but build nothing until the address is confirmed, and the owner takes it back by reset', async () => {
    const victim = uniqueEmail('victim');
    await server.gql(SIGN_UP, { input: { email: victim, password: 'attacker-chose-this-1', name: 'Mallory' } });
    const signIn = await server.gql(SIGN_IN, { input: { email: victim, password: 'attacker-chose-this-1' } });
    const token = signIn.data.signInEmailPassword.token as string;

    const attempts = [
      `mutation { setupTwoFactor(input: { password: "attacker-chose-this-1" }) { ${R} } }`,
      `mutation { createOrganization(input: { name: "Trap" }) { ${R} } }`,
    ];
    for (const query of attempts) {
      const res = await server.gql(query, {}, { token });
      const result = Object.values(res.data)[0] as { code: string; message: string };
      expect(result.code).toBe('NOT_ALLOWED');
      expect(result.message).toMatch(/Confirm your email address/);
    }
    const me = await server.gql(`{ me { organizations { edges { node { organization { id } } } } } }`, {}, { token });
    const personal = me.data.me.organizations.edges[0].node.organization.id;
    const invite = await server.gql(
      `mutation($o: ID!) { inviteOrganizationMember(input: { organizationId: $o, email: "x@example.com", role: MEMBER }) { ${R} } }`,
      { o: personal },
      { token },
    );
    expect(invite.data.inviteOrganizationMember.code).toBe('NOT_ALLOWED');

    // The real owner resets the password from the mailed link: the squatter is out for good.
    await server.gql(`mutation($e: String!) { initPasswordReset(input: { email: $e }) { __typename } }`, { e: victim });
    const reset = tokenFromMail((await server.lastMail(victim, 'password-reset')).text);
    const done = await server.gql(
      `mutation($t: String!) { completePasswordReset(input: { token: $t, newPassword: "owner-takes-it-back-9" }) { ${R} } }`,
      { t: reset },
    );
    expect(done.data.completePasswordReset.__typename).not.toMatch(/Error/);
    expect((await server.gql(`{ me { id } }`, {}, { token })).data.me).toBeNull();
    const owner = await server.gql(SIGN_IN, { input: { email: victim, password: 'owner-takes-it-back-9' } });
    const ownerToken = owner.data.signInEmailPassword.token;
    const verified = await server.gql(`{ me { emailVerified } }`, {}, { token: ownerToken });
    expect(verified.data.me.emailVerified).toBe(true);
  });
});

describe('cross-origin requests', () => {
  const preflight = (origin: string) =>
    fetch(server.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it('are allowed, with credentials, only from the configured origins', async () => {
    const good = await preflight('https://admin.suward.test');
    expect(good.headers.get('access-control-allow-origin')).toBe('https://admin.suward.test');
    expect(good.headers.get('access-control-allow-credentials')).toBe('true');
    for (const origin of ['https://evil.example', 'https://sub.app.suward.test', 'null']) {
      const bad = await preflight(origin);
      expect(bad.headers.get('access-control-allow-origin')).toBeNull();
      const post = await fetch(server.url, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      expect(post.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('invitations and personal organizations', () => {
  async function organizationWithAdmin() {
    const owner = await createAccount(server);
    const admin = await createAccount(server);
    const org = await server.gql(
      `mutation { createOrganization(input: { name: "Co" }) { ... on Organization { id } } }`,
      {},
      { token: owner.token },
    );
    const id = org.data.createOrganization.id as string;
    await server.gql(
      `mutation($o: ID!, $e: String!) { inviteOrganizationMember(input: { organizationId: $o, email: $e, role: ADMIN }) { __typename } }`,
      { o: id, e: admin.email },
      { token: owner.token },
    );
    const accept = await server.gql(
      `mutation($t: String!) { acceptInvitation(input: { token: $t }) { ${R} } }`,
      { t: tokenFromMail((await server.lastMail(admin.email, 'invitation')).text) },
      { token: admin.token },
    );
    expect(accept.data.acceptInvitation.__typename).toBe('Invitation');
    const me = await server.gql(`{ me { id } }`, {}, { token: admin.token });
    return { owner, admin, id, adminId: me.data.me.id as string };
  }

  it('stop admitting anyone once their sender lost the right to send them', async () => {
    const { owner, admin, id, adminId } = await organizationWithAdmin();
    const friend = await createAccount(server);
    await server.gql(
      `mutation($o: ID!, $e: String!) { inviteOrganizationMember(input: { organizationId: $o, email: $e, role: ADMIN }) { __typename } }`,
      { o: id, e: friend.email },
      { token: admin.token },
    );
    const invitation = tokenFromMail((await server.lastMail(friend.email, 'invitation')).text);
    await server.gql(
      `mutation($o: ID!, $u: ID!) { removeOrganizationMember(input: { organizationId: $o, userId: $u }) { __typename } }`,
      { o: id, u: adminId },
      { token: owner.token },
    );
    const res = await server.gql(
      `mutation($t: String!) { acceptInvitation(input: { token: $t }) { ${R} } }`,
      { t: invitation },
      { token: friend.token },
    );
    expect(res.data.acceptInvitation.code).toBe('INVALID_TOKEN');
    const inside = await server.gql(
      `query($id: ID!) { organization(id: $id) { id } }`,
      { id },
      { token: friend.token },
    );
    expect(inside.errors?.[0]?.extensions?.code).toBe('NOT_ALLOWED');
  });

  it('never take members, and cannot be transferred', async () => {
    const owner = await createAccount(server);
    const other = await createAccount(server);
    const me = await server.gql(
      `{ me { organizations { edges { node { organization { id personal } } } } } }`,
      {},
      { token: owner.token },
    );
    const personal = me.data.me.organizations.edges[0].node.organization;
    expect(personal.personal).toBe(true);
    const invite = await server.gql(
      `mutation($o: ID!, $e: String!) { inviteOrganizationMember(input: { organizationId: $o, email: $e, role: MEMBER }) { ${R} } }`,
      { o: personal.id, e: other.email },
      { token: owner.token },
    );
    expect(invite.data.inviteOrganizationMember.code).toBe('NOT_ALLOWED');
  });
});

describe('the daily code budget', () => {
  it('keeps counting wrong codes when successful ones come in between', async () => {
    const account = await createAccount(server);
    const setup = await server.gql(
      `mutation($p: String!) { setupTwoFactor(input: { password: $p }) { ... on TwoFactorSetup { secret } } }`,
      { p: account.password },
      { token: account.token },
    );
    const secret = setup.data.setupTwoFactor.secret as string;
    const activated = await server.gql(
      `mutation($c: String!) { activateTwoFactor(input: { code: $c }) { ... on BackupCodes { backupCodes } } }`,
      { c: await totpCode(secret, clock) },
      { token: account.token },
    );
    const backupCodes = activated.data.activateTwoFactor.backupCodes as string[];
    const attempt = (extra: Record<string, string>) =>
      server
        .gql(SIGN_IN, { input: { email: account.email, password: account.password, ...extra } })
        .then((r) => r.data.signInEmailPassword);

    // Four wrong codes, then a right one, four times over; then four more wrong: 20 in a day.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 4; i++) expect((await attempt({ code: '000000' })).code).toBe('INVALID_TWO_FACTOR_CODE');
      expect((await attempt({ backupCode: backupCodes[round]! })).__typename).toBe('SignInSuccess');
    }
    for (let i = 0; i < 4; i++) expect((await attempt({ code: '000000' })).code).toBe('INVALID_TWO_FACTOR_CODE');
    const locked = await attempt({ backupCode: backupCodes[6]! });
    expect(locked.__typename).toBe('RateLimitedError');
    expect(locked.retryAfterSeconds).toBeGreaterThan(3600);
  });
});
