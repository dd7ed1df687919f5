# The melange-ts image (frontend, in-graph tool and CLI) for machines with a registry to pull from:
#   docker build -t melange-ts/frontend .
# Offline (as on our CI machines), `npm run image` makes the same image from the local node binary instead.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node hack/gen.mjs && node hack/bundle.mjs

FROM node:22-bookworm-slim
COPY --from=build /src/dist/ /app/
# The in-graph steps call /usr/bin/node and `melange-ts`.
RUN apt-get update && apt-get install -y --no-install-recommends attr && rm -rf /var/lib/apt/lists/* \
 && ln -sf /usr/local/bin/node /usr/bin/node \
 && printf '#!/bin/sh\nexec /usr/bin/node /app/melange-ts.mjs "$@"\n' > /usr/local/bin/melange-ts \
 && chmod 755 /usr/local/bin/melange-ts
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs"
ENTRYPOINT ["/usr/bin/node", "/app/melange-ts.mjs"]
