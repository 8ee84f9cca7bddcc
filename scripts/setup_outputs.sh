#!/bin/sh
# System packages the outputs need (issue 6), installed once; a no-op when already present.
#
#   fonts-noto-cjk      Chinese glyphs for the chart in 问题汇总报告.docx (matplotlib) and for the
#                       headless browser / LibreOffice renderings.
#   chromium            the real browser the HTML report test opens (tests/test_browser.py).
#   libreoffice-writer  only with --office: converts 问题汇总报告.docx to PDF for docs/summary_docx.png.
#
# Usage: scripts/setup_outputs.sh [--office]
# Debian/Ubuntu only (apt-get); elsewhere it prints what to install and exits 0, so `make test`
# still runs (the browser test then skips with the reason).
set -eu

packages="fonts-noto-cjk chromium"
if [ "${1:-}" = "--office" ]; then
    packages="$packages libreoffice-writer"
fi

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_outputs: 请手动安装：$missing（需要中文字体与 Chromium 浏览器）" >&2
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO="sudo -n"
    else
        echo "setup_outputs: 需要管理员权限安装：$missing（sudo apt-get install -y$missing）" >&2
        exit 0
    fi
fi

echo "setup_outputs: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fc-cache -f >/dev/null 2>&1 || true
