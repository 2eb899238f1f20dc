# syntax=docker/dockerfile:1
#
# Stepline image: the pipeline worker (default command) and the dashboard (`node src/dashboard/main.js`).
#
#   build    all dependencies; TypeScript compiled to JavaScript (deploy/tsconfig.build.json), the
#            dashboard page (npm run build:web) and the workflow bundles prebuilt (src/bundle.ts,
#            writeWorkflowBundle: plain, and with the OpenTelemetry interceptors for tracing)
#   deps     production dependencies only (npm ci --omit=dev)
#   runtime  node + production node_modules + compiled code and bundles; no compiler, no dev
#            dependencies, no TypeScript sources; runs as the unprivileged `node` user
#
#   docker build -t stepline .        docker compose up --build --scale worker=3

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY deploy/tsconfig.build.json deploy/
COPY src src
COPY web web
COPY examples examples
RUN npm run build:web \
  && npx tsc -p deploy/tsconfig.build.json \
  && npx tsx src/bundle.ts dist/image/dist/workflow-bundle.js \
  && npx tsx src/bundle.ts dist/image/dist/workflow-bundle-tracing.js --tracing \
  && cp -r dist/web dist/image/dist/web

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    STEPLINE_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    STEPLINE_DASHBOARD_STATIC=/app/dist/web \
    STEPLINE_METRICS_ADDRESS=0.0.0.0:9464
WORKDIR /app
# Owned by root, read-only for the `node` user that runs everything.
COPY package.json ./
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist/image/ ./
USER node
EXPOSE 9464 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "src/worker.js"]
