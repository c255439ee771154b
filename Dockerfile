# Broadsheet's image: built on debian:12 by `make package`, then that .deb installed on
# debian:12-slim, so the image holds exactly what the package holds (the binary, its
# default configuration, the `broadsheet` user) and runs as that user, never as root.
#
#   docker build -t broadsheet .
#   docker run --rm -v bs:/var/lib/broadsheet broadsheet init        # once: database, secrets
#   docker run -d -p 127.0.0.1:8080:8080 -v bs:/var/lib/broadsheet broadsheet
#
# The data folder /var/lib/broadsheet is a volume; its secrets (secrets/hmac.key) are
# made by `init` in the container, not baked into the image. compose.yaml runs several
# nodes of it on PostgreSQL (README, "Several nodes").

FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
# Behind a proxy that re-signs TLS, its CA certificates (PEM) for npm's downloads, in the
# build stage only: docker build --build-arg EXTRA_CA_CERTS="$(cat proxy-ca.crt)" .
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      mkdir -p /usr/local/share/ca-certificates && \
      printf '%s\n' "$EXTRA_CA_CERTS" > /usr/local/share/ca-certificates/build-extra.crt; fi
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/build-extra.crt
WORKDIR /src
# What the build needs, from Debian's archive and npm, in a layer of its own that a
# change of the code does not rebuild.
COPY scripts/install-deps scripts/packages.txt scripts/packages-package.txt scripts/
COPY package.json package-lock.json ./
RUN scripts/install-deps --package && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBROADSHEET_TESTS=OFF \
 && cmake --build build --target broadsheet broadsheet_manpage broadsheet_package_files \
 && cd build && cpack -G DEB && mv broadsheet_*.deb /broadsheet.deb

FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /broadsheet.deb /tmp/broadsheet.deb
# apt resolves the package's dependencies (computed by dpkg-shlibdeps); its postinst
# makes the user and the data folder. What that first `init` made (a database and a
# link-signing key) is dropped: each installation makes its own.
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/broadsheet.deb ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/broadsheet.deb \
 && rm -rf /var/lib/broadsheet/secrets /var/lib/broadsheet/broadsheet.db* \
 && install -d -o broadsheet -g broadsheet -m 0700 /var/lib/broadsheet/secrets
USER broadsheet
WORKDIR /var/lib/broadsheet
ENV BROADSHEET_DATA=/var/lib/broadsheet \
    BROADSHEET_HTTP_LISTEN=0.0.0.0:8080
VOLUME /var/lib/broadsheet
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/broadsheet"]
CMD ["serve"]
