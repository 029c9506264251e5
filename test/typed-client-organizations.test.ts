// The typed documents for organizations, projects, invitations, API keys, password reset, email
// change and the audit log, in one story against a live server: a schema change that breaks one
// of them fails here (or already at `tsc`).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getOperationAST, type DocumentNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as generated from '../client/generated/graphql.js';
import {
  AcceptInvitationDocument,
  ChangeEmailDocument,
  ChangeOrganizationMemberRoleDocument,
  ChangeProjectMemberRoleDocument,
  CompletePasswordResetDocument,
  ConfirmEmailChangeDocument,
  CreateApiKeyDocument,
  CreateOrganizationDocument,
  CreateProjectDocument,
  DeclineInvitationDocument,
  DeleteOrganizationDocument,
  DeleteProjectDocument,
  InitPasswordResetDocument,
  InvitationPreviewDocument,
  InviteOrganizationMemberDocument,
  InviteProjectMemberDocument,
  LeaveOrganizationDocument,
  MeDocument,
  MyInvitationsDocument,
  MySecurityEventsDocument,
  OrganizationAuditLogDocument,
  OrganizationDetailsDocument,
  OrganizationInvitationsDocument,
  ProjectApiKeysDocument,
  ProjectDetailsDocument,
  RemoveOrganizationMemberDocument,
  RemoveProjectMemberDocument,
  RenameOrganizationDocument,
  RenameProjectDocument,
  ResendInvitationDocument,
  RevokeApiKeyDocument,
  RevokeInvitationDocument,
  SignInDocument,
  SignUpDocument,
  TransferOwnershipDocument,
  VerifyEmailDocument,
  ViewerApiKeyDocument,
} from '../client/generated/graphql.js';
import { createClient, GraphQLRequestError, type Client } from '../client/request.js';
import { goodPassword, startServer, tokenFromMail, uniqueEmail, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.close());

// Every operation sent through connect() is noted, to check at the end that none was skipped.
const used = new Set<string>();
function connect(token?: string): Client {
  const client = createClient(server.url, token ? { token } : {});
  const request = ((document: DocumentNode, ...variables: unknown[]) => {
    used.add(getOperationAST(document)?.name?.value ?? '?');
    return (client.request as (d: DocumentNode, ...v: unknown[]) => Promise<unknown>)(document, ...variables);
  }) as Client['request'];
  return { request, setToken: client.setToken };
}

/** Narrows a result union to the member named, or fails with what came instead. */
function expectType<R extends { __typename: string }, N extends R['__typename']>(result: R, name: N) {
  if (result.__typename !== name) throw new Error(`expected ${name}, got ${JSON.stringify(result)}`);
  return result as Extract<R, { __typename: N }>;
}

/** A query refused with a GraphQL error carrying `code`. */
async function expectRefused(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphQLRequestError);
  expect((error as GraphQLRequestError).errors.map((e) => e.extensions?.code)).toContain(code);
}

async function signIn(email: string, password: string) {
  const result = (await connect().request(SignInDocument, { input: { email, password } })).signInEmailPassword;
  const success = expectType(result, 'SignInSuccess');
  return { id: success.user.id, token: success.token, client: connect(success.token) };
}

async function account(name: string) {
  const email = uniqueEmail(name.toLowerCase());
  const anonymous = connect();
  expectType(
    (await anonymous.request(SignUpDocument, { input: { email, password: goodPassword, name } })).signUp,
    'EmailSent',
  );
  const mail = await server.lastMail(email, 'verify-email');
  expectType(
    (await anonymous.request(VerifyEmailDocument, { token: tokenFromMail(mail.text) })).verifyEmail,
    'EmailVerified',
  );
  return { name, email, password: goodPassword, ...(await signIn(email, goodPassword)) };
}

const invitationToken = async (email: string) => tokenFromMail((await server.lastMail(email, 'invitation')).text);

