import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

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

/**
 * The key a client's attempts are counted under. One IPv6 subscriber gets a whole /64 (often
 * more), so counting each address apart would let a single client spread its guesses over
 * billions of budgets: IPv6 addresses count by their /64. IPv4 addresses, IPv4-mapped IPv6
 * addresses included, count alone.
 */
export function clientKey(address: string | null): string {
  if (!address) return 'unknown';
  const bare = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return address.slice(0, 100);
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const [head = '', tail] = bare.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const full = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
