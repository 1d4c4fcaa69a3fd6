#!/usr/bin/env bash
# Renders resources/icons/hearth.svg into the PNG sizes desktops and installers ask for.
# The PNGs are committed (a user's install should not need an SVG renderer); rerun this after
# editing the SVG. Needs rsvg-convert (apt: librsvg2-bin) and, for the Windows .ico, ImageMagick.
set -euo pipefail
cd "$(dirname "$0")/../resources/icons"
command -v rsvg-convert >/dev/null || { echo "render-icons: rsvg-convert not found; install librsvg2-bin" >&2; exit 1; }
for size in 16 24 32 48 64 128 256 512; do
    rsvg-convert --width "$size" --height "$size" hearth.svg --output "hearth-$size.png"
done
command -v convert >/dev/null || { echo "render-icons: ImageMagick's convert not found; install imagemagick" >&2; exit 1; }
convert hearth-16.png hearth-24.png hearth-32.png hearth-48.png hearth-64.png hearth-128.png hearth-256.png hearth.ico
echo "render-icons: wrote hearth-{16..512}.png and hearth.ico in $(pwd)"
