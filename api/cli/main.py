"""The ``hsekg`` command line: the Typer app, assembled from one module per command group
(services come from :class:`api.container.Container`).

Arguments are parsed only in :func:`main`; domain errors exit non-zero with one readable line;
unknown arguments print the usage.
"""

from __future__ import annotations

import logging

import typer

from api.cli import audit as cli_audit
from api.cli import enterprise as cli_enterprise
from api.cli import evaluate as cli_evaluate
from api.cli import knowledge as cli_knowledge
from api.cli import proposals as cli_proposals
from api.cli import retrieval as cli_retrieval
from api.cli import security as cli_security
from api.cli.common import err_console
from api.cli.demo import demo
from api.cli.scoring import score, scoring_app
from api.cli.server import serve, users_add
from kg.errors import HsekgError

__all__ = ["app", "main"]

app = typer.Typer(
    name="hsekg",
    help="安全环保履职知识图谱 — HSE duty-performance knowledge graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
kb_app = typer.Typer(help="The expert knowledge base (regulations_corpus).", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
models_app = typer.Typer(help="Embedding models prepared offline into the data dir.", no_args_is_help=True)
app.add_typer(models_app, name="models")
models_app.command("prepare")(cli_knowledge.models_prepare)
kb_app.command("check")(cli_knowledge.kb_check)
eval_app = typer.Typer(help="Evaluations on JSONL sets (metrics as one JSON line with --json).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
app.add_typer(scoring_app, name="scoring")
app.command("score")(score)
app.command("index")(cli_retrieval.index)
app.command("ask")(cli_retrieval.ask)
eval_app.command("qa")(cli_evaluate.eval_qa)
eval_app.command("change")(cli_evaluate.eval_change)
eval_app.command("gaps")(cli_evaluate.eval_gaps)
app.command("propose")(cli_proposals.propose)
app.command("gaps")(cli_proposals.gaps)
app.command("impact")(cli_proposals.impact)
users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
app.add_typer(users_app, name="users")
users_app.command("add")(users_add)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
audit_app.command("verify")(cli_audit.audit_verify)
audit_app.command("head")(cli_audit.audit_head)
audit_app.command("anchor")(cli_audit.audit_anchor)
security_app = typer.Typer(help="Refused logins, tokens and requests (security events).", no_args_is_help=True)
app.add_typer(security_app, name="security")
security_app.command("events")(cli_security.security_events)
app.command("serve")(serve)
app.command("init")(cli_knowledge.init)
app.command("stats")(cli_knowledge.stats)
app.command("demo")(demo)
app.command("ingest")(cli_knowledge.ingest)
enterprise_app = typer.Typer(help="Enterprise process documents into an enterprise profile.", no_args_is_help=True)
app.add_typer(enterprise_app, name="enterprise")
enterprise_app.command("import")(cli_enterprise.enterprise_import)
enterprise_app.command("show")(cli_enterprise.enterprise_show)
enterprise_app.command("confirm")(cli_enterprise.enterprise_confirm)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Settings come from HSEKG_* environment variables (see README)."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``hsekg`` console script: domain errors become one line and exit status 1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        # standalone mode: usage errors print the usage and exit 2, as command-line users expect
        app(args=argv, prog_name="hsekg")
    except HsekgError as e:
        err_console.print(f"[red]error:[/] {e}", highlight=False)
        return 1
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
