# pgward in a container, for scheduled runs (examples/kubernetes/). Two stages: the first builds
# the Debian package with the same scripts/install-deps and `make package` as a developer's
# machine and CI; the second is Debian 12 with that package installed, so apt brings exactly the
# runtime libraries the package depends on (libpq5, libssl3, ...) and no compiler.
#
#   docker build -t pgward .
#   docker run --rm pgward --version
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN scripts/install-deps && make package

FROM debian:12
COPY --from=build /src/build/package/pgward_0.1.0_amd64.deb /tmp/
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/pgward_0.1.0_amd64.deb ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/pgward_0.1.0_amd64.deb
# Reports and state go to mounted volumes; pgward needs no privilege.
USER nobody
WORKDIR /tmp
ENTRYPOINT ["/usr/bin/pgward"]
