#!/bin/sh
# Fills the ${NAME} placeholders of /etc/alertmanager/alertmanager.yml (outside comments) from the environment into
# /tmp/alertmanager.yml, then starts Alertmanager with it (extra arguments are passed on). A placeholder whose
# variable is unset or empty stops the start, naming it. Values are escaped for YAML double-quoted strings
# (\ and "), and never expanded by the shell.
set -eu
template=${ALERTMANAGER_TEMPLATE:-/etc/alertmanager/alertmanager.yml}
out=${ALERTMANAGER_CONFIG:-/tmp/alertmanager.yml}
[ -r "$template" ] || { echo "alertmanager: cannot read $template" >&2; exit 2; }
missing=$(grep -v '^[[:space:]]*#' "$template" | grep -o '\${[A-Z_][A-Z0-9_]*}' | sort -u | while read -r p; do
    name=${p#??}; name=${name%?}
    eval "[ -n \"\${$name:-}\" ]" || printf '%s ' "$name"
done)
if [ -n "$missing" ]; then
    echo "alertmanager: set these variables: $missing" >&2
    exit 2
fi
awk '/^[[:space:]]*#/ { print; next }
{
    line = $0; out = ""
    while (match(line, /\$\{[A-Z_][A-Z0-9_]*\}/)) {
        value = ENVIRON[substr(line, RSTART + 2, RLENGTH - 3)]
        gsub(/\\/, "\\\\", value); gsub(/"/, "\\\"", value)
        out = out substr(line, 1, RSTART - 1) value
        line = substr(line, RSTART + RLENGTH)
    }
    print out line
}' "$template" > "$out"
[ -n "${ALERTMANAGER_RENDER_ONLY:-}" ] && exit 0
exec /bin/alertmanager --config.file="$out" --storage.path=/alertmanager "$@"
