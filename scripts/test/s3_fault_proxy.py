#!/usr/bin/env python3
"""A fault-injecting TCP proxy in front of an S3 server (moto), for the S3 sink's fault tests.

Usage: s3_fault_proxy.py UPSTREAM_PORT
Listens on a free loopback port and prints one JSON line {"endpoint": "http://127.0.0.1:<port>"}.
Requests are relayed byte for byte (the Host header is the proxy's, which is what the client
signed, so moto's SigV4 check passes), one request per connection: moto answers
`Connection: close`. Then reads commands on stdin, one per line, and answers each with one line:

  pass       relay every request (the default)                                    -> ok
  fail CODE  answer every request with CODE and an S3 error document, relay none  -> ok
  hold       relay the request, then keep its answer back: the client waits until
             its own timeout (the store has the request; the client never learns) -> ok
  log        every request so far as JSON [{"method", "path", "mode"}]            -> the JSON

It exits when stdin closes.
"""
import asyncio
import json
import sys
import threading

upstream_port = int(sys.argv[1])
state = {"mode": "pass", "code": 500}
requests = []

CODES = {500: ("InternalError", "We encountered an internal error. Please try again."),
         503: ("SlowDown", "Please reduce your request rate."),
         403: ("AccessDenied", "Access Denied")}


async def read_head(reader):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = await reader.read(65536)
        if not chunk:
            return None
        data += chunk
    return data


async def pipe(reader, writer, forward=True):
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            if forward:
                writer.write(chunk)
                await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass


async def handle(client_reader, client_writer):
    try:
        head = await read_head(client_reader)
        if head is None:
            return
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, path = (request_line.split(" ") + ["", ""])[:2]
        mode = state["mode"]
        requests.append({"method": method, "path": path, "mode": mode if mode != "fail" else f"fail {state['code']}"})
        if mode == "fail":
            code = state["code"]
            name, message = CODES.get(code, ("Error", "Injected fault"))
            body = b"" if method == "HEAD" else (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{name}</Code><Message>{message}</Message>'
                f"<RequestId>fault-proxy</RequestId></Error>").encode()
            client_writer.write(
                f"HTTP/1.1 {code} {name}\r\nContent-Type: application/xml\r\nContent-Length: {len(body)}\r\n"
                f"Connection: close\r\n\r\n".encode() + body)
            await client_writer.drain()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        upstream_writer.write(head)
        await upstream_writer.drain()
        upload = asyncio.ensure_future(pipe(client_reader, upstream_writer))
        # hold: moto gets the whole request and answers, but the answer never reaches the client.
        await pipe(upstream_reader, client_writer, forward=(mode != "hold"))
        if mode == "hold":
            await upload  # until the client gives up and closes
        upload.cancel()
        upstream_writer.close()
    except ConnectionError:
        pass
    finally:
        client_writer.close()


def commands(loop, done):
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "log":
            answer = json.dumps(list(requests))
        elif words[0] in ("pass", "hold"):
            state["mode"] = words[0]
            answer = "ok"
        elif words[0] == "fail" and len(words) == 2 and words[1].isdigit():
            state["mode"], state["code"] = "fail", int(words[1])
            answer = "ok"
        else:
            answer = f"error: unknown command {line.strip()!r}"
        print(answer, flush=True)
    loop.call_soon_threadsafe(done.set)


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"endpoint": f"http://127.0.0.1:{port}"}), flush=True)
    done = asyncio.Event()
    threading.Thread(target=commands, args=(asyncio.get_running_loop(), done), daemon=True).start()
    await done.wait()
    server.close()


asyncio.run(main())
