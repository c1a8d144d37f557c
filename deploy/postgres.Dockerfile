# PostgreSQL from Debian 13's packages (major version 17), built FROM the local Debian base (deploy/base-image.sh
# trixie). Configured from CTI_DATABASE_URL alone (deploy/postgres-entrypoint.sh). Build context: the repository root.
FROM cti12345/base:trixie
# No packaged "main" cluster: the data directory is the pgdata volume, made on first start.
RUN mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
 && apt-get update && apt-get upgrade -y \
 && apt-get install -y --no-install-recommends postgresql \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data && chown postgres:postgres /var/lib/postgresql/data && chmod 0700 /var/lib/postgresql/data
COPY deploy/postgres-entrypoint.sh /usr/local/bin/cti-postgres
RUN chmod 0755 /usr/local/bin/cti-postgres
ENV PGDATA=/var/lib/postgresql/data
USER postgres
# SIGTERM would be PostgreSQL's "smart" shutdown, which waits for every client (the gateway, the worker) to leave.
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/cti-postgres"]
