#!/bin/bash
# Screenshots of the real app's welcome page, settings and model manager: light/dark x en/zh_CN.
#
# Needs: apt-get install -y xvfb openbox xdotool imagemagick fonts-noto-cjk libxcb-cursor0
# and the SmolLM2 + Qwen models in the test model cache (run the test suite once, or
# `hearth models fetch smollm2-135m` and `hearth models fetch default` with HEARTH_MODELS set to it).
# Usage (from the repository root): docs/screenshots/take-panels.sh [welcome|models|all]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=docs/screenshots
MODELS=${HEARTH_TEST_MODELS:-$HOME/.cache/hearth/models}
WORK=$(mktemp -d)
DISPLAY_NUMBER=:77
only=${1:-all}

Xvfb $DISPLAY_NUMBER -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$WORK"' EXIT
export DISPLAY=$DISPLAY_NUMBER QT_QPA_PLATFORM=xcb PYTHONPATH=$PWD
sleep 1
openbox >/dev/null 2>&1 &

shoot() {  # name: the whole screen (the window and its dialog), reduced to 256 colours
  import -window root "$WORK/$1.png"
  convert "$WORK/$1.png" -colors 256 "PNG8:$OUT/$1.png"
  echo "$OUT/$1.png $(stat -c %s "$OUT/$1.png") bytes"
}

start_app() {  # HEARTH_HOME HEARTH_MODELS [args...]: start, wait for the window, focus it
  HEARTH_HOME=$1 HEARTH_MODELS=$2 .venv/bin/hearth "${@:3}" >"$WORK/app.log" 2>&1 &
  app=$!
  xdotool search --sync --onlyvisible --name '^Hearth$' >/dev/null
  sleep 4
  window=$(xdotool search --onlyvisible --name '^Hearth$' | head -1)  # found again: it is settled now
  xdotool windowactivate --sync "$window"
}

for theme in light dark; do
  for lang in en zh_CN; do
    tag=$theme-$lang
    home=$WORK/home-$tag
    mkdir -p "$home" "$WORK/no-models" "$WORK/models"
    printf '{"theme": "%s", "language": "%s"}' "$theme" "$lang" >"$home/settings.json"
    if [[ $only == all || $only == welcome ]]; then
      start_app "$home" "$WORK/no-models"
      shoot "welcome-$tag"
      xdotool key ctrl+comma
      sleep 2
      shoot "settings-$tag"
      kill $app; wait $app 2>/dev/null || true
    fi
    if [[ $only == all || $only == models ]]; then
      ln -sf "$MODELS/SmolLM2-135M-Instruct.Q4_1.gguf" "$MODELS/qwen2.5-coder-0.5b-instruct.gguf" "$WORK/models/"
      start_app "$home" "$WORK/models" --model "$WORK/models/SmolLM2-135M-Instruct.Q4_1.gguf"
      sleep 4  # the model loads
      xdotool key ctrl+m
      sleep 6  # the dialog reads the files and asks the engine what the build supports
      shoot "models-$tag"
      kill $app; wait $app 2>/dev/null || true
    fi
  done
done
