# The bot in a container: a slim Python, a non-root user, the fact base baked in.
# Replace the fact base without a rebuild by mounting a folder over /app/knowledge.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_KNOWLEDGE_DIR=/app/knowledge

RUN useradd --create-home --uid 10001 bot
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install .

COPY knowledge ./knowledge

USER bot
CMD ["python", "-m", "bot", "run"]
