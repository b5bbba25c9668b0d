# One image for every ShopRec service: the storefront (`shoprec run`), the model job
# (`shoprec prepare-model`) and the Dramatiq workers (`dramatiq actors.worker ...`).
#
#   docker compose build          # see docker-compose.yml and the README's "Deployment"

# trixie's Debian packages carry Node.js 20; npm only installs bun, which builds the frontend.
ARG PYTHON_IMAGE=python:3.11-slim-trixie
FROM ${PYTHON_IMAGE}

RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REFLEX_TELEMETRY_ENABLED=false \
    HF_HUB_OFFLINE=1 \
    SHOPREC_HOME=/data/shop \
    SHOPREC_ARTIFACTS=/data/artifacts \
    SHOPREC_CACHE_DIR=/data/cache/embeddings

# The CPU build of torch first: from PyPI, torch 2.13.0 resolves to the multi-GB CUDA build.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN pip install torch==2.13.0 --index-url "${TORCH_INDEX_URL}"

WORKDIR /app

# Dependencies in their own layer, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
      > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

RUN useradd --create-home --uid 10001 shoprec \
 && mkdir -p /data/shop /data/artifacts /data/cache \
 && chown -R shoprec:shoprec /data /app

COPY --chown=shoprec:shoprec . .
# Editable on purpose: `shoprec run` starts Reflex in the project folder (rxconfig.py,
# alembic.ini, assets/), which a plain `pip install .` would leave out of site-packages.
RUN pip install --no-deps -e .

USER shoprec
# The frontend's packages are installed now, not at every container's first start.
RUN python deploy/build_frontend.py

EXPOSE 3000
CMD ["shoprec", "run", "--host", "0.0.0.0", "--port", "3000"]
