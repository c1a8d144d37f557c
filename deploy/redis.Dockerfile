# Redis from Debian 13's packages, built FROM the local Debian base (deploy/base-image.sh trixie). Configured from
# CTI_REDIS_URL alone (deploy/redis-entrypoint.sh). Build context: the repository root.
FROM cti12345/base:trixie
RUN apt-get update && apt-get upgrade -y \
 && apt-get install -y --no-install-recommends redis-server redis-tools \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
COPY deploy/redis-entrypoint.sh /usr/local/bin/cti-redis
RUN chmod 0755 /usr/local/bin/cti-redis
USER redis
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/cti-redis"]
