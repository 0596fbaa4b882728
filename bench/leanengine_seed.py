"""The seed's Python `_receiversOffline` example, as the platform's document gives it
(prints included; bench/run sends stdout to /dev/null), hosted by the official
LeanEngine Python SDK on its gevent WSGI server: what users run today."""
import json
import os

import leancloud
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
WSGIServer(('127.0.0.1', int(os.environ['LEANCLOUD_APP_PORT'])), engine, log=None).serve_forever()
