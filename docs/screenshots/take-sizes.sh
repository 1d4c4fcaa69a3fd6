#!/bin/bash
# The main window at the default size (1200x780) and at 800x600 on a 1366x860 screen, from the real
# app under Xvfb with SmolLM2 answering: light English and dark Chinese at each size (issue 24).
#
# Needs: apt-get install -y xvfb xdotool imagemagick fonts-noto-cjk fonts-noto-color-emoji
# and SmolLM2 in the test model cache. Usage (from the repository root): docs/screenshots/take-sizes.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=docs/screenshots
MODEL=${HEARTH_TEST_MODELS:-$HOME/.cache/hearth/models}/SmolLM2-135M-Instruct.Q4_1.gguf
WORK=$(mktemp -d)
export DISPLAY=:92 QT_QPA_PLATFORM=xcb
Xvfb $DISPLAY -screen 0 1366x860x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$WORK"' EXIT
sleep 1

session() {  # name theme language width height question seconds
  rm -rf "$WORK/home"; mkdir -p "$WORK/home"
  printf '{"theme": "%s", "language": "%s", "threads": 1, "font_size": 10}' "$2" "$3" >"$WORK/home/settings.json"
  HEARTH_HOME=$WORK/home .venv/bin/hearth --model "$MODEL" >"$WORK/app.log" 2>&1 &
  local app=$!
  for _ in $(seq 40); do xdotool search --name '^Hearth$' >/dev/null 2>&1 && break; sleep 0.5; done
  local win; win=$(xdotool search --name '^Hearth$' | head -1)
  xdotool windowmove "$win" 0 0 windowsize "$win" "$4" "$5"
  sleep 4
  xdotool type --delay 15 "$6"; xdotool key Return
  sleep "$7"
  import -window "$win" "$WORK/shot.png"
  convert "$WORK/shot.png" -colors 256 "PNG8:$OUT/$1.png"
  echo "$OUT/$1.png $(identify -format '%wx%h' "$OUT/$1.png") $(stat -c %s "$OUT/$1.png") bytes"
  xdotool key ctrl+q; sleep 2; kill $app 2>/dev/null || true
}

session main-1200x780-light-en light en 1200 780 "Write a Python function that checks whether a number is prime, and explain it briefly." 25
session main-1200x780-dark-zh_CN dark zh_CN 1200 780 "用中文简单介绍一下长城。" 25
session main-800x600-light-en light en 800 600 "Explain what a hash map is, with a short Python example." 25
session main-800x600-dark-zh_CN dark zh_CN 800 600 "Give three tips for learning Chinese as a numbered list." 25
