#!/usr/bin/env python3
"""A loopback HTTP/1.1 server that keeps connections alive (moto's werkzeug
server closes each one), for the S3 remote's connection-reuse test.

Answers every GET/HEAD/PUT/DELETE with 200 and an empty ListBucketResult.
Prints {"port": N} once ready; runs until stdin closes.
"""
import http.server
import json
import sys
import threading

BODY = b'<?xml version="1.0"?><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'


class KeepAliveHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(BODY)

    do_GET = do_HEAD = do_PUT = do_DELETE = reply

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), KeepAliveHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
