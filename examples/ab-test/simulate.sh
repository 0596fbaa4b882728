#!/usr/bin/env bash
# Plays an app with a known truth against a running `pushcompose serve`: sends CALLS
# `_receiversOffline` calls (one conversation and one receiver each), reads the variant
# and push id from each answer's `_pc` member, decides with the given open rate per
# variant whether the receiver opened the push, and reports the opens to /v1/events.
#
#   PLAIN_RATE=0.10 WAVE_RATE=0.16 ./simulate.sh     # a true difference
#   PLAIN_RATE=0.12 WAVE_RATE=0.12 ./simulate.sh     # none
#
# Environment: URL (http://127.0.0.1:3000), EVENTS_TOKEN (the server's
# PUSHCOMPOSE_EVENTS_TOKEN), CALLS (2000), SEED (1), PLAIN_RATE, WAVE_RATE, RUN (a prefix
# that keeps the ids of two runs against one server apart).
set -euo pipefail
URL=${URL:-http://127.0.0.1:3000}
EVENTS_TOKEN=${EVENTS_TOKEN:?set EVENTS_TOKEN to the server\'s PUSHCOMPOSE_EVENTS_TOKEN}
CALLS=${CALLS:-2000}
PLAIN_RATE=${PLAIN_RATE:-0.10}
WAVE_RATE=${WAVE_RATE:-0.16}
RUN=${RUN:-run1}
RANDOM=${SEED:-1}

# Open rates as thresholds on two $RANDOM draws (0..1073741823).
threshold() { awk -v rate="$1" 'BEGIN { printf "%d", rate * 1073741824 }'; }
plain_threshold=$(threshold "$PLAIN_RATE")
wave_threshold=$(threshold "$WAVE_RATE")

events=()
sent=0 opened=0 plain=0 wave=0
flush() {
    [ ${#events[@]} -eq 0 ] && return
    local body
    body="{\"events\":[$(IFS=,; echo "${events[*]}")]}"
    curl -sf "$URL/v1/events" -H "authorization: Bearer $EVENTS_TOKEN" -H 'content-type: application/json' -d "$body" > /dev/null
    events=()
}

for i in $(seq 1 "$CALLS"); do
    receiver="$RUN-user-$i"
    answer=$(curl -sf "$URL/1.1/functions/_receiversOffline" -H 'content-type: application/json' \
        -d "{\"fromPeer\":\"Tom\",\"convId\":\"room-$RUN-$i\",\"offlinePeers\":[\"$receiver\"],\"content\":\"Lunch at noon?\"}")
    sent=$((sent + 1))
    # The answer's pushMessage is a JSON string: its quotes arrive escaped.
    id=$(grep -o '\\"id\\":\\"[0-9a-f-]*' <<< "$answer" | sed 's/.*\\"//')
    variant=$(grep -o '\\"v\\":\\"[a-z]*' <<< "$answer" | sed 's/.*\\"//')
    if [ "$variant" = wave ]; then wave=$((wave + 1)); threshold=$wave_threshold; else plain=$((plain + 1)); threshold=$plain_threshold; fi
    draw=$(( (RANDOM << 15) | RANDOM ))
    if [ "$draw" -lt "$threshold" ]; then
        opened=$((opened + 1))
        events+=("{\"type\":\"opened\",\"pushId\":\"$id\",\"receiver\":\"$receiver\"}")
        [ ${#events[@]} -ge 500 ] && flush
    fi
done
flush
echo "sent $sent pushes (plain $plain, wave $wave), reported $opened opens (true rates: plain $PLAIN_RATE, wave $WAVE_RATE)"
