# One image for api, worker and bot processes (the command differs per service).
FROM python:3.11-slim
WORKDIR /app
# procps: the worker and bot healthchecks look for their process with pgrep.
RUN apt-get update && apt-get install -y --no-install-recommends procps && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 HOTLINE_DATA_DIR=/data
COPY pyproject.toml README.md ./
COPY hotline ./hotline
COPY knowledge_base ./knowledge_base
COPY nlu ./nlu
COPY feedback_api ./feedback_api
COPY bot ./bot
COPY scripts ./scripts
# CPU build of torch first, so sentence-transformers does not pull a CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install . \
 && hotline index build
VOLUME ["/data"]
EXPOSE 8000
CMD ["hotline", "serve", "--host", "0.0.0.0", "--port", "8000"]
