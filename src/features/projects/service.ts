import type { Services } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import type { ProjectRole } from '../../generated/prisma/client.js';
import { recordAuditEvent, type RequestMeta } from '../audit/service.js';
import { validateName } from '../accounts/validation.js';
import type { Actor } from '../organizations/service.js';

export async function createProject(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  input: { organizationId: string; name: string },
) {
  const name = validateName(input.name);
  return services.db.$transaction(async (tx) => {
    const project = await tx.project.create({ data: { organizationId: input.organizationId, name } });
    await recordAuditEvent(tx, meta, {
      action: 'project.created',
      actorId: actor.userId,
      targetType: 'Project',
      targetId: project.id,
      organizationId: input.organizationId,
      projectId: project.id,
      metadata: { name },
    });
    return project;
  });
}

export async function renameProject(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  projectId: string,
  rawName: string,
) {
  const name = validateName(rawName);
  const project = await services.db.project.update({ where: { id: projectId }, data: { name } });
  await recordAuditEvent(services.db, meta, {
    action: 'project.renamed',
    actorId: actor.userId,
    targetType: 'Project',
    targetId: projectId,
    organizationId: project.organizationId,
    projectId,
    metadata: { name },
  });
  return project;
}

/** Deleting a project deletes its memberships, invitations and API keys with it. */
export async function deleteProject(services: Services, meta: RequestMeta, actor: Actor, projectId: string) {
  return services.db.$transaction(async (tx) => {
    const project = await tx.project.delete({ where: { id: projectId } });
    await recordAuditEvent(tx, meta, {
      action: 'project.deleted',
      actorId: actor.userId,
      targetType: 'Project',
      targetId: projectId,
      organizationId: project.organizationId,
      metadata: { name: project.name },
    });
    return project;
  });
}

export async function changeProjectMemberRole(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  input: { projectId: string; userId: string; role: ProjectRole },
) {
  const member = await services.db.projectMember.findUnique({
    where: { projectId_userId: { projectId: input.projectId, userId: input.userId } },
    include: { project: true },
  });
  if (!member) throw new NotFoundError('That person is not a member of this project.');
  const updated = await services.db.projectMember.update({ where: { id: member.id }, data: { role: input.role } });
  await recordAuditEvent(services.db, meta, {
    action: 'project.member_role_changed',
    actorId: actor.userId,
    targetType: 'User',
    targetId: input.userId,
    organizationId: member.project.organizationId,
    projectId: input.projectId,
    metadata: { from: member.role, to: input.role },
  });
  return updated;
}

export async function removeProjectMember(
  services: Services,
  meta: RequestMeta,
  actor: Actor,
  input: { projectId: string; userId: string },
) {
  const member = await services.db.projectMember.findUnique({
    where: { projectId_userId: { projectId: input.projectId, userId: input.userId } },
    include: { project: true },
  });
  if (!member) throw new NotFoundError('That person is not a member of this project.');
  await services.db.projectMember.delete({ where: { id: member.id } });
  await recordAuditEvent(services.db, meta, {
    action: 'project.member_removed',
    actorId: actor.userId,
    targetType: 'User',
    targetId: input.userId,
    organizationId: member.project.organizationId,
    projectId: input.projectId,
  });
}
