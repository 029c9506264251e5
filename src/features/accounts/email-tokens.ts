import type { Services } from '../../context.js';
import { InvalidTokenError } from '../../errors.js';
import type { EmailTokenPurpose } from '../../generated/prisma/client.js';
import { createToken, hashToken } from '../../security/tokens.js';

/**
 * Issues a single-use link token and retires every earlier unused token of the same purpose for
 * the account, so only the newest link works.
 */
export async function issueEmailToken(
  services: Services,
  input: { userId: string; purpose: EmailTokenPurpose; email: string; prefix: string; ttlMs: number },
): Promise<string> {
  const token = createToken(input.prefix);
  const now = services.now();
  await services.db.$transaction([
    services.db.emailToken.updateMany({
      where: { userId: input.userId, purpose: input.purpose, usedAt: null },
      data: { usedAt: now },
    }),
    services.db.emailToken.create({
      data: {
        userId: input.userId,
        purpose: input.purpose,
        email: input.email,
        tokenHash: hashToken(token),
        createdAt: now,
        expiresAt: new Date(now.getTime() + input.ttlMs),
      },
    }),
  ]);
  return token;
}

/** The live token row for `token`, or INVALID_TOKEN. Does not spend it. */
export async function findEmailToken(services: Services, purpose: EmailTokenPurpose, token: string) {
  if (token.length < 16 || token.length > 128) throw new InvalidTokenError();
  const row = await services.db.emailToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.purpose !== purpose || row.usedAt || row.expiresAt <= services.now()) {
    throw new InvalidTokenError();
  }
  return row;
}

/**
 * Spends a token exactly once: the conditional update lets one of any number of concurrent
 * requests through and refuses the rest.
 */
export async function spendEmailToken(
  services: Services,
  tx: Pick<Services['db'], 'emailToken'>,
  tokenId: string,
): Promise<void> {
  const { count } = await tx.emailToken.updateMany({
    where: { id: tokenId, usedAt: null, expiresAt: { gt: services.now() } },
    data: { usedAt: services.now() },
  });
  if (count !== 1) throw new InvalidTokenError();
}

/**
 * Retires every unused token of the account (after a password change, for example). Pass `tx`
 * to do it inside a transaction.
 */
export async function retireEmailTokens(
  services: Services,
  userId: string,
  purposes: EmailTokenPurpose[],
  tx: Pick<Services['db'], 'emailToken'> = services.db,
) {
  await tx.emailToken.updateMany({
    where: { userId, purpose: { in: purposes }, usedAt: null },
    data: { usedAt: services.now() },
  });
}
