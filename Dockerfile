# Image for the stack's Node.js services that have no Dockerfile of their own:
# the demo shop and the notification sink (docker-compose-monitoring.yaml picks the entry file).
FROM node:20.19.0-bookworm-slim
# openssl: the demo shop generates its self-signed certificate with it when DEMO_TLS=1.
RUN apt-get update && apt-get install -y --no-install-recommends openssl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY monitoring ./monitoring
COPY notification-sink ./notification-sink
COPY demo ./demo
# The notification sink writes /data (the sink-data volume): a new named volume takes this
# directory's owner, so it must exist, owned by node, before USER node.
RUN mkdir -p /data && chown node:node /data
# The notification sink serves the runbooks at /runbooks (the alerts' runbook_url).
COPY docs/runbooks.md ./docs/runbooks.md
USER node
ENTRYPOINT ["node", "--import", "tsx"]
