#!/usr/bin/env bash
# Merge the English translation parts (locale/en/LC_MESSAGES/*.po.part, plain msgid/msgstr pairs
# written per area) into django.po, extract any new strings, and compile django.mo.
# Needs GNU gettext (apt-get install gettext) — only for maintainers; the compiled .mo is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=locale/en/LC_MESSAGES
tmp=$(mktemp -d)
for part in "$dir"/*.po.part; do
  [ -e "$part" ] || continue
  { printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'; cat "$part"; } > "$tmp/$(basename "$part" .part)"
done
msgcat --use-first -o "$dir/django.po" "$dir/django.po" "$tmp"/*.po 2>/dev/null || msgcat --use-first -o "$dir/django.po" "$dir/django.po"
${PYTHON:-.venv/bin/python} manage.py makemessages -l en --no-obsolete -i ".venv/*" -i "var/*" -i "benchmarks/*" -i "tests/*" >/dev/null
# msgcat marks conflicting entries fuzzy; an untranslated or fuzzy entry falls back to Chinese.
${PYTHON:-.venv/bin/python} manage.py compilemessages -l en >/dev/null
rm -rf "$tmp"
echo "translated: $(msgattrib --translated --no-fuzzy "$dir/django.po" | grep -c '^msgid ' || true), untranslated: $(msgattrib --untranslated "$dir/django.po" | grep -c '^msgid ' || true)"
