# Kyodo (協働) — container image.
# Templates, public assets, seeds and migrations are embedded in the binary at compile time,
# so the runtime image holds only the binary (plus libpq, curl for the health check, and
# PostgreSQL's client programs for `kyodo backup` / `kyodo restore`).

# ---- build ------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked

# ---- run --------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpq5 ca-certificates curl postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/kyodo --shell /usr/sbin/nologin kyodo
COPY --from=builder /src/target/release/kyodo /usr/local/bin/kyodo
ENV KYODO_LISTEN=0.0.0.0:8080 \
    KYODO_DATA_DIR=/var/lib/kyodo
USER kyodo
WORKDIR /var/lib/kyodo
VOLUME ["/var/lib/kyodo"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
CMD ["kyodo", "serve"]
