"""The seed's Python `_receiversOffline` example, as the platform's document gives it
(prints included; bench/run sends stdout to /dev/null), hosted by the official
LeanEngine Python SDK on its gevent WSGI server: what users run today."""
import json
import os

import leancloud
from gevent import socket
from gevent.pywsgi import WSGIServer

engine = leancloud.Engine()


@engine.define
def _receiversOffline(**params):
    print('_receiversOffline start')
    # params['content'] is the content of the message
    content = params['content']
    short_content = content[:6]
    print('short_content:', short_content)
    payloads = {
        # Increment the number of unread messages; you can provide a number as well
        'badge': 'Increment',
        'sound': 'default',
        # Use the dev certificate
        '_profile': 'dev',
        'alert': short_content,
    }
    print('_receiversOffline end')
    return {
        'pushMessage': json.dumps(payloads),
    }


leancloud.init(
    os.environ['LEANCLOUD_APP_ID'], app_key=os.environ['LEANCLOUD_APP_KEY'],
    master_key=os.environ['LEANCLOUD_APP_MASTER_KEY'], hook_key=os.environ['LEANCLOUD_APP_HOOK_KEY'])

# As shipped, pywsgi writes the headers and the body of an answer in two small writes;
# with Nagle's algorithm on, the second waits for the client's delayed ACK (~40 ms) on
# every keep-alive request, and the server idles. NODELAY=1 (bench/run's default) sets
# TCP_NODELAY on the listener, which accepted sockets inherit, so the baseline is
# measured at its best: bound by its own CPU, not by that stall.
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if os.environ.get('NODELAY', '1') == '1':
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
listener.bind(('127.0.0.1', int(os.environ['LEANCLOUD_APP_PORT'])))
listener.listen(256)
WSGIServer(listener, engine, log=None).serve_forever()
