# liufang: the bot, its dashboard and Open311 API. Runtime dependencies only (no test tools).
#   docker build -t liufang .
#   docker run --rm -p 8080:8080 -v ./config.toml:/app/config.toml:ro -v liufang-data:/app/data liufang
FROM python:3.11-slim

# pg_dump / pg_restore for `liufang backup` and `liufang restore` on PostgreSQL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 liufang
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY config.example.toml ./
RUN pip install --no-cache-dir . && mkdir -p data backups && chown liufang data backups

USER liufang
ENV PYTHONUNBUFFERED=1 TZ=Asia/Shanghai
EXPOSE 8080
# The web server must listen on 0.0.0.0 inside the container: set [web] host in config.toml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4); sys.exit(0)"
ENTRYPOINT ["liufang"]
CMD ["run", "--config", "/app/config.toml"]
