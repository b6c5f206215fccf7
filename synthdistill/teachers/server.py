"""Serve a GGUF model with llama.cpp's OpenAI-compatible HTTP server (scale-out teacher).

    python -m synthdistill.teachers.server --model smollm2-135m-instruct --port 8080

prints ``listening on http://HOST:PORT`` once the model is loaded, then serves until
SIGTERM/SIGINT. Point ``teacher.backend: openai`` at it with
``OPENAI_BASE_URL=http://HOST:PORT/v1``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from synthdistill.assets import REGISTRY, AssetError, resolve_model
from synthdistill.teachers.llamacpp import server_params, start_server

KEY_ENV = "SYNTHDISTILL_SERVER_API_KEY"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m synthdistill.teachers.server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--model",
        default="smollm2-135m-instruct",
        help=f"registry name ({', '.join(sorted(REGISTRY))}) or a .gguf path",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--parallel", type=int, default=8, help="slots decoded as one batch")
    parser.add_argument("--context", type=int, default=4096, help="tokens per request")
    parser.add_argument("--verbose", action="store_true", help="llama.cpp's full log")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        resolved = resolve_model(args.model)
    except AssetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not Path(resolved.path).is_file():
        print(f"error: '{args.model}' is not a local GGUF file", file=sys.stderr)
        return 2
    alias = resolved.name if resolved.name in REGISTRY else Path(resolved.path).name
    params = server_params(
        resolved.path,
        args.threads,
        args.parallel,
        args.context,
        host=args.host,
        port=args.port,
        alias=alias,
        api_key=os.environ.get(KEY_ENV) or None,  # clients send it as OPENAI_API_KEY
        verbose=args.verbose,
    )
    if args.host not in ("127.0.0.1", "localhost", "::1") and not os.environ.get(KEY_ENV):
        print(
            f"warning: serving on {args.host} without an API key (set {KEY_ENV})", file=sys.stderr
        )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        server = start_server(params)
    except Exception as err:
        print(
            f"error: llama.cpp server failed to start on {args.host}:{args.port}: {err}",
            file=sys.stderr,
        )
        return 1
    print(f"listening on {server.listening_address}", flush=True)
    print(
        f"model {alias} ({resolved.path}), {args.parallel} slots x {args.context} tokens, "
        f"{args.threads} threads",
        file=sys.stderr,
        flush=True,
    )
    while not stop.wait(0.5):
        pass
    del server  # stops the engine loop and the HTTP listener
    return 0


if __name__ == "__main__":
    sys.exit(main())
