"""`mentor-bot sandbox`: the real bot and a Slack emulator in one process, with a web page to use them."""

from __future__ import annotations

import json
import logging
import mimetypes
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from sandbox.engine import ActionFailed, SandboxBot

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
DEFAULT_PORT = 3000
DEFAULT_DATABASE = Path("sandbox.db")


def _act(bot: SandboxBot, route: str, body: dict[str, Any]) -> dict[str, Any]:
    """One action from the page; the answer carries what the person sees next."""
    user = str(body.get("user") or "")
    errors: dict[str, str] = {}
    if bot.simulation.running:
        raise ActionFailed("A program is playing: wait a few seconds until it has finished.")
    if route == "command":
        bot.command(user, str(body.get("text") or ""), str(body.get("channel") or "D" + user[1:]))
    elif route == "click":
        bot.click(user, dict(body["action"]), body.get("channel"), body.get("ts"))
    elif route == "submit":
        errors = bot.submit(user, dict(body.get("values") or {}))
    elif route == "close":
        bot.close_modal(user)
    elif route == "home":
        bot.open_home(user)
    elif route == "fast-forward":
        bot.fast_forward(int(body.get("days") or 1))
    elif route == "reset":
        bot.reset()
    elif route == "simulate":
        bot.simulate(user)
    else:
        raise KeyError(route)
    return {"ok": True, "errors": errors, "state": bot.view_of(user) if user else None}


def make_server(bot: SandboxBot, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    class Page(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, value: Any) -> None:
            self._send(status, json.dumps(value).encode(), "application/json; charset=utf-8")

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path in ("/", "/index.html"):
                self._send(200, (STATIC / "index.html").read_bytes(), "text/html; charset=utf-8")
            elif url.path.startswith("/static/") and "/.." not in url.path:
                file = STATIC / url.path.removeprefix("/static/")
                if file.is_file():
                    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    self._send(200, file.read_bytes(), kind)
                else:
                    self._send(404, b"not found", "text/plain")
            elif url.path.startswith("/files/"):
                data = bot.workspace.uploads.get(url.path.removeprefix("/files/"))
                self._send(200, data, "image/png") if data else self._send(404, b"not found", "text/plain")
            elif url.path == "/api/people":
                self._json(200, bot.people())
            elif url.path == "/api/state":
                self._json(200, bot.view_of(query.get("user", [""])[0]))
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            route = urlparse(self.path).path.removeprefix("/api/")
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                self._json(200, _act(bot, route, body))
            except KeyError:
                self._json(404, {"ok": False, "error": f"no such action: {route}"})
            except ActionFailed as exc:
                self._json(409, {"ok": False, "error": str(exc)})
            except Exception:  # noqa: BLE001 - the page shows a short note; the log has the detail
                log.exception("sandbox action %s failed", route)
                self._json(500, {"ok": False, "error": "Something went wrong in the sandbox; the log says what."})

    server = ThreadingHTTPServer((host, port), Page)
    server.daemon_threads = True
    return server


def main(port: int = DEFAULT_PORT, database: Path = DEFAULT_DATABASE, start: datetime | None = None) -> int:
    """Runs until interrupted; prints the address to open."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    bot = SandboxBot(database.resolve(), start=start)
    try:
        server = make_server(bot, port)
    except OSError as exc:
        bot.close()
        print(
            f"mentor-bot: cannot serve the sandbox on port {port} ({exc.strerror}): pick another with --port",
            file=sys.stderr,
        )
        return 2
    print(f"mentor-bot: sandbox running at http://127.0.0.1:{server.server_address[1]}/ (state in {database})")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        bot.close()
    return 0


def serve_in_thread(bot: SandboxBot, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """The page's server on a thread, for tests: returns it and its base URL."""
    server = make_server(bot, port)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PORT))
