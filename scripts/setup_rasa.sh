#!/usr/bin/env bash
# Optional Rasa NLU server. Rasa 3.6 needs Python <= 3.10, so it lives in its own venv, kept outside the
# clone (default ~/.cache/hotline/rasa-venv) so CI and later runs reuse it.
#   bash scripts/setup_rasa.sh install   # venv + rasa==3.6.21 (a few minutes, once)
#   bash scripts/setup_rasa.sh train     # trains from nlu/data/nlu.yml (skipped when unchanged)
#   bash scripts/setup_rasa.sh serve     # install + train + serve /model/parse on $RASA_PORT (5005)
set -euo pipefail
cd "$(dirname "$0")/.."
RASA_PYTHON=${RASA_PYTHON:-/root/.pyenv/versions/3.10.13/bin/python}
RASA_VENV=${RASA_VENV:-$HOME/.cache/hotline/rasa-venv}
RASA_MODELS=${RASA_MODELS:-$HOME/.cache/hotline/rasa-models}
RASA_PORT=${RASA_PORT:-5005}

install() {
  # A marker written last tells a finished install from one cut off half-way.
  if [ -f "$RASA_VENV/.installed-3.6.21" ]; then return; fi
  rm -rf "$RASA_VENV"
  "$RASA_PYTHON" -m venv "$RASA_VENV"
  "$RASA_VENV/bin/pip" install -q --upgrade pip
  "$RASA_VENV/bin/pip" install -q rasa==3.6.21
  touch "$RASA_VENV/.installed-3.6.21"
}

model_path() {
  local digest
  digest=$(cat nlu/data/nlu.yml nlu/rasa/config.yml nlu/rasa/domain.yml | sha256sum | cut -c1-16)
  echo "$RASA_MODELS/nlu-$digest.tar.gz"
}

train() {
  install
  local model; model=$(model_path)
  if [ -f "$model" ]; then echo "$model"; return; fi
  mkdir -p "$RASA_MODELS"
  (cd nlu/rasa && "$RASA_VENV/bin/rasa" train nlu --nlu ../data/nlu.yml --config config.yml \
      --domain domain.yml --out "$RASA_MODELS" --fixed-model-name "$(basename "$model" .tar.gz)" >&2)
  echo "$model"
}

serve() {
  local model; model=$(train)
  exec "$RASA_VENV/bin/rasa" run --enable-api --model "$model" --port "$RASA_PORT" --interface 127.0.0.1
}

case "${1:-serve}" in
  install) install ;;
  train) train ;;
  serve) serve ;;
  *) echo "usage: $0 install|train|serve" >&2; exit 2 ;;
esac
