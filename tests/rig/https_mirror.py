"""Serves a directory over HTTPS on 127.0.0.1 (a provider network mirror for the install tests).

  python3 https_mirror.py DIR CERT KEY

Prints the port it listens on, then serves until killed. The certificate comes from a throwaway
CA the test makes; Terraform trusts it through SSL_CERT_FILE (Go reads it on Linux), as a
company's own CA would be trusted.
"""
import functools
import http.server
import ssl
import sys

directory, cert, key = sys.argv[1:4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
