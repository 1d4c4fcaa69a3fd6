"""The feedback loop: reports a maker can reproduce, contributions a maker can train on, and the
regression cases they become.

    report.py        build a report (reproducibility context included) and validate it
    schema.py        the versioned payload format (docs/feedback-format.md)
    redaction.py     the table of private-detail patterns removed before anything is queued
    destinations/    GitHub issue, Hugging Face dataset, HTTPS endpoint
    outbox.py        draft -> queued -> sent / failed, with retries
    regressions.py   reports -> regression cases -> replay through the engine
"""
