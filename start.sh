#!/usr/bin/env bash
# Builds the container image and starts the decoder with ./server.env, as the original start.sh
# did (container name smartmeter, restarted unless stopped). Needs Docker.
set -euo pipefail
cd "$(dirname "$0")"
[[ -f server.env ]] || { echo "start.sh: create server.env first (see deploy/server.env.example)" >&2; exit 2; }
docker build -f deploy/Dockerfile -t evn-smartmeter .
docker rm -f smartmeter >/dev/null 2>&1 || true
docker run -d --name smartmeter --restart unless-stopped \
  -v "$PWD/server.env:/server.env:ro" -v smartmeter-data:/var/lib/smartmeter \
  --network host evn-smartmeter
echo "started: docker logs -f smartmeter"
