import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, tokenFromMail, uniqueEmail, type TestServer } from './harness.js';
import { createAccount, ME } from './flows.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

type Account = Awaited<ReturnType<typeof createAccount>> & { id: string };

async function account(): Promise<Account> {
  const a = await createAccount(server);
  const me = await server.gql(`{ me { id } }`, {}, { token: a.token });
  return { ...a, id: me.data.me.id };
}

const RESULT = `__typename ... on Error { code message }`;

async function run(token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await server.gql(query, variables, { token });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return Object.values(res.data)[0] as Record<string, any>;
}

async function createOrganization(owner: Account, name = 'Acme') {
  const org = await run(
    owner.token,
    `mutation($n: String!) { createOrganization(input: { name: $n }) { ${RESULT} ... on Organization { id name viewerRole } } }`,
    { n: name },
  );
  expect(org.__typename).toBe('Organization');
  return org.id as string;
}

async function createProject(token: string, organizationId: string, name = 'Web') {
  return run(
    token,
    `mutation($o: ID!, $n: String!) { createProject(input: { organizationId: $o, name: $n }) { ${RESULT} ... on Project { id name viewerRole } } }`,
    { o: organizationId, n: name },
  );
}

async function inviteToOrganization(token: string, organizationId: string, email: string, role = 'MEMBER') {
  return run(
    token,
    `mutation($o: ID!, $e: String!, $r: OrganizationRole!) { inviteOrganizationMember(input: { organizationId: $o, email: $e, role: $r }) { ${RESULT} ... on Invitation { id status email } } }`,
    { o: organizationId, e: email, r: role },
  );
}

async function inviteToProject(token: string, projectId: string, email: string, role = 'DEVELOPER') {
  return run(
    token,
    `mutation($p: ID!, $e: String!, $r: ProjectRole!) { inviteProjectMember(input: { projectId: $p, email: $e, role: $r }) { ${RESULT} ... on Invitation { id status } } }`,
    { p: projectId, e: email, r: role },
  );
}

const accept = (token: string, invitationToken: string) =>
  run(
    token,
    `mutation($t: String!) { acceptInvitation(input: { token: $t }) { ${RESULT} ... on Invitation { status } } }`,
    { t: invitationToken },
  );

async function invitationToken(email: string) {
  return tokenFromMail((await server.lastMail(email, 'invitation')).text);
}

/** Owner's organization with `member` joined in `role`. */
async function organizationWith(owner: Account, member: Account, role = 'MEMBER') {
  const organizationId = await createOrganization(owner);
  await inviteToOrganization(owner.token, organizationId, member.email, role);
  expect((await accept(member.token, await invitationToken(member.email))).status).toBe('ACCEPTED');
  return organizationId;
}

const ORG = `query($id: ID!) { organization(id: $id) { id name viewerRole
  members { edges { node { role user { id email } } } }
  projects { edges { node { id name } } } } }`;

