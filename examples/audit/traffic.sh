#!/usr/bin/env bash
# Gives a running `pushcompose serve` a few hundred hook calls and deliveries to audit:
# webhook devices for some receivers (delivered to a small local receiver this script
# starts), a mute learned from `_conversationUpdate`, mentions through it, groups, and
# messages of several kinds. Then try:
#
#   pushcompose audit find --receiver Jerry
#   pushcompose audit explain --receiver Jerry --call <a call id from find>
#   pushcompose audit verify
#   pushcompose replay --templates <a copy of templates/ with one text changed>
#
# Environment: URL (http://127.0.0.1:3000), ADMIN_TOKEN (the server's
# PUSHCOMPOSE_ADMIN_TOKEN), CALLS (300), WEBHOOK_PORT (3999: the server must have
# PUSHCOMPOSE_WEBHOOK_URL=http://127.0.0.1:$WEBHOOK_PORT/ and a PUSHCOMPOSE_WEBHOOK_SECRET).
set -euo pipefail
URL=${URL:-http://127.0.0.1:3000}
ADMIN_TOKEN=${ADMIN_TOKEN:?set ADMIN_TOKEN to the server\'s PUSHCOMPOSE_ADMIN_TOKEN}
CALLS=${CALLS:-300}
WEBHOOK_PORT=${WEBHOOK_PORT:-3999}

# The devices' endpoint: accepts every push (200), as an app's push gateway would.
python3 - "$WEBHOOK_PORT" <<'PY' &
import http.server, sys
class Accept(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Accept).serve_forever()
PY
receiver_pid=$!
trap 'kill $receiver_pid 2>/dev/null' EXIT

admin() { curl -sf "$URL$1" -H "authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' "${@:2}" > /dev/null; }
hook() { curl -sf "$URL/1.1/functions/$1" -H 'content-type: application/json' -d "$2" > /dev/null; }
text() { printf '{\\"_lctext\\":\\"%s\\",\\"_lctype\\":-1}' "$1"; }

# Names, and devices for Jerry and Spike: their pushes other than the answer's go
# through the custom channel (the webhook).
admin /v1/clients/Tom -X PUT -d '{"name":"Tom"}'
admin /v1/clients/Jerry -X PUT -d '{"name":"Jerry","locale":"en"}'
admin /v1/clients/Spike -X PUT -d '{"name":"Spike","locale":"de"}'
admin /v1/clients/Jerry/devices -X POST -d '{"provider":"webhook","token":"jerry-phone-1","platform":"ios"}'
admin /v1/clients/Spike/devices -X POST -d '{"provider":"webhook","token":"spike-phone-1","platform":"android"}'
# Tyke muted the family chat: only a mention reaches him there (force: mentions).
hook _conversationUpdate '{"convId":"family","initBy":"Tyke","mute":true}'

for i in $(seq 1 "$CALLS"); do
    case $((i % 6)) in
    0) hook _receiversOffline "{\"fromPeer\":\"Tom\",\"convId\":\"family\",\"offlinePeers\":[\"Jerry\",\"Spike\",\"Tyke\"],\"content\":\"$(text "Dinner at $((i % 12 + 1))?")\"}" ;;
    1) hook _receiversOffline "{\"fromPeer\":\"Tom\",\"convId\":\"family\",\"offlinePeers\":[\"Jerry\",\"Tyke\"],\"content\":\"$(text "@Tyke come home")\",\"mentionOfflinePeers\":[\"Tyke\"]}" ;;
    2) hook _receiversOffline "{\"fromPeer\":\"Spike\",\"convId\":\"chat-$i\",\"offlinePeers\":[\"Jerry\"],\"content\":\"{\\\"_lctype\\\":-2,\\\"_lcfile\\\":{\\\"url\\\":\\\"https://example.com/$i.jpg\\\"}}\"}" ;;
    3) hook _receiversOffline "{\"fromPeer\":\"Tom\",\"convId\":\"chat-$i\",\"offlinePeers\":[\"Jerry\",\"Spike\"],\"content\":\"$(text "Message number $i")\",\"mentionOfflinePeers\":[\"Spike\"]}" ;;
    4) hook _receiversOffline "{\"fromPeer\":\"Jerry\",\"convId\":\"chat-$i\",\"offlinePeers\":[\"Tom\",\"user-$i\"],\"content\":\"$(text "Hello from Jerry, $i")\"}" ;;
    5) hook _receiversOffline "{\"fromPeer\":\"Tom\",\"convId\":\"family\",\"offlinePeers\":[\"Spike\",\"Tyke\"],\"content\":\"$(text "Who took the cheese?")\",\"mentionAll\":true}" ;;
    esac
done
# Let the workers deliver what was queued before the receiver goes away.
for _ in $(seq 1 50); do
    ready=$(curl -sf "$URL/v1/queue" -H "authorization: Bearer $ADMIN_TOKEN" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(sum(p.get("ready",0)+p.get("leased",0) for p in s.get("providers",{}).values()) if isinstance(s.get("providers"),dict) else 0)' 2>/dev/null || echo 0)
    [ "$ready" = 0 ] && break
    sleep 0.2
done
echo "sent $CALLS hook calls"
