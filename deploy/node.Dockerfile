# One image for the gateway, the worker and the Asterisk configuration renderer; the compose service chooses the
# command. Build context: the repository root. Built FROM the local Debian base (deploy/base-image.sh trixie): Debian
# 13's nodejs is Node 20, the version the project targets (package.json engines, .npmrc engine-strict).
FROM cti12345/base:trixie AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The organisation's own certificate authorities, if any (deploy/ca-certificates/README.md).
COPY deploy/ca-certificates/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
WORKDIR /app
# Manifests first, so the dependency layer is rebuilt only when they change. A registry other than npm's default is
# passed in by name only (docker-compose.yml build args), never written here.
ARG NPM_CONFIG_REGISTRY
COPY package.json package-lock.json .npmrc ./
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
# The desk and console pages (web/dist), served by the gateway under /desk/ and /console/.
COPY web web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && rm -rf web/node_modules web/src

FROM cti12345/base:trixie
# pg_dump/pg_restore for the worker's verified backups: the same Debian suite as deploy/postgres.Dockerfile, so the
# client's major version is the server's.
RUN apt-get update && apt-get upgrade -y \
 && apt-get install -y --no-install-recommends nodejs postgresql-client ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY deploy/ca-certificates/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
# A fixed uid, so files on the shared volumes (spool, backups, recordings) keep their owner across rebuilds; the
# renderer gives the recordings directory to it (deploy/render-asterisk.sh).
RUN groupadd --gid 10001 cti && useradd --uid 10001 --gid cti --home-dir /app --no-create-home --shell /usr/sbin/nologin cti \
 && mkdir -p /var/lib/cti/spool /var/lib/cti/backups && chown -R cti:cti /var/lib/cti
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages packages
COPY --from=build /app/services services
COPY --from=build /app/web web
COPY deploy/render-asterisk.sh /usr/local/bin/cti-render-asterisk
COPY deploy/node-health.sh /usr/local/bin/cti-health
RUN chmod 0755 /usr/local/bin/cti-render-asterisk /usr/local/bin/cti-health
# Last, so an upgrade that only adds a migration rebuilds one small layer. The services resolve migrations/ relative
# to their dist/ (../../../migrations = /app/migrations) and apply what is new when they start.
COPY migrations migrations
ENV NODE_ENV=production
USER cti
CMD ["node", "services/gateway/dist/main.js"]
