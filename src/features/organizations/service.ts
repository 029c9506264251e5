import type { Services } from '../../context.js';
import { ConflictError, InvalidInputError, NotAllowedError, NotFoundError } from '../../errors.js';
import type { OrganizationRole, Prisma } from '../../generated/prisma/client.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';
import { validateName } from '../accounts/validation.js';
import { atLeastOrganizationRole } from './access.js';

type Tx = Prisma.TransactionClient;

export interface Actor {
  userId: string;
}

/**
 * Runs `work` holding a row lock on the organization, so that concurrent role changes, removals
 * and departures are applied one after another and the last-owner check cannot be raced.
 */
export function withOrganizationLock<T>(services: Services, organizationId: string, work: (tx: Tx) => Promise<T>) {
  return services.db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "Organization" WHERE id = ${organizationId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw new NotFoundError();
    return work(tx);
  });
}

async function ownerCount(tx: Tx, organizationId: string) {
  return tx.organizationMember.count({ where: { organizationId, role: 'OWNER' } });
}

async function membership(tx: Tx, organizationId: string, userId: string) {
  const member = await tx.organizationMember.findUnique({
    where: { organizationId_userId: { organizationId, userId } },
  });
  if (!member) throw new NotFoundError('That person is not a member of this organization.');
  return member;
}

export async function createOrganization(services: Services, meta: RequestMeta, actor: Actor, rawName: string) {
  const name = validateName(rawName);
  return services.db.$transaction(async (tx) => {
    const organization = await tx.organization.create({
      data: { name, members: { create: { userId: actor.userId, role: 'OWNER' } } },
    });
    await recordAuditEvent(tx, meta, {
      action: 'organization.created',
      actorId: actor.userId,
      targetType: 'Organization',
      targetId: organization.id,
      organizationId: organization.id,
    });
    return organization;
  });
}

export async function renameOrganization(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  organizationId: string,
  rawName: string,
) {
  const name = validateName(rawName);
  const organization = await services.db.organization.update({ where: { id: organizationId }, data: { name } });
  await recordAuditEvent(services.db, meta, {
    action: 'organization.renamed',
    actorId: actor.userId,
    targetType: 'Organization',
    targetId: organizationId,
    organizationId,
    metadata: { name },
  });
  return organization;
}

export async function deleteOrganization(services: Services, meta: RequestMeta, actor: Actor, organizationId: string) {
  const organization = await services.db.organization.findUniqueOrThrow({ where: { id: organizationId } });
  if (organization.personal) {
    throw new NotAllowedError('A personal organization is deleted only together with its account.');
  }
  await services.db.$transaction(async (tx) => {
    await tx.organization.delete({ where: { id: organizationId } });
    await recordAuditEvent(tx, meta, {
      action: 'organization.deleted',
      actorId: actor.userId,
      targetType: 'Organization',
      targetId: organizationId,
      metadata: { name: organization.name },
    });
  });
  return organization;
}

/**
 * Nobody grants a role above their own, only an OWNER makes or unmakes an OWNER, and the
 * organization keeps at least one OWNER.
 */
export async function changeMemberRole(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  input: { organizationId: string; userId: string; role: OrganizationRole },
) {
  return withOrganizationLock(services, input.organizationId, async (tx) => {
    const own = await membership(tx, input.organizationId, actor.userId);
    const target = await membership(tx, input.organizationId, input.userId);
    const touchesOwner = input.role === 'OWNER' || target.role === 'OWNER';
    if (!atLeastOrganizationRole(own.role, 'ADMIN') || (touchesOwner && own.role !== 'OWNER')) {
      throw new NotAllowedError('Only an owner can make or unmake an owner.');
    }
    if (target.role === 'OWNER' && input.role !== 'OWNER' && (await ownerCount(tx, input.organizationId)) <= 1) {
      throw new ConflictError('An organization must keep at least one owner.');
    }
    const updated = await tx.organizationMember.update({ where: { id: target.id }, data: { role: input.role } });
    await recordAuditEvent(tx, meta, {
      action: 'organization.member_role_changed',
      actorId: actor.userId,
      targetType: 'User',
      targetId: input.userId,
      organizationId: input.organizationId,
      metadata: { from: target.role, to: input.role },
    });
    return updated;
  });
}

