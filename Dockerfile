# llm-policy serve as a container (docs/serve.md): the decision server for services that do not
# embed the engine. Build from the repository root:
#
#   docker build -t llm-policy .
#   docker run --rm -p 8787:8787 -v "$PWD/policies:/policies:ro" llm-policy
#
# The image runs `llm-policy serve --policies /policies --host 0.0.0.0 --port 8787`; give other
# arguments after the image name to replace those (e.g. `--bundle <url>`), keeping --port 8787
# for the HEALTHCHECK.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsup.config.ts ./
COPY src ./src
COPY builtins ./builtins
COPY schemas ./schemas
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# runtime dependencies only; the optional native `re2` addon is used when its prebuilt binary
# installs, re2js (pure JavaScript) otherwise
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
# for `--audit file:/var/log/llm-policy/audit.log`: a named volume mounted here starts owned by `node`
RUN mkdir -p /var/log/llm-policy && chown node:node /var/log/llm-policy
USER node
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8787/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js", "serve"]
CMD ["--policies", "/policies", "--host", "0.0.0.0", "--port", "8787"]
