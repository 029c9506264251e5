import type { Services } from '../../context.js';
import { ConflictError, InvalidTokenError, NotAllowedError, NotFoundError } from '../../errors.js';
import type { Invitation, OrganizationRole, ProjectRole } from '../../generated/prisma/client.js';
import { templates } from '../../mail/templates.js';
import { createToken, hashToken, tokenPrefixes } from '../../security/tokens.js';
import { link } from '../accounts/service.js';
import { normalizeEmail } from '../accounts/validation.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';
import { atLeastOrganizationRole, effectiveProjectRole } from '../organizations/access.js';
import type { Actor } from '../organizations/service.js';

type Target =
  | { kind: 'organization'; organizationId: string; role: OrganizationRole }
  | { kind: 'project'; projectId: string; role: ProjectRole };

/**
 * Invites an address to an organization or a project. Nobody invites above their own role; an
 * address that is already a member gets CONFLICT; a pending invitation to the same place is
 * replaced by the new one.
 */
export async function invite(services: Services, meta: RequestMeta, actor: Actor, target: Target, rawEmail: string) {
  const email = normalizeEmail(rawEmail);
  await services.limits.consume('mailPerClient', meta.client);
  await services.limits.consume('mailPerAddress', email);

  const project =
    target.kind === 'project' ? await services.db.project.findUniqueOrThrow({ where: { id: target.projectId } }) : null;
  const organizationId = target.kind === 'organization' ? target.organizationId : project!.organizationId;
  const organization = await services.db.organization.findUniqueOrThrow({ where: { id: organizationId } });
  if (organization.personal) {
    throw new NotAllowedError(
      'A personal organization has no other members; create an organization to work with others.',
    );
  }
  const ownRole = await services.db.organizationMember.findUnique({
    where: { organizationId_userId: { organizationId, userId: actor.userId } },
  });
  if (target.kind === 'organization' && target.role === 'OWNER' && ownRole?.role !== 'OWNER') {
    throw new NotAllowedError('Only an owner can invite an owner.');
  }

  const invitee = await services.db.user.findUnique({
    where: { email },
    include: {
      memberships: { where: { organizationId } },
      projectRoles: project ? { where: { projectId: project.id } } : false,
    },
  });
  const alreadyIn =
    target.kind === 'organization'
      ? Boolean(invitee?.memberships.length)
      : effectiveProjectRole(invitee?.memberships[0]?.role, invitee?.projectRoles?.[0]?.role) !== null;
  if (alreadyIn) throw new ConflictError('That address already belongs to a member.');

  const token = createToken(tokenPrefixes.invitation);
  const now = services.now();
  const invitation = await services.db.$transaction(async (tx) => {
    await tx.invitation.updateMany({
      where: { organizationId, projectId: project?.id ?? null, email, status: 'PENDING' },
      data: { status: 'REVOKED', respondedAt: now },
    });
    const created = await tx.invitation.create({
      data: {
        organizationId,
        projectId: project?.id ?? null,
        email,
        organizationRole: target.kind === 'organization' ? target.role : null,
        projectRole: target.kind === 'project' ? target.role : null,
        tokenHash: hashToken(token),
        invitedById: actor.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + services.config.invitationMs),
      },
      include: { organization: true, project: true, invitedBy: true },
    });
    await recordAuditEvent(tx, meta, {
      action: 'invitation.created',
      actorId: actor.userId,
      targetType: 'Invitation',
      targetId: created.id,
      organizationId,
      projectId: project?.id ?? null,
      metadata: { email, role: target.role },
    });
    return created;
  });
  sendInvitation(services, invitation, token);
  return invitation;
}

function sendInvitation(
  services: Services,
  invitation: Invitation & {
    organization: { name: string };
    project: { name: string } | null;
    invitedBy: { name: string } | null;
  },
  token: string,
) {
  const place = invitation.project
    ? `the project ${invitation.project.name} of ${invitation.organization.name}`
    : `the organization ${invitation.organization.name}`;
  const role = invitation.projectRole ?? invitation.organizationRole;
  services.mailer.send(
    templates.withLink(
      invitation.email,
      'invitation',
      `You are invited to ${invitation.project?.name ?? invitation.organization.name} on Suward`,
      [
        `${invitation.invitedBy?.name ?? 'Someone'} invited you to join ${place} as ${role}.`,
        'Sign in (or create an account) with this address, then accept the invitation. The link expires in a few days.',
      ],
      'View the invitation',
      link(services, '/invitations', token),
    ),
  );
}

/** The invitation behind a token, whatever its state; null when the token is unknown. */
export async function findInvitationByToken(services: Services, token: string) {
  if (!token.startsWith(tokenPrefixes.invitation) || token.length > 128) return null;
  return services.db.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { organization: true, project: true, invitedBy: true },
  });
}

export const isInvitationOpen = (services: Services, invitation: Invitation) =>
  invitation.status === 'PENDING' && invitation.expiresAt > services.now();

async function openInvitationForViewer(services: Services, actor: Actor, token: string) {
  const invitation = await findInvitationByToken(services, token);
  if (!invitation || !isInvitationOpen(services, invitation))
    throw new InvalidTokenError('This invitation is no longer valid.');
  const user = await services.db.user.findUniqueOrThrow({ where: { id: actor.userId } });
  // Holding the link is not enough: it must be the verified owner of the invited address.
  if (user.email !== invitation.email || !user.emailVerifiedAt) {
    throw new NotAllowedError('This invitation was sent to another address. Sign in with that address, verified.');
  }
  return invitation;
}

/**
 * An invitation is only as good as its sender's rights: once the inviter has been removed or
 * demoted below the role needed to send it, it no longer admits anyone.
 */
