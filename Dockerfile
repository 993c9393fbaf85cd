# The service's image, for compose.yaml (web, worker, beat and the one-off `setup`).
# Without Docker, `make run` does the same on the machine itself.
FROM python:3.11-slim

# The malloc settings are bin/stack.py's (why: README, "Benchmark").
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=1048576 \
    PATH=/app/.venv/bin:$PATH

WORKDIR /app
# bin/stack.py runs manage.py with .venv's Python, as under `make run`.
COPY requirements.txt ./
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r requirements.txt

COPY . .
# var/ holds the SQLite database of users, the JWT key pair and beat's schedule: a
# volume in compose.yaml, owned by the unprivileged user the processes run as.
RUN useradd --system --no-create-home --home-dir /app app && mkdir -p var && chown app var
USER app

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
