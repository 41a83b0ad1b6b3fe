"""The kinds of content the review queue holds, registered once by each process at start-up (the
web app, a worker, the CLI) rather than as a side effect of whichever modules happen to be imported."""

from app.review import service


def register_all() -> None:
    """Register every domain's content kinds with the queue; calling it again changes nothing."""
    from app.groups import threads
    from app.network import messages
    from app.network import service as network
    from app.posts import approvals, comments
    from app.questions import service as questions
    from app.sms import replies

    for module in (threads, network, messages, questions, comments, approvals, replies):
        for name, kind in module.REVIEW_KINDS.items():
            service.register(name, kind)