describe('organizations', () => {
  it('creates an organization owned by its creator, renames it, and lists it in me', async () => {
    const owner = await account();
    const id = await createOrganization(owner, 'Acme');
    const renamed = await run(
      owner.token,
      `mutation($o: ID!) { renameOrganization(input: { organizationId: $o, name: "Acme Inc" }) { ${RESULT} ... on Organization { name } } }`,
      { o: id },
    );
    expect(renamed.name).toBe('Acme Inc');
    const org = await server.gql(ORG, { id }, { token: owner.token });
    expect(org.data.organization).toMatchObject({ name: 'Acme Inc', viewerRole: 'OWNER' });
    expect(org.data.organization.members.edges).toHaveLength(1);
    const me = await server.gql(ME, {}, { token: owner.token });
    expect(me.data.me.organizations.edges.map((e: any) => e.node.organization.name)).toContain('Acme Inc');
  });

  it('refuses another organization to outsiders, and deleting a personal organization', async () => {
    const owner = await account();
    const stranger = await account();
    const id = await createOrganization(owner);
    const res = await server.gql(ORG, { id }, { token: stranger.token });
    expect(res.data.organization).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_ALLOWED');
    const rename = await run(
      stranger.token,
      `mutation($o: ID!) { renameOrganization(input: { organizationId: $o, name: "Mine" }) { ${RESULT} } }`,
      { o: id },
    );
    expect(rename.code).toBe('NOT_ALLOWED');
    const garbage = await run(
      stranger.token,
      `mutation { renameOrganization(input: { organizationId: "garbage", name: "Mine" }) { ${RESULT} } }`,
    );
    expect(garbage.code).toBe('NOT_ALLOWED');

    const me = await server.gql(ME, {}, { token: owner.token });
    const personal = me.data.me.organizations.edges.find((e: any) => e.node.organization.personal).node.organization.id;
    const del = await run(
      owner.token,
      `mutation($o: ID!) { deleteOrganization(input: { organizationId: $o }) { ${RESULT} } }`,
      { o: personal },
    );
    expect(del.code).toBe('NOT_ALLOWED');
    const ok = await run(
      owner.token,
      `mutation($o: ID!) { deleteOrganization(input: { organizationId: $o }) { ${RESULT} } }`,
      { o: id },
    );
    expect(ok.__typename).toBe('Deleted');
  });

  it('pages members with first/after on every database', async () => {
    const owner = await account();
    const id = await createOrganization(owner);
    for (let i = 0; i < 3; i++) await organizationWithExisting(owner, id, await account());
    const PAGE = `query($id: ID!, $after: String) { organization(id: $id) { members(first: 2, after: $after) {
      pageInfo { hasNextPage endCursor } edges { node { role } } } } }`;
    const first = await server.gql(PAGE, { id }, { token: owner.token });
    const page1 = first.data.organization.members;
    expect(page1.edges).toHaveLength(2);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const second = await server.gql(PAGE, { id, after: page1.pageInfo.endCursor }, { token: owner.token });
    expect(second.data.organization.members.edges).toHaveLength(2);
    expect(second.data.organization.members.pageInfo.hasNextPage).toBe(false);
    const huge = await server.gql(
      `query($id: ID!) { organization(id: $id) { members(first: 101) { edges { node { role } } } } }`,
      { id },
      { token: owner.token },
    );
    // `first` above the cap of 100 is clamped, not refused.
    expect(huge.errors).toBeUndefined();
    expect(huge.data.organization.members.edges).toHaveLength(4);
  });
});

async function organizationWithExisting(owner: Account, organizationId: string, member: Account, role = 'MEMBER') {
  await inviteToOrganization(owner.token, organizationId, member.email, role);
  expect((await accept(member.token, await invitationToken(member.email))).status).toBe('ACCEPTED');
}

