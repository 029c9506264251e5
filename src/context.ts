import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { RequestMeta } from './features/audit/service.js';
import type { AccessLoaders } from './features/organizations/access.js';
import type { SessionCache } from './features/sessions/cache.js';
import type { User } from './generated/prisma/client.js';
import type { Mailer } from './mail/mailer.js';
import type { Metrics } from './operations/metrics.js';
import type { Cipher } from './security/encryption.js';
import type { PasswordHasher } from './security/passwords.js';
import type { RateLimits } from './security/rate-limit.js';

/** Long-lived things every request shares. */
export interface Services {
  config: Config;
  db: Database;
  mailer: Mailer;
  passwords: PasswordHasher;
  cipher: Cipher;
  limits: RateLimits;
  sessionCache: SessionCache;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
}

/** Who is asking: a signed-in account, a project API key, or nobody. */
export type Viewer =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      userId: string;
      sessionId: string;
      via: 'bearer' | 'cookie';
      /** The account as loaded with the session at the start of this request. */
      user: User;
    }
  | { kind: 'apiKey'; apiKeyId: string; projectId: string; organizationId: string };

export interface CookieToSet {
  name: string;
  value: string;
  maxAgeSeconds: number;
}

export interface Context {
  services: Services;
  viewer: Viewer;
  /** The viewer's organization and project roles, loaded in batches for this request only. */
  access: AccessLoaders;
  meta: RequestMeta;
  /** Cookies to add to this request's response. */
  cookies: CookieToSet[];
  requestId: string;
  /** performance.now() when the request's context was built. */
  startedAt: number;
}

export function requireUser(viewer: Viewer) {
  return viewer.kind === 'user' ? viewer : null;
}
