# syntax=docker/dockerfile:1
# One image, every process: `worker` (its queues from REVOKER_QUEUES), `webhook` (intake, one-click links, /codec)
# and `revoker <args>` (the CLI), run from the release build on distroless Node 22 as a non-root user.
# docs/deploy/kubernetes.md says how it is deployed and what was checked (no image has been built here).

# Debian 12, as the runtime below: native modules (@temporalio/core-bridge) built against the same glibc.
FROM node:22-bookworm-slim AS build
WORKDIR /src
# Dependencies first, from the lockfile alone, so a source change reuses this layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The release (scripts/build.mjs): dist/ with the prebuilt workflow bundle; then the dev dependencies go.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf dist/testing dist/simulators dist/scripts

FROM gcr.io/distroless/nodejs22-debian12:nonroot
WORKDIR /app
# package.json for "type": "module"; node_modules without dev dependencies; dist/ only, no sources.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY deploy/image/entrypoint.mjs ./entrypoint.mjs
# nonroot (65532:65532) is the distroless image's own; numeric, so runAsNonRoot can check it.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/entrypoint.mjs"]
CMD ["help"]
