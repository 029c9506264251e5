import { parse, serialize } from 'cookie';
import type { Context } from '../context.js';
import { SESSION_COOKIE } from '../features/sessions/service.js';

export function readSessionCookie(header: string | null): string | undefined {
  if (!header || header.length > 8192) return undefined;
  return parse(header)[SESSION_COOKIE];
}

/** Hands the new session to browsers as well; the same token works as a bearer token. */
export function admitCookie(ctx: Context, token: string) {
  ctx.cookies.push({
    name: SESSION_COOKIE,
    value: token,
    maxAgeSeconds: Math.floor(ctx.services.config.session.absoluteMs / 1000),
  });
}

/**
 * HttpOnly keeps scripts from reading the token; SameSite=Lax keeps other sites' forms from
 * sending it; Secure everywhere but on localhost, where browsers allow plain http.
 */
export function serializeCookie(ctx: Context, cookie: Context['cookies'][number]): string {
  const origin = new URL(ctx.services.config.publicOrigin);
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(origin.hostname);
  return serialize(cookie.name, cookie.value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: !local || origin.protocol === 'https:',
    path: '/',
    maxAge: cookie.maxAgeSeconds,
  });
}
