"""``morgue serve``: the archive in a browser (read-only)."""

from __future__ import annotations

import click

from crawler.app.cli.base import State, UsageFailure, pass_state, safe_url
from crawler.app.cli.root import cli


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    help="Where the crawl's WARC files are, for the captures (default: warc_dir, else beside a SQLite archive).",
)
@pass_state
def serve(state: State, host: str, port: int, warc_dir: str | None) -> None:
    """A read-only web interface on the archive: search, articles with their versions, diffs,
    liveness history and archived captures, removals, changes (with Atom feeds), runs.

    Example: morgue --db sqlite:///morgue-demo.db serve  (then open http://127.0.0.1:8080/)
    """
    from werkzeug.serving import make_server

    from crawler.app.web import create_app, read_only
    from storage.db import make_sessionmaker

    folder = state.warc_folder(warc_dir)
    engine = read_only(state.engine())
    app = create_app(make_sessionmaker(engine), folder)
    try:
        server = make_server(host, port, app, threaded=True)
    except (OSError, SystemExit) as exc:  # werkzeug reports a port in use and exits
        why = exc.strerror if isinstance(exc, OSError) else "in use or not allowed"
        raise UsageFailure(f"--host/--port: cannot listen on {host}:{port}: {why}") from None
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"morgue: serving {safe_url(state.database_url)} at http://{shown}:{server.server_port}/ (Ctrl-C to stop)"
    )
    if folder:
        click.echo(f"morgue: archived captures from {folder}")
    else:
        click.echo("morgue: no WARC folder (warc_dir, --warc-dir): pages show no archived capture")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        engine.dispose()
