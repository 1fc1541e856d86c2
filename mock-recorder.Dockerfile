# The standalone mock recorder as an image, for the recorder seat (recorder.container): it does
# what a vendor's recorder image does there, connecting to SCREENCAP_TSERVER (host:port) and
# monitoring SCREENCAP_DNS, both given by the harness. Built on the simulator image (Dockerfile):
#   docker build -t screencap-cert-sim . && docker build -f mock-recorder.Dockerfile -t screencap-cert-mock-recorder .
# BREAK: a deliberately broken recorder (e.g. recorder-start-paused), to see a run fail its rule.
ARG APP=screencap-cert-sim:latest
FROM ${APP}
ARG BREAK=
# A RUN, so the value is part of the layer cache key: podman 4.3 reuses an ENV layer whose
# build argument changed.
RUN echo "mock recorder image; broken: ${BREAK:-no}"
ENV SCREENCAP_BREAK=${BREAK}
# A recorder image may start before the T-Server it is given listens (the harness image beside it
# loads for seconds on a busy machine): like a recorder service, it keeps trying for two minutes,
# as docs/ci's examples have the mock do.
CMD ["mock", "recorder", "--timeout", "120000"]
