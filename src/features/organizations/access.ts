// Who may do what. Roles are read from membership rows, batched per request by DataLoader, and
// never cached across requests: a role change or removal applies to the very next request.
import DataLoader from 'dataloader';
import type { Database } from '../../db/client.js';
import type { OrganizationRole, ProjectRole } from '../../generated/prisma/client.js';

const organizationRank: Record<OrganizationRole, number> = { MEMBER: 1, ADMIN: 2, OWNER: 3 };
const projectRank: Record<ProjectRole, number> = { VIEWER: 1, DEVELOPER: 2, ADMIN: 3 };

export const atLeastOrganizationRole = (role: OrganizationRole | null | undefined, needed: OrganizationRole) =>
  role != null && organizationRank[role] >= organizationRank[needed];

export const atLeastProjectRole = (role: ProjectRole | null | undefined, needed: ProjectRole) =>
  role != null && projectRank[role] >= projectRank[needed];

/** An organization OWNER or ADMIN acts as ADMIN on every project of the organization. */
export function effectiveProjectRole(
  organizationRole: OrganizationRole | null | undefined,
  projectRole: ProjectRole | null | undefined,
): ProjectRole | null {
  if (atLeastOrganizationRole(organizationRole, 'ADMIN')) return 'ADMIN';
  return projectRole ?? null;
}

const isUuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export interface ProjectAccess {
  projectId: string;
  organizationId: string;
  role: ProjectRole | null;
}

/** Per-request loaders of one person's roles. */
export function createAccessLoaders(db: Database, userId: string | null) {
  const organizationRole = new DataLoader<string, OrganizationRole | null>(async (ids) => {
    if (!userId) return ids.map(() => null);
    const rows = await db.organizationMember.findMany({
      where: { userId, organizationId: { in: ids.filter(isUuid) } },
      select: { organizationId: true, role: true },
    });
    const byId = new Map(rows.map((r) => [r.organizationId, r.role]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  const projectAccess = new DataLoader<string, ProjectAccess | null>(async (ids) => {
    const projects = await db.project.findMany({
      where: { id: { in: ids.filter(isUuid) } },
      select: {
        id: true,
        organizationId: true,
        members: userId ? { where: { userId }, select: { role: true } } : false,
      },
    });
    const found = await Promise.all(
      projects.map(async (p) => {
        const orgRole = await organizationRole.load(p.organizationId);
        const own = (p.members as { role: ProjectRole }[] | undefined)?.[0]?.role;
        return { projectId: p.id, organizationId: p.organizationId, role: effectiveProjectRole(orgRole, own) };
      }),
    );
    const byId = new Map(found.map((a) => [a.projectId, a]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  return { organizationRole, projectAccess };
}

export type AccessLoaders = ReturnType<typeof createAccessLoaders>;

/** Projects a person can open: those they were added to, and all of an organization they administer. */
export function visibleProjects(userId: string | null) {
  if (!userId) return { id: { in: [] as string[] } };
  return {
    OR: [
      { members: { some: { userId } } },
      { organization: { members: { some: { userId, role: { in: ['OWNER', 'ADMIN'] as OrganizationRole[] } } } } },
    ],
  };
}
