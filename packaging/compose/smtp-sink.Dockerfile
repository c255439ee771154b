# Postfix's smtp-sink from Debian's archive: compose.yaml's relay, which accepts every
# message and keeps none (`docker compose logs smtp-sink` shows nothing per message;
# the senders' /metrics and `issue show` count them).
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends postfix \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 2525
# -c: count; -u nobody: it drops root; 2525 on every address, a backlog of 256.
CMD ["/usr/sbin/smtp-sink", "-c", "-u", "nobody", "0.0.0.0:2525", "256"]