describe('the typed client for organizations, invitations, API keys, recovery and the audit log', () => {
  it('goes through a team’s life from the first project to the deleted organization', async () => {
    const anonymous = connect();
    const olivia = await account('Olivia');
    const sam = await account('Sam');
    const tess = await account('Tess');
    const uma = await account('Uma');

    // Olivia sets up an organization and a project.
    const created = expectType(
      (await olivia.client.request(CreateOrganizationDocument, { name: 'Acme' })).createOrganization,
      'Organization',
    );
    expect(created).toMatchObject({ name: 'Acme', personal: false, viewerRole: 'OWNER' });
    const orgId = created.id;
    const blank = expectType(
      (await olivia.client.request(CreateOrganizationDocument, { name: '' })).createOrganization,
      'InvalidInputError',
    );
    expect(blank).toMatchObject({ code: 'INVALID_INPUT', field: expect.any(String) });
    const renamed = (
      await olivia.client.request(RenameOrganizationDocument, { organizationId: orgId, name: 'Acme Inc' })
    ).renameOrganization;
    expect(renamed).toEqual({ __typename: 'Organization', id: orgId, name: 'Acme Inc' });
    const project = expectType(
      (await olivia.client.request(CreateProjectDocument, { organizationId: orgId, name: 'Web' })).createProject,
      'Project',
    );
    expect(project).toMatchObject({ name: 'Web', viewerRole: 'ADMIN', organization: { id: orgId } });
    const projectId = project.id;
    expect((await olivia.client.request(RenameProjectDocument, { projectId, name: 'Web app' })).renameProject).toEqual({
      __typename: 'Project',
      id: projectId,
      name: 'Web app',
    });

    // Sam is invited to the organization, previews the link and accepts it.
    const invited = expectType(
      (
        await olivia.client.request(InviteOrganizationMemberDocument, {
          input: { organizationId: orgId, email: sam.email, role: 'MEMBER' },
        })
      ).inviteOrganizationMember,
      'Invitation',
    );
    expect(invited).toMatchObject({ email: sam.email, status: 'PENDING', organizationRole: 'MEMBER' });
    const samToken = await invitationToken(sam.email);
    expect((await anonymous.request(InvitationPreviewDocument, { token: samToken })).invitation).toEqual({
      organizationName: 'Acme Inc',
      projectName: null,
      invitedByName: 'Olivia',
      role: 'MEMBER',
      expired: false,
      open: true,
    });
    expect((await anonymous.request(InvitationPreviewDocument, { token: 'swi_unknown' })).invitation).toBeNull();
    const pending = (await olivia.client.request(OrganizationInvitationsDocument, { organizationId: orgId }))
      .organization;
    expect(pending?.invitations.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ id: invited.id, email: sam.email, status: 'PENDING', expired: false, project: null }),
    ]);
    const inbox = (await sam.client.request(MyInvitationsDocument)).me;
    expect(inbox?.invitations).toEqual([
      expect.objectContaining({
        id: invited.id,
        organizationRole: 'MEMBER',
        organization: { name: 'Acme Inc' },
        invitedBy: { name: 'Olivia' },
      }),
    ]);
    // Only the invited address may accept.
    expect(
      expectType(
        (await tess.client.request(AcceptInvitationDocument, { token: samToken })).acceptInvitation,
        'NotAllowedError',
      ).code,
    ).toBe('NOT_ALLOWED');
    const accepted = expectType(
      (await sam.client.request(AcceptInvitationDocument, { token: samToken })).acceptInvitation,
      'Invitation',
    );
    expect(accepted).toMatchObject({
      status: 'ACCEPTED',
      organization: { id: orgId, viewerRole: 'MEMBER' },
      project: null,
    });
    expect((await anonymous.request(InvitationPreviewDocument, { token: samToken })).invitation?.open).toBe(false);
    expect((await sam.client.request(AcceptInvitationDocument, { token: samToken })).acceptInvitation.__typename).toBe(
      'InvalidTokenError',
    );
    expect((await sam.client.request(MyInvitationsDocument)).me?.invitations).toEqual([]);

    // A plain member sees the organization but no projects; as ADMIN, every project.
    const asMember = (await sam.client.request(OrganizationDetailsDocument, { id: orgId })).organization;
    expect(asMember).toMatchObject({ viewerRole: 'MEMBER', projects: { edges: [] } });
    expect(asMember?.members.edges.map((e) => [e.node.user.email, e.node.role]).sort()).toEqual(
      [
        [olivia.email, 'OWNER'],
        [sam.email, 'MEMBER'],
      ].sort(),
    );
    const promoted = expectType(
      (
        await olivia.client.request(ChangeOrganizationMemberRoleDocument, {
          input: { organizationId: orgId, userId: sam.id, role: 'ADMIN' },
        })
      ).changeOrganizationMemberRole,
      'OrganizationMembership',
    );
    expect(promoted).toMatchObject({ role: 'ADMIN', user: { id: sam.id }, organization: { id: orgId } });
    const asAdmin = (await sam.client.request(OrganizationDetailsDocument, { id: orgId, first: 1 })).organization;
    expect(asAdmin?.viewerRole).toBe('ADMIN');
    expect(asAdmin?.projects.edges.map((e) => e.node)).toEqual([
      { id: projectId, name: 'Web app', viewerRole: 'ADMIN' },
    ]);
    expect(asAdmin?.members.edges).toHaveLength(1);
    expect(asAdmin?.members.pageInfo.hasNextPage).toBe(true);
    const rest = (
      await sam.client.request(OrganizationDetailsDocument, {
        id: orgId,
        first: 1,
        after: asAdmin!.members.pageInfo.endCursor,
      })
    ).organization;
    expect(rest?.members.pageInfo.hasNextPage).toBe(false);
    // The last owner cannot step down.
    const lastOwner = (
      await olivia.client.request(ChangeOrganizationMemberRoleDocument, {
        input: { organizationId: orgId, userId: olivia.id, role: 'ADMIN' },
      })
    ).changeOrganizationMemberRole;
    expect(expectType(lastOwner, 'ConflictError').code).toBe('CONFLICT');

    // Tess is invited to the project only, which makes her an organization MEMBER too.
    const projectInvitation = expectType(
      (
        await sam.client.request(InviteProjectMemberDocument, {
          input: { projectId, email: tess.email, role: 'DEVELOPER' },
        })
      ).inviteProjectMember,
      'Invitation',
    );
    expect(projectInvitation).toMatchObject({
      status: 'PENDING',
      projectRole: 'DEVELOPER',
      project: { id: projectId },
    });
    const tessToken = await invitationToken(tess.email);
    expect((await anonymous.request(InvitationPreviewDocument, { token: tessToken })).invitation).toMatchObject({
      organizationName: 'Acme Inc',
      projectName: 'Web app',
      invitedByName: 'Sam',
      role: 'DEVELOPER',
      open: true,
    });
    const joined = expectType(
      (await tess.client.request(AcceptInvitationDocument, { token: tessToken })).acceptInvitation,
      'Invitation',
    );
    expect(joined).toMatchObject({
      status: 'ACCEPTED',
      organization: { viewerRole: 'MEMBER' },
      project: { id: projectId, viewerRole: 'DEVELOPER' },
    });
    const projectSeen = (await olivia.client.request(ProjectDetailsDocument, { id: projectId })).project;
    expect(projectSeen).toMatchObject({
      name: 'Web app',
      viewerRole: 'ADMIN',
      organization: { id: orgId, name: 'Acme Inc' },
    });
    expect(projectSeen?.members.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({ role: 'DEVELOPER', user: { id: tess.id, email: tess.email } }),
    ]);

    // As VIEWER she may not make keys; as DEVELOPER again she may.
    const demoted = (
      await olivia.client.request(ChangeProjectMemberRoleDocument, {
        input: { projectId, userId: tess.id, role: 'VIEWER' },
      })
    ).changeProjectMemberRole;
    expect(demoted).toEqual({ __typename: 'ProjectMembership', role: 'VIEWER', user: { id: tess.id } });
    const refusedKey = (await tess.client.request(CreateApiKeyDocument, { input: { projectId, name: 'ci' } }))
      .createApiKey;
    expect(expectType(refusedKey, 'NotAllowedError').code).toBe('NOT_ALLOWED');
    expectType(
      (
        await olivia.client.request(ChangeProjectMemberRoleDocument, {
          input: { projectId, userId: tess.id, role: 'DEVELOPER' },
        })
      ).changeProjectMemberRole,
      'ProjectMembership',
    );

    // An API key: created once with its secret, used as a bearer, listed, revoked.
    const createdKey = expectType(
      (await tess.client.request(CreateApiKeyDocument, { input: { projectId, name: 'ci' } })).createApiKey,
      'CreatedApiKey',
    );
    expect(createdKey.secret).toMatch(/^sw_key_/);
    expect(createdKey.apiKey).toMatchObject({ name: 'ci', active: true, expiresAt: null });
    expect(createdKey.secret.startsWith(createdKey.apiKey.prefix)).toBe(true);
    const service = connect(createdKey.secret);
    const viewerKey = (await service.request(ViewerApiKeyDocument)).viewerApiKey;
    expect(viewerKey).toMatchObject({
      id: createdKey.apiKey.id,
      name: 'ci',
      active: true,
      project: { id: projectId, name: 'Web app' },
    });
    expect((await service.request(MeDocument)).me).toBeNull();
    expect((await tess.client.request(ViewerApiKeyDocument)).viewerApiKey).toBeNull();
    // A key reads its own project, but not its members and nothing of the organization.
    await expectRefused(service.request(ProjectDetailsDocument, { id: projectId }), 'NOT_ALLOWED');
    await expectRefused(service.request(OrganizationDetailsDocument, { id: orgId }), 'NOT_ALLOWED');
    const keys = (await olivia.client.request(ProjectApiKeysDocument, { projectId })).project?.apiKeys.edges.map(
      (e) => e.node,
    );
    expect(keys).toEqual([
      expect.objectContaining({ id: createdKey.apiKey.id, active: true, revokedAt: null, createdBy: { id: tess.id } }),
    ]);
    expect(keys?.[0]?.lastUsedAt).not.toBeNull();
    const revoked = expectType(
      (await olivia.client.request(RevokeApiKeyDocument, { apiKeyId: createdKey.apiKey.id })).revokeApiKey,
      'ApiKey',
    );
    expect(revoked).toMatchObject({ active: false, revokedAt: expect.any(String) });
    expect((await service.request(ViewerApiKeyDocument)).viewerApiKey).toBeNull();
    expect(
      (await tess.client.request(ProjectApiKeysDocument, { projectId })).project?.apiKeys.edges[0]?.node.active,
    ).toBe(false);

    // The organization's audit log (OWNER and ADMIN), filtered by action and by actor.
    const log = (await olivia.client.request(OrganizationAuditLogDocument, { organizationId: orgId, first: 100 }))
      .organization;
    const actions = log!.auditLog.edges.map((e) => e.node.action);
    for (const action of [
      'organization.created',
      'organization.renamed',
      'project.created',
      'invitation.accepted',
      'api_key.created',
      'api_key.revoked',
    ])
      expect(actions).toContain(action);
    expect(actions.at(-1)).toBe('organization.created');
    const keyEvents = (
      await sam.client.request(OrganizationAuditLogDocument, { organizationId: orgId, action: 'api_key.created' })
    ).organization;
    expect(keyEvents?.auditLog.edges.map((e) => e.node)).toEqual([
      expect.objectContaining({
        action: 'api_key.created',
        actor: { id: tess.id, email: tess.email },
        targetType: expect.any(String),
      }),
    ]);
    expect(JSON.parse(keyEvents!.auditLog.edges[0]!.node.metadata ?? '{}')).toEqual(expect.any(Object));
    const bySam = (await olivia.client.request(OrganizationAuditLogDocument, { organizationId: orgId, actor: sam.id }))
      .organization;
    expect(bySam?.auditLog.edges.length).toBeGreaterThan(0);
    expect(bySam?.auditLog.edges.every((e) => e.node.actor?.id === sam.id)).toBe(true);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      (await olivia.client.request(OrganizationAuditLogDocument, { organizationId: orgId, since: future })).organization
        ?.auditLog.edges,
    ).toEqual([]);
    await expectRefused(tess.client.request(OrganizationAuditLogDocument, { organizationId: orgId }), 'NOT_ALLOWED');

    // The account's own events, a page at a time.
    const page1 = (await tess.client.request(MySecurityEventsDocument, { first: 2 })).me!.securityEvents;
    expect(page1.edges).toHaveLength(2);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await tess.client.request(MySecurityEventsDocument, { first: 100, after: page1.pageInfo.endCursor }))
      .me!.securityEvents;
    const own = [...page1.edges, ...page2.edges].map((e) => e.node.action);
    expect(own).toContain('api_key.created');
    expect(own.at(-1)).toBe('account.signed_up');

    // Tess loses the project, then leaves the organization.
    const removedFromProject = (
      await olivia.client.request(RemoveProjectMemberDocument, { projectId, userId: tess.id })
    ).removeProjectMember;
    expect(removedFromProject).toEqual({ __typename: 'Deleted', id: tess.id });
    await expectRefused(tess.client.request(ProjectDetailsDocument, { id: projectId }), 'NOT_ALLOWED');
    expect((await tess.client.request(LeaveOrganizationDocument, { organizationId: orgId })).leaveOrganization).toEqual(
      {
        __typename: 'Deleted',
        id: orgId,
      },
    );
    await expectRefused(tess.client.request(OrganizationDetailsDocument, { id: orgId }), 'NOT_ALLOWED');
    expect(
      expectType(
        (await olivia.client.request(LeaveOrganizationDocument, { organizationId: orgId })).leaveOrganization,
        'ConflictError',
      ).code,
    ).toBe('CONFLICT');

    // Sam forgot his password: a reset from the mailed link ends his sessions.
    const unknown = uniqueEmail('nobody');
    expect((await anonymous.request(InitPasswordResetDocument, { email: unknown })).initPasswordReset).toEqual({
      __typename: 'EmailSent',
      email: unknown,
    });
    expect(
      (await anonymous.request(InitPasswordResetDocument, { email: sam.email.toUpperCase() })).initPasswordReset,
    ).toEqual({
      __typename: 'EmailSent',
      email: sam.email,
    });
    const resetToken = tokenFromMail((await server.lastMail(sam.email, 'password-reset')).text);
    const weak = (
      await anonymous.request(CompletePasswordResetDocument, { input: { token: resetToken, newPassword: 'short' } })
    ).completePasswordReset;
    expect(expectType(weak, 'WeakPasswordError').reason).toBe('TOO_SHORT');
    const samPassword = 'quiet-harbour-violin-38';
    const reset = (
      await anonymous.request(CompletePasswordResetDocument, { input: { token: resetToken, newPassword: samPassword } })
    ).completePasswordReset;
    expect(reset).toEqual({ __typename: 'PasswordResetComplete', email: sam.email });
    expect((await sam.client.request(MeDocument)).me).toBeNull();
    const again = (
      await anonymous.request(CompletePasswordResetDocument, {
        input: { token: resetToken, newPassword: 'another-fine-phrase-5' },
      })
    ).completePasswordReset;
    expect(expectType(again, 'InvalidTokenError').code).toBe('INVALID_TOKEN');
    const samNow = await signIn(sam.email, samPassword);

    // Sam moves to a new address, confirmed from the link mailed there.
    const newEmail = uniqueEmail('sam.new');
    const wrong = (await samNow.client.request(ChangeEmailDocument, { input: { newEmail, password: goodPassword } }))
      .changeEmail;
    expect(expectType(wrong, 'InvalidCredentialsError').code).toBe('INVALID_CREDENTIALS');
    const badAddress = (
      await samNow.client.request(ChangeEmailDocument, { input: { newEmail: 'not-an-address', password: samPassword } })
    ).changeEmail;
    expect(expectType(badAddress, 'InvalidInputError').field).toBeTruthy();
    expect(
      (await samNow.client.request(ChangeEmailDocument, { input: { newEmail, password: samPassword } })).changeEmail,
    ).toEqual({
      __typename: 'EmailSent',
      email: newEmail,
    });
    const confirmToken = tokenFromMail((await server.lastMail(newEmail, 'confirm-email-change')).text);
    expect((await anonymous.request(ConfirmEmailChangeDocument, { token: confirmToken })).confirmEmailChange).toEqual({
      __typename: 'EmailChanged',
      email: newEmail,
    });
    await server.lastMail(sam.email, 'email-changed');
    expect((await samNow.client.request(MeDocument)).me?.email).toBe(newEmail);
    const samNew = await signIn(newEmail, samPassword);
    expect(samNew.id).toBe(sam.id);

    // Uma's invitation is mailed again (the first link dies), and she declines.
    const umaInvite = expectType(
      (
        await samNew.client.request(InviteOrganizationMemberDocument, {
          input: { organizationId: orgId, email: uma.email, role: 'ADMIN' },
        })
      ).inviteOrganizationMember,
      'Invitation',
    );
    const firstLink = await invitationToken(uma.email);
    const resent = expectType(
      (await samNew.client.request(ResendInvitationDocument, { invitationId: umaInvite.id })).resendInvitation,
      'Invitation',
    );
    expect(resent).toMatchObject({ id: umaInvite.id, status: 'PENDING' });
    const secondLink = await invitationToken(uma.email);
    expect(secondLink).not.toBe(firstLink);
    expect(
      (await uma.client.request(DeclineInvitationDocument, { token: firstLink })).declineInvitation.__typename,
    ).toBe('InvalidTokenError');
    expect((await uma.client.request(DeclineInvitationDocument, { token: secondLink })).declineInvitation).toEqual({
      __typename: 'Invitation',
      id: umaInvite.id,
      status: 'DECLINED',
    });
    expect((await anonymous.request(InvitationPreviewDocument, { token: secondLink })).invitation?.open).toBe(false);

    // An invitation to an address without an account yet is revoked before anyone follows it.
    const newcomer = uniqueEmail('newcomer');
    const toRevoke = expectType(
      (
        await olivia.client.request(InviteOrganizationMemberDocument, {
          input: { organizationId: orgId, email: newcomer, role: 'MEMBER' },
        })
      ).inviteOrganizationMember,
      'Invitation',
    );
    const newcomerLink = await invitationToken(newcomer);
    expect(
      (await olivia.client.request(RevokeInvitationDocument, { invitationId: toRevoke.id })).revokeInvitation,
    ).toEqual({
      __typename: 'Deleted',
      id: toRevoke.id,
    });
    expect((await anonymous.request(InvitationPreviewDocument, { token: newcomerLink })).invitation?.open).toBe(false);
    const revokedAgain = (await olivia.client.request(RevokeInvitationDocument, { invitationId: toRevoke.id }))
      .revokeInvitation;
    expect(expectType(revokedAgain, 'NotFoundError').code).toBe('NOT_FOUND');
    expect(
      (await olivia.client.request(OrganizationInvitationsDocument, { organizationId: orgId })).organization
        ?.invitations.edges,
    ).toEqual([]);

    // Uma joins after all, and is removed again.
    expectType(
      (
        await olivia.client.request(InviteOrganizationMemberDocument, {
          input: { organizationId: orgId, email: uma.email, role: 'MEMBER' },
        })
      ).inviteOrganizationMember,
      'Invitation',
    );
    expectType(
      (await uma.client.request(AcceptInvitationDocument, { token: await invitationToken(uma.email) }))
        .acceptInvitation,
      'Invitation',
    );
    expect(
      (await olivia.client.request(RemoveOrganizationMemberDocument, { organizationId: orgId, userId: uma.id }))
        .removeOrganizationMember,
    ).toEqual({
      __typename: 'Deleted',
      id: uma.id,
    });
    await expectRefused(uma.client.request(OrganizationDetailsDocument, { id: orgId }), 'NOT_ALLOWED');

    // Olivia hands the organization to Sam; then only Sam can delete it.
    const badTransfer = (
      await olivia.client.request(TransferOwnershipDocument, {
        input: { organizationId: orgId, userId: sam.id, password: 'not-my-password-0' },
      })
    ).transferOwnership;
    expect(expectType(badTransfer, 'InvalidCredentialsError').code).toBe('INVALID_CREDENTIALS');
    const transferred = (
      await olivia.client.request(TransferOwnershipDocument, {
        input: { organizationId: orgId, userId: sam.id, password: olivia.password },
      })
    ).transferOwnership;
    expect(transferred).toEqual({ __typename: 'Organization', id: orgId, viewerRole: 'ADMIN' });
    expect((await samNew.client.request(OrganizationDetailsDocument, { id: orgId })).organization?.viewerRole).toBe(
      'OWNER',
    );
    expect(
      expectType(
        (await olivia.client.request(DeleteOrganizationDocument, { organizationId: orgId })).deleteOrganization,
        'NotAllowedError',
      ).code,
    ).toBe('NOT_ALLOWED');
    expect((await olivia.client.request(DeleteProjectDocument, { projectId })).deleteProject).toEqual({
      __typename: 'Deleted',
      id: projectId,
    });
    expect(
      (await olivia.client.request(OrganizationDetailsDocument, { id: orgId })).organization?.projects.edges,
    ).toEqual([]);
    expect(
      (await samNew.client.request(DeleteOrganizationDocument, { organizationId: orgId })).deleteOrganization,
    ).toEqual({
      __typename: 'Deleted',
      id: orgId,
    });
    await expectRefused(olivia.client.request(OrganizationDetailsDocument, { id: orgId }), 'NOT_ALLOWED');
    const personal = (await olivia.client.request(MeDocument)).me?.organizations.edges.map((e) => e.node.organization);
    expect(personal).toEqual([expect.objectContaining({ personal: true })]);
    const keepPersonal = (await olivia.client.request(DeleteOrganizationDocument, { organizationId: personal![0]!.id }))
      .deleteOrganization;
    expect(expectType(keepPersonal, 'NotAllowedError').code).toBe('NOT_ALLOWED');
  });

  it('ran every operation of these client files against the server', () => {
    const files = ['organizations', 'invitations', 'api-keys', 'password-reset', 'audit'];
    const names = files.flatMap((file) =>
      [
        ...readFileSync(path.resolve(import.meta.dirname, `../client/operations/${file}.graphql`), 'utf8').matchAll(
          /^(?:query|mutation) (\w+)/gm,
        ),
      ].map((m) => m[1]!),
    );
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) expect(generated, name).toHaveProperty(`${name}Document`);
    expect(names.filter((name) => !used.has(name))).toEqual([]);
  });
});
