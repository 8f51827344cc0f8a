# Splitboard container image.
# Stage 1 fetches htmx and the API docs' Swagger UI from npm (never committed); stage 2 builds a wheel and installs it into a venv;
# the final stage carries only that venv, the templates and the static files, and runs as a non-root user.

FROM node:20-slim AS htmx
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
 && mkdir -p vendor \
 && cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx-ext-sse/dist/sse.min.js vendor/ \
 && cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css vendor/

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN python -m venv /opt/splitboard \
 && /opt/splitboard/bin/pip install --no-cache-dir --upgrade pip \
 && /opt/splitboard/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin splitboard
COPY --from=build /opt/splitboard /opt/splitboard
COPY templates /srv/splitboard/templates
COPY static /srv/splitboard/static
COPY --from=htmx /build/vendor /srv/splitboard/static/vendor
ENV PATH=/opt/splitboard/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SPLITBOARD_TEMPLATES_DIR=/srv/splitboard/templates \
    SPLITBOARD_STATIC_DIR=/srv/splitboard/static \
    SPLITBOARD_HOST=0.0.0.0 \
    SPLITBOARD_PORT=8000 \
    SPLITBOARD_IN_CLUSTER=true \
    MALLOC_ARENA_MAX=2
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
ENTRYPOINT ["splitboard", "serve"]
