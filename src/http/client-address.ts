import type { IncomingMessage } from 'node:http';

/**
 * The client's address: the socket peer, or, behind `trustedHops` proxies, the address that
 * many entries from the right of X-Forwarded-For. Entries further left are written by the
 * client itself and are never trusted.
 */
export function clientAddress(req: IncomingMessage | undefined, headers: Headers, trustedHops: number): string | null {
  const peer = req?.socket.remoteAddress ?? null;
  if (trustedHops === 0) return peer;
  const forwarded = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return forwarded[forwarded.length - trustedHops] ?? forwarded[0] ?? peer;
}
