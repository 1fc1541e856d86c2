# The screencap-cert T-Server simulator as an image (tserver.mode: container). It runs the compiled
# package: build it first (`npm ci` does, or `npm run build`), then
#   docker build -t screencap-cert-sim .
#   docker run -p 7000:7000 -p 7001:7001 screencap-cert-sim
# WARNING: neither the tlib-json port (7000) nor the admin API (7001: calls, faults, journal) asks
# for any credentials, and the image binds them to 0.0.0.0. Publish them on loopback only
# (-p 127.0.0.1:7000:7000 -p 127.0.0.1:7001:7001) or on a network only the test parties reach.
# BASE: any image with Node 20 and npm; without a registry, scripts/container-runtime.sh base-image.
ARG BASE=node:20-slim
FROM ${BASE}
WORKDIR /app
COPY package.json package-lock.json ./
# No scripts: `prepare` builds dist/ from the sources, which the image takes ready-built.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY dist ./dist
# The rest of the package: the same image runs the whole harness (tested in test/container.test.ts), e.g.
#   docker run --network host -v "$PWD/reports:/reports" screencap-cert-sim run --profile recorder --reports /reports
COPY features ./features
COPY cucumber.mjs allurerc.mjs ./
# The report child and what it imports: plain JavaScript, run as it is (package.json "files" ships the same).
COPY src/report/*.mjs ./src/report/
EXPOSE 7000 7001
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["sim", "--host", "0.0.0.0", "--port", "7000", "--admin-port", "7001"]
