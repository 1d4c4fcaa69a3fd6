"""`hearth feedback new|list|show|export|submit|retry`: the feedback dialog on the command line.

`new` builds a report from a session (or one message), redacts it, saves it as a draft and prints
the exact payload; nothing leaves the machine until `submit` names a destination.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from desktop.errors import HearthError
from desktop.feedback.destinations import NAMES as DESTINATIONS
from desktop.feedback.schema import DOMAINS, KINDS, LICENCES, MATCH_MODES


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("feedback", help="report a problem, contribute data, share benchmark results")
    inner = parser.add_subparsers(dest="feedback_command", metavar="ACTION", required=True,
                                  parser_class=type(parser))

    new = inner.add_parser("new", help="write a report as a draft and print its exact payload")
    new.add_argument("--kind", choices=KINDS, required=True)
    new.add_argument("--session", type=int, metavar="ID", help="the conversation the report is about")
    new.add_argument("--message-id", type=int, metavar="ID", help="one answer in it (default: the last)")
    new.add_argument("--message", default="", metavar="TEXT", help="what went wrong, in your words")
    new.add_argument("--expected", metavar="TEXT", help="bug: the answer the model should have given")
    new.add_argument("--match", choices=MATCH_MODES, help="how a regression replay compares answers")
    new.add_argument("--ideal", metavar="TEXT", help="data: the ideal answer (default: the model's)")
    new.add_argument("--domain", choices=DOMAINS, default="other", help="data: the sample's domain")
    new.add_argument("--licence", choices=LICENCES, default=LICENCES[0], help="data: the sample's licence")
    new.add_argument("--consent", action="store_true", help="data: I agree to share it under the licence")
    new.add_argument("--file", metavar="PATH", help="benchmark: a saved `hearth eval` or bench/ result")
    new.set_defaults(run=run_new)

    lst = inner.add_parser("list", help="the outbox: drafts, queued, sent and failed reports")
    lst.add_argument("--status", choices=("draft", "queued", "sent", "failed"))
    lst.add_argument("--format", choices=("table", "json"), default="table")
    lst.set_defaults(run=run_list)

    show = inner.add_parser("show", help="print a report's exact payload")
    show.add_argument("id", type=int)
    show.set_defaults(run=run_show)

    export = inner.add_parser("export", help="write the outbox as JSON Lines (one report per line)")
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--status", choices=("draft", "queued", "sent", "failed"))
    export.set_defaults(run=run_export)

    submit = inner.add_parser("submit", help="send a report (after you have read it with `show`)")
    submit.add_argument("id", type=int)
    submit.add_argument("--to", choices=DESTINATIONS, required=True,
                        help="github: a pre-filled issue in your browser; hf: a Hugging Face dataset; "
                             "url: an HTTPS endpoint")
    submit.add_argument("--repo", metavar="OWNER/REPO",
                        help="github: the repository (default: the model's source); hf: the dataset")
    submit.add_argument("--url", metavar="URL", help="url: the https:// endpoint")
    submit.add_argument("--ca-file", metavar="PEM", help="url: trust this certificate authority too")
    submit.add_argument("--edited", metavar="FILE", help="send this hand-edited payload instead")
    submit.add_argument("--consent", action="store_true",
                        help="data: I agree to share the sample under its licence")
    submit.set_defaults(run=run_submit)

    retry = inner.add_parser("retry", help="retry failed deliveries whose waiting time has passed")
    retry.add_argument("--now", action="store_true", help="do not wait for the backoff")
    retry.set_defaults(run=run_retry)


def _store():
    from desktop.store import Store

    return Store.open()


def run_new(args: argparse.Namespace) -> int:
    from desktop.feedback.late_hash import identify_answer
    from desktop.feedback.outbox import save_draft
    from desktop.feedback.report import ReportRequest, draft_report, finalize, load_conversation, to_json

    if args.kind in ("bug", "performance", "data") and args.session is None and args.message_id is None:
        raise HearthError(f"a {args.kind} report is about a conversation: pass --session ID (and --message-id ID)")
    request = ReportRequest(kind=args.kind, description=args.message, expected=args.expected, match=args.match,
                            ideal_answer=args.ideal, domain=args.domain, licence=args.licence,
                            consent=args.consent, benchmark_file=args.file)
    with _store() as store:
        conversation = load_conversation(store, args.session, args.message_id)
        if args.session is not None and conversation.session is not None and args.message_id is not None \
                and conversation.session.id != args.session:
            raise HearthError(f"message {args.message_id} is not in session {args.session}")
        if conversation.answer is not None:  # an answer stored before its model was hashed
            conversation.answer = conversation.messages[-1] = identify_answer(store, conversation.answer)
        payload = finalize(draft_report(request, conversation))
        answer = conversation.answer
        item = save_draft(store, payload, session_id=conversation.session.id if conversation.session else None,
                          message_id=answer.id if answer else None)
    print(to_json(payload))
    redacted = ", ".join(f"{r['count']} {r['what']}" for r in payload["redactions"]) or "nothing"
    print(f"draft {item.id} saved (redacted: {redacted}); nothing has been sent. Send it with "
          f"`hearth feedback submit {item.id} --to {'|'.join(DESTINATIONS)}`", file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    with _store() as store:
        items = store.outbox.list(args.status)
    if args.format == "json":
        print(json.dumps([_summary(item) for item in items], ensure_ascii=False, indent=2))
        return 0
    if not items:
        print("the outbox is empty")
        return 0
    print(f"{'ID':>4}  {'KIND':<11} {'STATUS':<7} {'TRIES':>5}  {'CREATED':<16} TITLE")
    for item in items:
        created = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.created_at))
        title = (item.payload or {}).get("title", "")[:60]
        print(f"{item.id:>4}  {item.kind:<11} {item.status:<7} {item.attempts:>5}  {created:<16} {title}")
        if item.status == "failed" and item.last_error:
            print(f"{'':>6}last error: {item.last_error}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from desktop.feedback.report import to_json

    with _store() as store:
        print(to_json(store.outbox.get(args.id).payload))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from desktop.feedback.regressions import write_jsonl

    with _store() as store:
        items = store.outbox.list(args.status)
    count = write_jsonl(({**_summary(item), "payload": item.payload} for item in items), args.out)
    print(f"wrote {count} report{'s' if count != 1 else ''} to {args.out}", file=sys.stderr)
    return 0


def run_submit(args: argparse.Namespace) -> int:
    from desktop.feedback.destinations.github import default_repo
    from desktop.feedback.outbox import deliver, queue
    from desktop.feedback.report import parse_edited

    with _store() as store:
        item = store.outbox.get(args.id)
        payload = item.payload
        if args.edited:
            try:
                with open(args.edited, encoding="utf-8") as fh:
                    payload = parse_edited(fh.read())
            except OSError as exc:
                raise HearthError(f"cannot read {args.edited}: {exc.strerror or exc}") from None
        if args.consent and payload["kind"] == "data":
            payload = {**payload, "details": {**payload["details"], "consent": True}}
        if args.to == "github":
            repo = args.repo or default_repo(payload)
            if not repo:
                raise HearthError("the model names no GitHub repository: pass --repo OWNER/REPO")
            spec = f"github:{repo}"
        elif args.to == "hf":
            if not args.repo:
                raise HearthError("pass the dataset to upload to: --repo OWNER/DATASET")
            spec = f"hf:{args.repo}"
        else:
            if not args.url:
                raise HearthError("pass the endpoint to post to: --url https://...")
            spec = f"url:{args.url}"
        queue(store, args.id, spec, payload)
        delivery = deliver(store, args.id, ca_file=args.ca_file)
    if delivery.item.status != "sent":
        raise HearthError(f"report {args.id} not sent: {delivery.item.last_error} "
                          f"(kept as failed; `hearth feedback retry` tries again)")
    print(f"report {args.id} sent: {delivery.where}")
    attachment = getattr(delivery.destination, "attachment", None)
    if attachment is not None:
        print(f"attach this file to the issue: {attachment}")
    return 0


def run_retry(args: argparse.Namespace) -> int:
    from desktop.feedback.outbox import retry_due

    with _store() as store:
        deliveries = retry_due(store, now=float("inf") if args.now else None)
    for delivery in deliveries:
        item = delivery.item
        outcome = f"sent: {delivery.where}" if item.status == "sent" else f"failed again: {item.last_error}"
        print(f"report {item.id} {outcome}")
    if not deliveries:
        print("nothing to retry")
    return 0 if all(d.item.status == "sent" for d in deliveries) else 1


def _summary(item) -> dict:
    return {"id": item.id, "kind": item.kind, "status": item.status, "destination": item.destination,
            "attempts": item.attempts, "last_error": item.last_error, "created_at": item.created_at,
            "sent_at": item.sent_at, "title": (item.payload or {}).get("title")}
