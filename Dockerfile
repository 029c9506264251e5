# Suward account security: a production image.
#
#   docker build -t suward-account-security .
#   docker run -p 4000:4000 -v suward-data:/data suward-account-security
#
# With the embedded database (PGlite) every account lives in the /data volume, together with the
# generated encryption key for TOTP secrets. For PostgreSQL pass DATABASE_URL and ENCRYPTION_KEY
# (production refuses DATABASE_URL without it), and REDIS_URL when several instances run.

# --- 1. dependencies and build ----------------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
# argon2 ships prebuilt binaries; the postinstall script compiles it from source when the
# prebuilt one does not load, which needs this toolchain (only in this stage).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# `npm ci` runs scripts/postinstall.mjs, which generates the Prisma client and the Pothos types
# from prisma/schema.prisma into src/generated/: both must be present before it.
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- 2. production dependencies only ------------------------------------------------------------
FROM build AS prod-deps
# The migrations run at start through Prisma's schema engine compiled to WebAssembly, which is
# listed among the development dependencies: keep it across the prune.
RUN cp -r node_modules/@prisma/schema-engine-wasm /tmp/schema-engine-wasm \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@prisma/schema-engine-wasm \
 && cp -r /tmp/schema-engine-wasm node_modules/@prisma/schema-engine-wasm

# --- 3. runtime ---------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# schema.prisma and migrations/: the server applies pending migrations at start.
COPY package.json ./
COPY prisma ./prisma
# The image's unprivileged `node` user (uid 1000) owns the data folder and nothing else.
RUN mkdir -p /data && chown node:node /data
USER node
# Node sees the host's cores, not the container's CPU limit: with a limit of N CPUs, run with
# -e PASSWORD_HASH_CONCURRENCY=<N-1, at least 1> so that hashing leaves the event loop a core.
VOLUME ["/data"]
EXPOSE 4000
# /health answers while the process is up; /ready also checks the database.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1 and handles SIGTERM itself: it stops accepting after a one-second grace
# period and finishes the requests in flight (allow at least 12 s before a forced kill).
CMD ["node", "dist/src/server.js"]