describe('roles', () => {
  const CHANGE = `mutation($o: ID!, $u: ID!, $r: OrganizationRole!) { changeOrganizationMemberRole(input: { organizationId: $o, userId: $u, role: $r }) { ${RESULT} ... on OrganizationMembership { role } } }`;
  const REMOVE = `mutation($o: ID!, $u: ID!) { removeOrganizationMember(input: { organizationId: $o, userId: $u }) { ${RESULT} } }`;
  const LEAVE = `mutation($o: ID!) { leaveOrganization(input: { organizationId: $o }) { ${RESULT} } }`;

  it('lets no one grant above their own role, and only an owner make an owner', async () => {
    const owner = await account();
    const admin = await account();
    const member = await account();
    const org = await organizationWith(owner, admin, 'ADMIN');
    await organizationWithExisting(owner, org, member);

    expect((await run(admin.token, CHANGE, { o: org, u: member.id, r: 'OWNER' })).code).toBe('NOT_ALLOWED');
    expect((await run(admin.token, CHANGE, { o: org, u: admin.id, r: 'OWNER' })).code).toBe('NOT_ALLOWED');
    expect((await run(admin.token, CHANGE, { o: org, u: owner.id, r: 'MEMBER' })).code).toBe('NOT_ALLOWED');
    expect((await inviteToOrganization(admin.token, org, uniqueEmail('o'), 'OWNER')).code).toBe('NOT_ALLOWED');
    expect((await run(member.token, CHANGE, { o: org, u: member.id, r: 'ADMIN' })).code).toBe('NOT_ALLOWED');
    expect((await run(admin.token, CHANGE, { o: org, u: member.id, r: 'ADMIN' })).role).toBe('ADMIN');
    expect((await run(owner.token, CHANGE, { o: org, u: admin.id, r: 'OWNER' })).role).toBe('OWNER');
  });

  it('applies a role change and a removal on the very next request', async () => {
    const owner = await account();
    const admin = await account();
    const org = await organizationWith(owner, admin, 'ADMIN');
    expect((await createProject(admin.token, org)).__typename).toBe('Project');
    await run(owner.token, CHANGE, { o: org, u: admin.id, r: 'MEMBER' });
    expect((await createProject(admin.token, org)).code).toBe('NOT_ALLOWED');
    await run(owner.token, REMOVE, { o: org, u: admin.id });
    const res = await server.gql(ORG, { id: org }, { token: admin.token });
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_ALLOWED');
  });

  it('never loses its last owner: demotion, removal, leaving, account deletion', async () => {
    const owner = await account();
    const admin = await account();
    const org = await organizationWith(owner, admin, 'ADMIN');
    expect((await run(owner.token, CHANGE, { o: org, u: owner.id, r: 'ADMIN' })).code).toBe('CONFLICT');
    expect((await run(owner.token, LEAVE, { o: org })).code).toBe('CONFLICT');
    expect((await run(owner.token, REMOVE, { o: org, u: owner.id })).code).toBe('CONFLICT');
    const del = await run(
      owner.token,
      `mutation($p: String!) { deleteAccount(input: { password: $p }) { ${RESULT} } }`,
      { p: owner.password },
    );
    expect(del.code).toBe('CONFLICT');
    expect((await run(admin.token, LEAVE, { o: org })).__typename).toBe('Deleted');
  });

  it('keeps one owner when two owners demote each other at the same time', async () => {
    const first = await account();
    const second = await account();
    const org = await organizationWith(first, second, 'OWNER');
    const results = await Promise.all([
      run(first.token, CHANGE, { o: org, u: second.id, r: 'ADMIN' }),
      run(second.token, CHANGE, { o: org, u: first.id, r: 'ADMIN' }),
      run(first.token, LEAVE, { o: org }),
      run(second.token, LEAVE, { o: org }),
    ]);
    expect(
      results.some(
        (r) =>
          r.__typename !== 'ConflictError' && r.__typename !== 'NotAllowedError' && r.__typename !== 'NotFoundError',
      ),
    ).toBe(true);
    const owners = await server.services.db.organizationMember.count({
      where: { organizationId: decodeGlobalID(org).id, role: 'OWNER' },
    });
    expect(owners).toBe(1);
  });

  it('removes project memberships with the organization membership', async () => {
    const owner = await account();
    const dev = await account();
    const org = await createOrganization(owner);
    const project = await createProject(owner.token, org);
    await inviteToProject(owner.token, project.id, dev.email, 'DEVELOPER');
    expect((await accept(dev.token, await invitationToken(dev.email))).status).toBe('ACCEPTED');
    const seen = await server.gql(
      `query($id: ID!) { project(id: $id) { viewerRole } }`,
      { id: project.id },
      { token: dev.token },
    );
    expect(seen.data.project.viewerRole).toBe('DEVELOPER');
    await run(owner.token, REMOVE, { o: org, u: dev.id });
    expect(await server.services.db.projectMember.count({ where: { userId: decodeGlobalID(dev.id).id } })).toBe(0);
  });

  it('transfers ownership atomically after the password', async () => {
    const owner = await account();
    const admin = await account();
    const org = await organizationWith(owner, admin, 'ADMIN');
    const TRANSFER = `mutation($o: ID!, $u: ID!, $p: String!) { transferOwnership(input: { organizationId: $o, userId: $u, password: $p }) { ${RESULT} ... on Organization { viewerRole } } }`;
    expect((await run(owner.token, TRANSFER, { o: org, u: admin.id, p: 'wrong-password-1' })).code).toBe(
      'INVALID_CREDENTIALS',
    );
    expect((await run(admin.token, TRANSFER, { o: org, u: admin.id, p: admin.password })).code).toBe('NOT_ALLOWED');
    expect((await run(owner.token, TRANSFER, { o: org, u: admin.id, p: owner.password })).viewerRole).toBe('ADMIN');
    const org2 = await server.gql(ORG, { id: org }, { token: admin.token });
    expect(org2.data.organization.viewerRole).toBe('OWNER');
  });
});

