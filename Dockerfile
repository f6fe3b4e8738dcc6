# Production image. Stage 1 builds a virtualenv with the bot and its dependencies; stage 2 is a
# slim runtime with only that virtualenv and the content, running as an unprivileged user.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install . && migrant-bot --help >/dev/null

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DATA_DIR=/data \
    CONTENT_DIR=/app/content \
    METRICS_PORT=9100 \
    MPLCONFIGDIR=/tmp/matplotlib
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot:bot /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY content ./content
USER bot
VOLUME ["/data"]
# 8080: webhook (only in webhook mode); 9100: /metrics and /healthz (keep it off the internet)
EXPOSE 8080 9100
# Alive means the bot's own HTTP server answers; it starts after the bot reached Telegram.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["python", "-c", \
    "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['METRICS_PORT'], timeout=4)"]
ENTRYPOINT ["migrant-bot"]
CMD ["run"]
