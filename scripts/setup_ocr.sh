#!/usr/bin/env bash
# Install the system programs the readers use, where they are missing (Debian/Ubuntu, apt-get):
#   tesseract-ocr + tesseract-ocr-chi-sim   OCR of scanned PDF pages (analyzer/ocr.py)
#   antiword                               legacy .doc / .wps documents (analyzer/readers.py)
#   fonts-wqy-microhei                     a CJK font: the tests draw scanned pages with it
# Idempotent and non-interactive; when everything is there it only checks (well under a second).
# LibreOffice is used for .doc/.wps when present but is not installed here (several hundred MB).
# SKIP_OCR_SETUP=1 skips this script (e.g. on a machine where you manage packages yourself).
set -euo pipefail

if [[ "${SKIP_OCR_SETUP:-}" == "1" ]]; then
    exit 0
fi

have_tesseract() { command -v tesseract >/dev/null 2>&1; }
have_chi_sim() { have_tesseract && tesseract --list-langs 2>/dev/null | grep -qx 'chi_sim'; }
have_antiword() { command -v antiword >/dev/null 2>&1; }
have_cjk_font() {
    [[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] && return 0
    command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list :lang=zh file 2>/dev/null | head -n 1)" ]]
}

missing() {
    local out=()
    have_tesseract || out+=(tesseract-ocr)
    have_chi_sim || out+=(tesseract-ocr-chi-sim)
    have_antiword || out+=(antiword)
    have_cjk_font || out+=(fonts-wqy-microhei)
    echo "${out[@]:-}"
}

packages=$(missing)
if [[ -z "$packages" ]]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "缺少系统组件：$packages。本机没有 apt-get，请用系统的包管理器安装 Tesseract（含 chi_sim 简体中文模型）、antiword 和一种中文字体。" >&2
    exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "缺少系统组件：$packages。请以管理员身份运行：sudo apt-get install -y $packages" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "安装系统组件：$packages" >&2
# shellcheck disable=SC2086 # word splitting of the package list is intended
if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends $packages >/dev/null 2>&1; then
    "${SUDO[@]}" apt-get update -qq >/dev/null
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends $packages >/dev/null
fi

still=$(missing)
if [[ -n "$still" ]]; then
    echo "安装后仍缺少：$still" >&2
    exit 1
fi