describe('projects', () => {
  it('shows members only the projects they were added to; admins see all', async () => {
    const owner = await account();
    const member = await account();
    const org = await organizationWith(owner, member);
    const a = await createProject(owner.token, org, 'A');
    await createProject(owner.token, org, 'B');
    expect((await createProject(member.token, org)).code).toBe('NOT_ALLOWED');
    const asOwner = await server.gql(ORG, { id: org }, { token: owner.token });
    expect(asOwner.data.organization.projects.edges).toHaveLength(2);
    const asMember = await server.gql(ORG, { id: org }, { token: member.token });
    expect(asMember.data.organization.projects.edges).toHaveLength(0);
    const direct = await server.gql(
      `query($id: ID!) { project(id: $id) { name } }`,
      { id: a.id },
      { token: member.token },
    );
    expect(direct.errors?.[0]?.extensions?.code).toBe('NOT_ALLOWED');
  });

  it('refuses cross-organization access to projects, keys and invitations', async () => {
    const alice = await account();
    const mallory = await account();
    const aliceOrg = await createOrganization(alice);
    const project = await createProject(alice.token, aliceOrg);
    const key = await run(
      alice.token,
      `mutation($p: ID!) { createApiKey(input: { projectId: $p, name: "ci" }) { ${RESULT} ... on CreatedApiKey { apiKey { id } } } }`,
      { p: project.id },
    );
    for (const [q, v] of [
      [`mutation($p: ID!) { createApiKey(input: { projectId: $p, name: "x" }) { ${RESULT} } }`, { p: project.id }],
      [`mutation($p: ID!) { renameProject(input: { projectId: $p, name: "x" }) { ${RESULT} } }`, { p: project.id }],
      [`mutation($p: ID!) { deleteProject(input: { projectId: $p }) { ${RESULT} } }`, { p: project.id }],
      [
        `mutation($p: ID!) { inviteProjectMember(input: { projectId: $p, email: "m@example.com", role: ADMIN }) { ${RESULT} } }`,
        { p: project.id },
      ],
      [`mutation($k: ID!) { revokeApiKey(input: { apiKeyId: $k }) { ${RESULT} } }`, { k: key.apiKey.id }],
    ] as const) {
      const res = await run(mallory.token, q, v);
      expect(['NOT_ALLOWED', 'NOT_FOUND']).toContain(res.code);
    }
  });
});

