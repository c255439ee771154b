# PostgreSQL 15 from Debian's archive, for compose.yaml's demo (no image from a registry
# but Debian's): a cluster made at first start in the volume, reachable by password.
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data
COPY postgres-start /usr/local/bin/postgres-start
USER postgres
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
CMD ["/usr/local/bin/postgres-start"]
