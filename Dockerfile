# The bot in a container: a slim Python, a non-root user, the fact base baked in.
# Replace the fact base without a rebuild by mounting a folder over /app/knowledge.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_KNOWLEDGE_DIR=/app/knowledge \
    BOT_DATABASE=/app/data/questions.sqlite3

RUN useradd --create-home --uid 10001 bot
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install .

COPY knowledge ./knowledge
# The bot writes the question log, and moderators' taught phrasings, as its own user.
RUN mkdir -p /app/data && chown -R bot:bot /app/data /app/knowledge
VOLUME /app/data

USER bot
CMD ["python", "-m", "bot", "run"]
