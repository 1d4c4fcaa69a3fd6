#!/bin/bash
# Screenshots of the main window's flows from the real app under Xvfb, driven with xdotool:
# a streamed answer (light/dark x en/zh_CN), search, and the engine-crash banner.
#
# Needs: apt-get install -y xvfb xdotool imagemagick fonts-noto-cjk fonts-noto-color-emoji
# and SmolLM2 in the test model cache. Usage (from the repository root): docs/screenshots/take-main.sh
# The branch switcher shot (main-branches-*.png) was taken by clicking "Regenerate" by hand.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=docs/screenshots
MODEL=${HEARTH_TEST_MODELS:-$HOME/.cache/hearth/models}/SmolLM2-135M-Instruct.Q4_1.gguf
WORK=$(mktemp -d)
export DISPLAY=:91 QT_QPA_PLATFORM=xcb
Xvfb $DISPLAY -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$WORK"' EXIT
sleep 1

seed() {  # theme language: a data folder with a few chats of different ages
  HEARTH_HOME=$WORK/home .venv/bin/python - "$1" "$2" <<'PY'
import json, sys, time
from desktop.paths import settings_path
from desktop.store import Store
store, now = Store.open(), time.time()
for title, text, age, pinned in [("Weekly plan", "Plan my week.", 2, True),
                                 ("Packing list for Kyoto", "What should I pack for Kyoto in April?", 1.2, False),
                                 ("Explain the TCP handshake", "Explain the TCP handshake.", 3, False),
                                 ("Regex for e-mail addresses", "A regex for e-mail addresses?", 12, False),
                                 ("Sourdough starter", "My starter smells of acetone.", 30, False)]:
    sid = store.create_session(title=title)
    store.add_message(sid, "user", text)
    with store.transaction() as conn:
        conn.execute("UPDATE sessions SET updated_at = ?, pinned = ? WHERE id = ?", (now - age * 86400, int(pinned), sid))
store.close()
settings_path().write_text(json.dumps({"theme": sys.argv[1], "language": sys.argv[2], "threads": 1, "font_size": 10}))
PY
}

shoot() {
  import -window root "$WORK/shot.png"
  convert "$WORK/shot.png" -colors 256 "PNG8:$OUT/$1.png"
  echo "$OUT/$1.png $(stat -c %s "$OUT/$1.png") bytes"
}

session() {  # name theme language question seconds [after]: start, ask, wait, shoot, quit
  rm -rf "$WORK/home"; seed "$2" "$3"
  HEARTH_HOME=$WORK/home .venv/bin/hearth --model "$MODEL" >"$WORK/app.log" 2>&1 &
  local app=$!
  for _ in $(seq 40); do xdotool search --name '^Hearth$' >/dev/null 2>&1 && break; sleep 0.5; done
  local win; win=$(xdotool search --name '^Hearth$' | head -1)
  xdotool windowmove "$win" 0 0 windowsize "$win" 1280 800
  sleep 4
  xdotool type --delay 15 "$4"; xdotool key Return
  sleep "$5"
  if [ "${6:-}" = crash ]; then kill -9 "$(pgrep -P $app)"; sleep 2; fi
  shoot "$1"
  if [ "${6:-}" = search ]; then xdotool key ctrl+f; xdotool type --delay 30 "pack"; sleep 2; shoot main-search-$2-$3; fi
  xdotool key ctrl+q; sleep 2; kill $app 2>/dev/null || true
}

session main-chat-light-en light en "Write a Python function that checks whether a number is prime, and explain it briefly." 30 search
session main-chat-dark-en dark en "Explain what a hash map is, with a short Python example." 30
session main-chat-light-zh_CN light zh_CN "Make a markdown table of three fruits with their colour and taste." 25
session main-chat-dark-zh_CN dark zh_CN "Give three tips for learning Chinese as a numbered list with a bold title for each." 25
session main-crash-light-en light en "Write a long story about a lighthouse keeper." 7 crash
