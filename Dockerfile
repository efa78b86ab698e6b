# Image for the stack's Node.js services that have no Dockerfile of their own:
# the demo shop and the notification sink (docker-compose-monitoring.yaml picks the entry file).
FROM node:20.19.0-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY monitoring ./monitoring
COPY scripts ./scripts
COPY demo ./demo
USER node
ENTRYPOINT ["node", "--import", "tsx"]
