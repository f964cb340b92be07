"""The chat widget on a customer's page: its script's size, and the time from navigation
to a working chat button in Debian's Chromium (the median of --runs loads, the browser
warm, the page on another origin as on a real site). Prints one JSON line.

    .venv/bin/python -m bench.chat_widget [--runs 20]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.servers import DeskProcess, desk_env, free_port, run_desk, scratch
from desk.actions.audit import SYSTEM
from desk.actions.chat.widgets import WidgetForm, save_widget
from desk.db import Database
from desk.settings import load_settings

TARGET_KB = 30.0
TARGET_MS = 300.0
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]


def _shop(page: dict[str, bytes]) -> ThreadingHTTPServer:
    """A customer's site on its own origin; serves page["html"]."""
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page["html"])

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with scratch("sqlite", "desk-bench-widget-") as where:
        port = free_port()
        env = desk_env(where.folder, None, DESK_BASE_URL=f"http://127.0.0.1:{port}")
        run_desk(["migrate"], env)
        content = {"html": b""}
        shop = _shop(content)
        shop_url = f"http://127.0.0.1:{shop.server_address[1]}"
        db = Database(load_settings(env))
        with db.session() as session:
            widget = save_widget(session, SYSTEM, str(db.settings.secret_key), None,
                                 WidgetForm(name="Bench", origins=shop_url))
            assert widget is not None
        db.dispose()
        content["html"] = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>'
                f'<h1>Shop</h1><script src="http://127.0.0.1:{port}/chat/widget.js" '
                f'data-widget="{widget.key}" async></script></body></html>').encode()
        server = DeskProcess.serve(env, where.folder, port)
        try:
            server.wait_healthy()
            server.wait_idle()
            raw = urllib.request.urlopen(f"http://127.0.0.1:{port}/chat/widget.js").read()
            times = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page()
                page.goto(shop_url + "/")  # warm: the browser's caches as a returning visitor's
                page.wait_for_selector("[data-desk-chat]", state="attached")
                for _ in range(args.runs):
                    page.goto(shop_url + "/")
                    page.wait_for_function(
                        "() => { const h = document.querySelector('[data-desk-chat]');"
                        " return h && h.shadowRoot.querySelector('.btn').textContent !== '…'; }")
                    ms = page.evaluate("performance.now()")
                    times.append(float(ms))
                browser.close()
        finally:
            server.stop()
            shop.shutdown()
    print(json.dumps({
        "bench": "chat_widget",
        "script_kb": round(len(raw) / 1024, 1),
        "script_gzip_kb": round(len(gzip.compress(raw)) / 1024, 1),
        "ready_ms_median": round(statistics.median(times), 1),
        "ready_ms_max": round(max(times), 1),
        "runs": len(times),
        "target_kb": TARGET_KB, "target_ms": TARGET_MS,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