async function removeMembership(tx: Tx, organizationId: string, userId: string) {
  await tx.projectMember.deleteMany({ where: { userId, project: { organizationId } } });
  await tx.organizationMember.delete({ where: { organizationId_userId: { organizationId, userId } } });
}

/** Removes someone, with their project memberships in the organization. */
export async function removeMember(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  input: { organizationId: string; userId: string },
) {
  return withOrganizationLock(services, input.organizationId, async (tx) => {
    const own = await membership(tx, input.organizationId, actor.userId);
    const target = await membership(tx, input.organizationId, input.userId);
    if (!atLeastOrganizationRole(own.role, 'ADMIN') || (target.role === 'OWNER' && own.role !== 'OWNER')) {
      throw new NotAllowedError('Only an owner can remove an owner.');
    }
    if (target.role === 'OWNER' && (await ownerCount(tx, input.organizationId)) <= 1) {
      throw new ConflictError('An organization must keep at least one owner.');
    }
    await removeMembership(tx, input.organizationId, input.userId);
    await recordAuditEvent(tx, meta, {
      action: 'organization.member_removed',
      actorId: actor.userId,
      targetType: 'User',
      targetId: input.userId,
      organizationId: input.organizationId,
      metadata: { role: target.role },
    });
  });
}

export async function leaveOrganization(services: Services, meta: RequestMeta, actor: Actor, organizationId: string) {
  return withOrganizationLock(services, organizationId, async (tx) => {
    const own = await membership(tx, organizationId, actor.userId);
    if (own.role === 'OWNER' && (await ownerCount(tx, organizationId)) <= 1) {
      throw new ConflictError('Make someone else an owner before you leave.');
    }
    await removeMembership(tx, organizationId, actor.userId);
    await recordAuditEvent(tx, meta, {
      action: 'organization.member_left',
      actorId: actor.userId,
      targetType: 'User',
      targetId: actor.userId,
      organizationId,
    });
  });
}

/** The OWNER hands ownership to another member and becomes an ADMIN, in one transaction. */
export async function transferOwnership(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  input: { organizationId: string; userId: string },
) {
  if (input.userId === actor.userId) throw new InvalidInputError('userId', 'Choose another member.');
  return withOrganizationLock(services, input.organizationId, async (tx) => {
    const own = await membership(tx, input.organizationId, actor.userId);
    const target = await membership(tx, input.organizationId, input.userId);
    if (own.role !== 'OWNER') throw new NotAllowedError('Only an owner can transfer ownership.');
    const organization = await tx.organization.findUniqueOrThrow({ where: { id: input.organizationId } });
    if (organization.personal) throw new NotAllowedError('A personal organization goes only with its account.');
    await tx.organizationMember.update({ where: { id: target.id }, data: { role: 'OWNER' } });
    await tx.organizationMember.update({ where: { id: own.id }, data: { role: 'ADMIN' } });
    await recordAuditEvent(tx, meta, {
      action: 'organization.ownership_transferred',
      actorId: actor.userId,
      targetType: 'User',
      targetId: input.userId,
      organizationId: input.organizationId,
    });
  });
}

/**
 * Deletes the account with its sessions, memberships and the organizations it alone belongs to.
 * Refused while it is the last OWNER of an organization that has other members.
 */
export async function deleteAccount(services: Services, meta: RequestMeta, actor: Actor) {
  const owned = await services.db.organizationMember.findMany({
    where: { userId: actor.userId, role: 'OWNER' },
    select: { organizationId: true },
  });
  for (const { organizationId } of owned) {
    await withOrganizationLock(services, organizationId, async (tx) => {
      const [owners, members] = await Promise.all([
        ownerCount(tx, organizationId),
        tx.organizationMember.count({ where: { organizationId } }),
      ]);
      if (owners <= 1 && members > 1) {
        throw new ConflictError('Transfer ownership of your organizations with other members first.');
      }
    });
  }
  await services.db.$transaction(async (tx) => {
    const alone = await tx.organization.findMany({
      where: { members: { every: { userId: actor.userId } }, AND: { members: { some: { userId: actor.userId } } } },
      select: { id: true },
    });
    await tx.organization.deleteMany({ where: { id: { in: alone.map((o) => o.id) } } });
    await recordAuditEvent(tx, meta, {
      action: 'account.deleted',
      actorId: null,
      targetType: 'User',
      targetId: actor.userId,
      metadata: { organizationsDeleted: alone.length },
    });
    await tx.user.delete({ where: { id: actor.userId } });
  });
}
