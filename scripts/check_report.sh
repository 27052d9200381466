#!/usr/bin/env bash
# Render a report.html in headless Chromium: a PNG screenshot of the page as a reader first
# sees it (1280 px wide, the first SCREENSHOT_HEIGHT px, default 4000) and an A4 PDF with the
# print styles (page breaks between sections, no figure split over two pages), for a person
# to look at before the appendix goes out.
#
#   bash scripts/check_report.sh REPORT_FOLDER [OUT_FOLDER]
#
# Writes OUT_FOLDER/report.png, OUT_FOLDER/report.pdf and OUT_FOLDER/report-page-N.png (one
# PNG per PDF page, if pdftoppm is present). OUT_FOLDER defaults to REPORT_FOLDER/check.
# Installs Debian's chromium (and poppler-utils for pdftoppm) with apt-get when missing;
# that needs root.
set -euo pipefail

report_dir=${1:?usage: check_report.sh REPORT_FOLDER [OUT_FOLDER]}
html="$report_dir/report.html"
[ -f "$html" ] || { echo "check_report: $html not found" >&2; exit 2; }
out=${2:-$report_dir/check}
mkdir -p "$out"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "check_report: needs ${need[*]}; run as root or: sudo apt-get install ${need[*]}" >&2
        exit 2
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" fonts-dejavu-core >/dev/null
fi

url="file://$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-dev-shm-usage
       --run-all-compositor-stages-before-draw --virtual-time-budget=5000)
chromium "${flags[@]}" --window-size="1280,${SCREENSHOT_HEIGHT:-4000}" --screenshot="$out/report.png" "$url" >/dev/null 2>&1
chromium "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out/report.pdf" "$url" >/dev/null 2>&1
if command -v pdftoppm >/dev/null 2>&1; then
    pdftoppm -r 60 -png "$out/report.pdf" "$out/report-page"
    pages=$(ls "$out"/report-page-*.png | wc -l)
else
    pages="?"
fi
echo "wrote $out/report.png and $out/report.pdf ($pages A4 pages)"