async function inviterStillEntitled(services: Services, invitation: Invitation) {
  if (!invitation.invitedById) return false;
  const [organizationMember, projectMember] = await Promise.all([
    services.db.organizationMember.findUnique({
      where: { organizationId_userId: { organizationId: invitation.organizationId, userId: invitation.invitedById } },
    }),
    invitation.projectId
      ? services.db.projectMember.findUnique({
          where: { projectId_userId: { projectId: invitation.projectId, userId: invitation.invitedById } },
        })
      : null,
  ]);
  if (invitation.projectId) return effectiveProjectRole(organizationMember?.role, projectMember?.role) === 'ADMIN';
  const needed = invitation.organizationRole === 'OWNER' ? 'OWNER' : 'ADMIN';
  return atLeastOrganizationRole(organizationMember?.role, needed);
}

export async function acceptInvitation(services: Services, meta: RequestMeta, actor: Actor, token: string) {
  const invitation = await openInvitationForViewer(services, actor, token);
  if (!(await inviterStillEntitled(services, invitation))) {
    await services.db.invitation.updateMany({
      where: { id: invitation.id, status: 'PENDING' },
      data: { status: 'REVOKED', respondedAt: services.now() },
    });
    await recordAuditEvent(services.db, meta, {
      action: 'invitation.voided',
      actorId: actor.userId,
      targetType: 'Invitation',
      targetId: invitation.id,
      organizationId: invitation.organizationId,
      projectId: invitation.projectId,
      metadata: { reason: 'inviter_lost_rights' },
    });
    throw new InvalidTokenError('This invitation is no longer valid: its sender can no longer invite.');
  }
  return services.db.$transaction(async (tx) => {
    const { count } = await tx.invitation.updateMany({
      where: { id: invitation.id, status: 'PENDING', expiresAt: { gt: services.now() } },
      data: { status: 'ACCEPTED', respondedAt: services.now() },
    });
    if (count !== 1) throw new InvalidTokenError('This invitation is no longer valid.');
    const existing = await tx.organizationMember.findUnique({
      where: { organizationId_userId: { organizationId: invitation.organizationId, userId: actor.userId } },
    });
    const organizationRole = invitation.organizationRole ?? 'MEMBER';
    if (!existing) {
      await tx.organizationMember.create({
        data: { organizationId: invitation.organizationId, userId: actor.userId, role: organizationRole },
      });
    } else if (invitation.organizationRole && !atLeastOrganizationRole(existing.role, organizationRole)) {
      await tx.organizationMember.update({ where: { id: existing.id }, data: { role: organizationRole } });
    }
    if (invitation.projectId && invitation.projectRole) {
      await tx.projectMember.upsert({
        where: { projectId_userId: { projectId: invitation.projectId, userId: actor.userId } },
        create: { projectId: invitation.projectId, userId: actor.userId, role: invitation.projectRole },
        update: { role: invitation.projectRole },
      });
    }
    await recordAuditEvent(tx, meta, {
      action: 'invitation.accepted',
      actorId: actor.userId,
      targetType: 'Invitation',
      targetId: invitation.id,
      organizationId: invitation.organizationId,
      projectId: invitation.projectId,
    });
    return invitation;
  });
}

export async function declineInvitation(services: Services, meta: RequestMeta, actor: Actor, token: string) {
  const invitation = await openInvitationForViewer(services, actor, token);
  const { count } = await services.db.invitation.updateMany({
    where: { id: invitation.id, status: 'PENDING' },
    data: { status: 'DECLINED', respondedAt: services.now() },
  });
  if (count !== 1) throw new InvalidTokenError('This invitation is no longer valid.');
  await recordAuditEvent(services.db, meta, {
    action: 'invitation.declined',
    actorId: actor.userId,
    targetType: 'Invitation',
    targetId: invitation.id,
    organizationId: invitation.organizationId,
    projectId: invitation.projectId,
  });
  return invitation;
}

/** The pending invitation by id, for the revoke and resend checks (which need its place). */
export async function findPendingInvitation(services: Services, id: string) {
  const invitation = await services.db.invitation.findUnique({ where: { id } });
  if (!invitation || invitation.status !== 'PENDING') throw new NotFoundError('No pending invitation has that id.');
  return invitation;
}

export async function revokeInvitation(services: Services, meta: RequestMeta, actor: Actor, invitation: Invitation) {
  await services.db.invitation.update({
    where: { id: invitation.id },
    data: { status: 'REVOKED', respondedAt: services.now() },
  });
  await recordAuditEvent(services.db, meta, {
    action: 'invitation.revoked',
    actorId: actor.userId,
    targetType: 'Invitation',
    targetId: invitation.id,
    organizationId: invitation.organizationId,
    projectId: invitation.projectId,
  });
}

/** Issues a new token (the old link dies) and a new expiry, and mails the link again. */
export async function resendInvitation(services: Services, meta: RequestMeta, actor: Actor, invitation: Invitation) {
  await services.limits.consume('mailPerAddress', invitation.email);
  const token = createToken(tokenPrefixes.invitation);
  const now = services.now();
  const updated = await services.db.invitation.update({
    where: { id: invitation.id },
    data: { tokenHash: hashToken(token), expiresAt: new Date(now.getTime() + services.config.invitationMs) },
    include: { organization: true, project: true, invitedBy: true },
  });
  await recordAuditEvent(services.db, meta, {
    action: 'invitation.resent',
    actorId: actor.userId,
    targetType: 'Invitation',
    targetId: invitation.id,
    organizationId: invitation.organizationId,
    projectId: invitation.projectId,
  });
  sendInvitation(services, updated, token);
  return updated;
}
