# Clave in a container: Node.js 22 LTS, production dependencies only (tsx runs the TypeScript, so there is
# no build step), a non-root user and a health check. Configuration comes from the environment
# (.env.example); with NODE_ENV=production the bot refuses to start until every required setting is there.
FROM node:22-slim

ENV NODE_ENV=production \
    PORT=3978
WORKDIR /app

# Dependencies first, so a code change does not reinstall them. tsx is a runtime dependency in
# package.json, so --omit=dev keeps it; the lockfile pins every version.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# The code stays owned by root: the process can read it but never change it.
COPY . .

USER node
EXPOSE 3978

# Node's own fetch, so the image needs no curl. /healthz only says the process serves HTTP; readiness
# (Redis reachable, not shutting down) is /readyz, for load balancers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3978) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node itself is PID 1 (not npm, which does not pass signals on), so SIGTERM reaches the graceful shutdown:
# turns in flight finish within 8 s, inside Docker's default 10 s stop timeout.
CMD ["node", "--import", "tsx", "src/index.ts"]
