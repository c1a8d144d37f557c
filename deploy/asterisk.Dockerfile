# Asterisk 22 from Debian testing (forky), the same packages the project's tests run against (scripts/asterisk.sh).
# Build context: the repository root. Built FROM the local Debian base (deploy/base-image.sh forky).
FROM cti12345/base:forky

RUN apt-get update && apt-get upgrade -y \
 && apt-get install -y --no-install-recommends \
      asterisk asterisk-modules asterisk-core-sounds-en asterisk-moh-opsound-gsm \
 && apt-get clean && rm -rf /var/lib/apt/lists/*

COPY deploy/asterisk-entrypoint.sh /usr/local/bin/cti-asterisk
RUN chmod 0755 /usr/local/bin/cti-asterisk

# The configuration is not baked in: the one-shot asterisk-conf service renders it into the instance volume from the
# CTI_* environment, so one image serves every deployment.
ENTRYPOINT ["/usr/local/bin/cti-asterisk"]
CMD ["/var/lib/cti-asterisk/etc/asterisk.conf"]
