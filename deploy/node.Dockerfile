# One image for the gateway, the worker and the Asterisk configuration renderer; the compose
# service chooses the command. Build context: the repository root.
FROM node:20-bookworm-slim
WORKDIR /app
# pg_dump/pg_restore for the worker's verified database backups (same major version as the postgres:15 service).
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client-15 && rm -rf /var/lib/apt/lists/*

# Manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY packages/domain/package.json packages/domain/
COPY packages/contracts/package.json packages/contracts/
COPY packages/asterisk/package.json packages/asterisk/
COPY packages/db/package.json packages/db/
COPY services/gateway/package.json services/gateway/
COPY services/worker/package.json services/worker/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund

COPY tsconfig.json tsconfig.base.json ./
COPY packages packages
COPY services services
# The services resolve migrations/ relative to their dist/ (../../../migrations = /app/migrations).
COPY migrations migrations
# The desk and console pages (web/dist, served by the gateway under /desk/ and /console/).
COPY web web
RUN npm run build && npm prune --omit=dev && npm cache clean --force

COPY deploy/render-asterisk.sh /usr/local/bin/cti-render-asterisk
RUN chmod 0755 /usr/local/bin/cti-render-asterisk \
 && mkdir -p /var/lib/cti/spool && chown node:node /var/lib/cti/spool

# Set only now: with NODE_ENV=production before `npm ci`, TypeScript would not be installed.
ENV NODE_ENV=production
USER node
CMD ["node", "services/gateway/dist/main.js"]
