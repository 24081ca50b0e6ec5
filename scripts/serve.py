"""Serves the built planner (dist/) on 127.0.0.1: a static file server that sends a file's Brotli
twin (`name.br`, written by scripts/post-build.mjs) with `Content-Encoding: br` to browsers that
accept Brotli, else its gzip twin (`name.gz`) with `Content-Encoding: gzip` to those that accept
gzip, and the file itself to the rest. Standard library only.

    python3 scripts/serve.py PORT DIRECTORY      (PORT 0: any free port)
"""

import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    """SimpleHTTPRequestHandler, plus precompressed twins and the wasm MIME type."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
            path = os.path.join(path, "index.html")
        accepts = {
            part.split(";", 1)[0].strip().lower()
            for part in self.headers.get("Accept-Encoding", "").split(",")
        }
        for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
            twin = path + suffix
            if encoding in accepts and os.path.isfile(path) and os.path.isfile(twin):
                break
        else:
            return super().send_head()
        f = open(twin, "rb")  # closed by the caller, as in SimpleHTTPRequestHandler
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", encoding)
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return f


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    handler = lambda *a, **kw: Handler(*a, directory=directory, **kw)  # noqa: E731
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        # Port 0 takes a free one; the line says which (the browser tests read it).
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        print(f"byocni planner: open {url} in your browser (Ctrl+C stops the server)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
