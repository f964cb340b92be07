#!/usr/bin/env bash
# Extracts every marked string (babel.cfg) into desk/locale/desk.pot, merges it into
# each catalog (zh_CN: desk/locale/zh_CN/LC_MESSAGES/desk.po) and compiles the .mo
# files that ship in the package. Safe to run again and again: files change only
# when strings do.
#
# After adding or changing a string: run this, translate the new empty or fuzzy
# entries in desk.po, run this again, commit the .pot, .po and .mo together.
# tests/desk/test_i18n.py fails, naming the string, until that is done.
set -euo pipefail
cd "$(dirname "$0")/.."

BABEL=${BABEL:-.venv/bin/pybabel}
DIR=desk/locale
DOMAIN=desk
POT=$DIR/$DOMAIN.pot
LOCALES=(zh_CN)
VERSION=$(grep -m1 '^version *=' pyproject.toml | cut -d'"' -f2)
HEADER="# Desk's interface strings. Made by scripts/i18n.sh from babel.cfg: do not edit."

new=$(mktemp)
trap 'rm -f "$new"' EXIT

# Sorted, with file names but no line numbers, unwrapped: a new string is one hunk
# in the diff and moving code changes nothing. --ignore-dirs replaces Babel's default,
# which also skips folders starting with "_" such as templates/_partials.
"$BABEL" -q extract -F babel.cfg --no-default-keywords -k _ -k gettext \
  --ignore-dirs=".*" --sort-output --add-location=file --no-wrap \
  --project=Desk --version="$VERSION" --header-comment="$HEADER" -o "$new" .

# Keep the old template when only its creation date would change.
if [ ! -f "$POT" ] || ! diff -q <(grep -v '^"POT-Creation-Date:' "$POT") \
                                  <(grep -v '^"POT-Creation-Date:' "$new") >/dev/null; then
  cp "$new" "$POT"
  echo "i18n: $POT updated" >&2
fi

for locale in "${LOCALES[@]}"; do
  "$BABEL" -q update -i "$POT" -d "$DIR" -D "$DOMAIN" -l "$locale" --init-missing \
    --no-wrap --ignore-obsolete --ignore-pot-creation-date
  "$BABEL" compile -d "$DIR" -D "$DOMAIN" -l "$locale" --statistics
done