describe('invitations', () => {
  const PREVIEW = `query($t: String!) { invitation(token: $t) { organizationName projectName invitedByName role expired open } }`;

  it('previews, then lets only the verified invited address accept, once', async () => {
    const owner = await account();
    const invitee = await account();
    const other = await account();
    const org = await createOrganization(owner, 'Globex');
    const inv = await inviteToOrganization(owner.token, org, invitee.email.toUpperCase(), 'ADMIN');
    expect(inv).toMatchObject({ __typename: 'Invitation', status: 'PENDING', email: invitee.email });
    const token = await invitationToken(invitee.email);
    const preview = await server.gql(PREVIEW, { t: token });
    expect(preview.data.invitation).toEqual({
      organizationName: 'Globex',
      projectName: null,
      invitedByName: 'Ada Lovelace',
      role: 'ADMIN',
      expired: false,
      open: true,
    });
    expect((await server.gql(PREVIEW, { t: 'swi_unknown' })).data.invitation).toBeNull();

    expect((await accept(other.token, token)).code).toBe('NOT_ALLOWED');
    const mine = await server.gql(
      `{ me { invitations { id status organization { name } } } }`,
      {},
      { token: invitee.token },
    );
    expect(mine.data.me.invitations).toEqual([{ id: inv.id, status: 'PENDING', organization: { name: 'Globex' } }]);
    expect((await accept(invitee.token, token)).status).toBe('ACCEPTED');
    expect((await accept(invitee.token, token)).code).toBe('INVALID_TOKEN');
    const org2 = await server.gql(ORG, { id: org }, { token: invitee.token });
    expect(org2.data.organization.viewerRole).toBe('ADMIN');
    expect((await inviteToOrganization(owner.token, org, invitee.email)).code).toBe('CONFLICT');
  });

  it('refuses an unverified account with the invited address', async () => {
    const owner = await account();
    const org = await createOrganization(owner);
    const email = uniqueEmail('unverified');
    await server.gql(
      `mutation($e: String!) { signUp(input: { email: $e, password: "plum-orbit-canvas-91", name: "U" }) { __typename } }`,
      { e: email },
    );
    const res = await server.gql(
      `mutation($i: SignInEmailPasswordInput!) { signInEmailPassword(input: $i) { ... on SignInSuccess { token } } }`,
      { i: { email, password: 'plum-orbit-canvas-91' } },
    );
    await inviteToOrganization(owner.token, org, email);
    expect((await accept(res.data.signInEmailPassword.token, await invitationToken(email))).code).toBe('NOT_ALLOWED');
  });

  it('replaces a pending invitation, and a resend kills the old link; revoked, declined and expired ones never work', async () => {
    const owner = await account();
    const invitee = await account();
    const org = await createOrganization(owner);
    await inviteToOrganization(owner.token, org, invitee.email);
    const first = await invitationToken(invitee.email);
    const second = await inviteToOrganization(owner.token, org, invitee.email);
    const secondToken = await invitationToken(invitee.email);
    expect((await server.gql(PREVIEW, { t: first })).data.invitation.open).toBe(false);

    await run(owner.token, `mutation($i: ID!) { resendInvitation(input: { invitationId: $i }) { ${RESULT} } }`, {
      i: second.id,
    });
    const third = await invitationToken(invitee.email);
    expect(third).not.toBe(secondToken);
    expect((await server.gql(PREVIEW, { t: secondToken })).data.invitation).toBeNull();

    const declined = await run(
      invitee.token,
      `mutation($t: String!) { declineInvitation(input: { token: $t }) { ${RESULT} ... on Invitation { status } } }`,
      { t: third },
    );
    expect(declined.status).toBe('DECLINED');
    expect((await accept(invitee.token, third)).code).toBe('INVALID_TOKEN');

    const again = await inviteToOrganization(owner.token, org, invitee.email);
    const revokedToken = await invitationToken(invitee.email);
    await run(owner.token, `mutation($i: ID!) { revokeInvitation(input: { invitationId: $i }) { ${RESULT} } }`, {
      i: again.id,
    });
    expect((await accept(invitee.token, revokedToken)).code).toBe('INVALID_TOKEN');

    await inviteToOrganization(owner.token, org, invitee.email);
    const expiring = await invitationToken(invitee.email);
    await server.services.db.invitation.updateMany({
      where: { status: 'PENDING' },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect((await server.gql(PREVIEW, { t: expiring })).data.invitation).toMatchObject({ expired: true, open: false });
    expect((await accept(invitee.token, expiring)).code).toBe('INVALID_TOKEN');
  });
});

describe('API keys', () => {
  const CREATE = `mutation($p: ID!, $n: String!, $x: DateTime) { createApiKey(input: { projectId: $p, name: $n, expiresAt: $x }) { ${RESULT} ... on CreatedApiKey { secret apiKey { id prefix name } } } }`;
  const VIEWER_KEY = `{ viewerApiKey { name project { id name } } }`;

  async function setup() {
    const owner = await account();
    const dev = await account();
    const org = await createOrganization(owner);
    const project = await createProject(owner.token, org);
    await inviteToProject(owner.token, project.id, dev.email, 'DEVELOPER');
    await accept(dev.token, await invitationToken(dev.email));
    return { owner, dev, org, project };
  }

  it('returns the secret once, stores only its hash, and lets the key read its own project only', async () => {
    const { owner, dev, project, org } = await setup();
    const created = await run(dev.token, CREATE, { p: project.id, n: 'deploy' });
    expect(created.secret).toMatch(/^sw_key_[A-Za-z0-9_-]{43}$/);
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);
    const stored = JSON.stringify(await server.services.db.apiKey.findMany());
    expect(stored).not.toContain(created.secret);

    const list = await server.gql(
      `query($id: ID!) { project(id: $id) { apiKeys { edges { node { name prefix createdBy { name } lastUsedAt } } } } }`,
      { id: project.id },
      { token: owner.token },
    );
    expect(list.data.project.apiKeys.edges[0].node).toMatchObject({ name: 'deploy', prefix: created.apiKey.prefix });

    const key = created.secret;
    expect((await server.gql(VIEWER_KEY, {}, { token: key })).data.viewerApiKey).toEqual({
      name: 'deploy',
      project: { id: project.id, name: 'Web' },
    });
    expect(
      (await server.gql(`query($id: ID!) { project(id: $id) { name } }`, { id: project.id }, { token: key })).data
        .project.name,
    ).toBe('Web');
    expect((await server.gql(ME, {}, { token: key })).data.me).toBeNull();
    expect((await server.gql(ORG, { id: org }, { token: key })).errors?.[0]?.extensions?.code).toBe('NOT_ALLOWED');
    const other = await createProject(owner.token, org, 'Other');
    expect(
      (await server.gql(`query($id: ID!) { project(id: $id) { name } }`, { id: other.id }, { token: key })).errors?.[0]
        ?.extensions?.code,
    ).toBe('NOT_ALLOWED');
    const members = await server.gql(
      `query($id: ID!) { project(id: $id) { members { edges { node { role } } } } }`,
      { id: project.id },
      { token: key },
    );
    expect(members.errors?.[0]?.extensions?.code).toBe('NOT_ALLOWED');
    for (const q of [
      [CREATE, { p: project.id, n: 'more' }],
      [`mutation { changePassword(input: { currentPassword: "a", newPassword: "b" }) { ${RESULT} } }`, {}],
      [`mutation { signOut { ${RESULT} } }`, {}],
    ] as const) {
      const res = await server.gql(q[0], q[1], { token: key });
      expect(['NOT_ALLOWED', 'UNAUTHENTICATED']).toContain(Object.values(res.data)[0].code);
    }
    // A key is never taken from a cookie.
    expect(
      (await server.gql(VIEWER_KEY, {}, { headers: { cookie: `suward_session=${key}` } })).data.viewerApiKey,
    ).toBeNull();
  });

  it('stops working when revoked, expired, its project deleted, or its creator loses access', async () => {
    const { owner, dev, project } = await setup();
    const works = async (key: string) => (await server.gql(VIEWER_KEY, {}, { token: key })).data.viewerApiKey !== null;

    const revoked = await run(dev.token, CREATE, { p: project.id, n: 'r' });
    expect(await works(revoked.secret)).toBe(true);
    await run(dev.token, `mutation($k: ID!) { revokeApiKey(input: { apiKeyId: $k }) { ${RESULT} } }`, {
      k: revoked.apiKey.id,
    });
    expect(await works(revoked.secret)).toBe(false);

    const past = await run(dev.token, CREATE, { p: project.id, n: 'x', x: new Date(Date.now() - 1000).toISOString() });
    expect(past.code).toBe('INVALID_INPUT');
    const expiring = await run(dev.token, CREATE, {
      p: project.id,
      n: 'e',
      x: new Date(Date.now() + 60_000).toISOString(),
    });
    await server.services.db.apiKey.update({
      where: { id: decodeGlobalID(expiring.apiKey.id).id },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    expect(await works(expiring.secret)).toBe(false);

    const creatorLeaves = await run(dev.token, CREATE, { p: project.id, n: 'c' });
    expect(await works(creatorLeaves.secret)).toBe(true);
    await run(
      owner.token,
      `mutation($p: ID!, $u: ID!) { removeProjectMember(input: { projectId: $p, userId: $u }) { ${RESULT} } }`,
      { p: project.id, u: dev.id },
    );
    expect(await works(creatorLeaves.secret)).toBe(false);

    const ownerKey = await run(owner.token, CREATE, { p: project.id, n: 'o' });
    expect(await works(ownerKey.secret)).toBe(true);
    await run(owner.token, `mutation($p: ID!) { deleteProject(input: { projectId: $p }) { ${RESULT} } }`, {
      p: project.id,
    });
    expect(await works(ownerKey.secret)).toBe(false);
  });

  it('lets a developer revoke only their own keys, and viewers create none', async () => {
    const { owner, dev, project } = await setup();
    const viewer = await account();
    await inviteToProject(owner.token, project.id, viewer.email, 'VIEWER');
    await accept(viewer.token, await invitationToken(viewer.email));
    expect((await run(viewer.token, CREATE, { p: project.id, n: 'v' })).code).toBe('NOT_ALLOWED');
    const ownerKey = await run(owner.token, CREATE, { p: project.id, n: 'o' });
    const res = await run(dev.token, `mutation($k: ID!) { revokeApiKey(input: { apiKeyId: $k }) { ${RESULT} } }`, {
      k: ownerKey.apiKey.id,
    });
    expect(res.code).toBe('NOT_ALLOWED');
  });
});

describe('audit', () => {
  it('writes who did what in which organization and project', async () => {
    const owner = await account();
    const org = await createOrganization(owner);
    const project = await createProject(owner.token, org);
    await run(owner.token, `mutation($p: ID!) { createApiKey(input: { projectId: $p, name: "a" }) { ${RESULT} } }`, {
      p: project.id,
    });
    await inviteToOrganization(owner.token, org, uniqueEmail('audit'));
    const events = await server.services.db.auditEvent.findMany({ where: { organizationId: decodeGlobalID(org).id } });
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['organization.created', 'project.created', 'api_key.created', 'invitation.created']),
    );
    expect(events.every((e) => e.actorId === decodeGlobalID(owner.id).id)).toBe(true);
  });
});
