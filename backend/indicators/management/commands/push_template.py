import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backend.core.errors import DomainError
from backend.indicators.models import PushStatus, PushTarget, Template, VersionStatus
from backend.indicators.push_selectors import RUNNING, push_counts, push_status
from backend.indicators.services import push as push_services

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = (
        "Push a published version of a template to units: all of them, one level, a subtree "
        "or a list. The push runs in the Celery workers (one task per unit), or in this "
        "process with --inline; either way its progress is shown until it is done. Exits "
        "non-zero when a unit failed (re-run the push with the same version to resume)."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Django's own --version (the framework's) gives way to the template version.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("template_code")
        parser.add_argument(
            "--version",
            type=int,
            dest="version_number",
            help="version number (default: the latest published)",
        )
        targets = parser.add_mutually_exclusive_group(required=True)
        targets.add_argument("--all", action="store_true", help="every active unit")
        targets.add_argument("--level", help="every active unit of a level (e.g. county)")
        targets.add_argument("--under", metavar="CODE", help="every unit below a unit")
        targets.add_argument("--codes", help="comma-separated unit codes")
        parser.add_argument(
            "--include-root", action="store_true", help="with --under: the unit itself too"
        )
        parser.add_argument(
            "--inline",
            action="store_true",
            help="apply every unit in this process instead of queuing Celery tasks",
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            help="stop following a Celery push after this many seconds (it goes on)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        template = Template.objects.filter(code=options["template_code"]).first()
        if template is None:
            raise CommandError(f"unknown template: {options['template_code']}")
        versions = template.versions.all()
        if options["version_number"] is not None:
            version = versions.filter(number=options["version_number"]).first()
            if version is None:
                raise CommandError(f"{template.code} has no version {options['version_number']}")
        else:
            version = versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
            if version is None:
                raise CommandError(f"{template.code} has no published version")
        spec = self._spec(options)
        try:
            push = push_services.push_version(
                version, spec, user=None, dispatch=not options["inline"]
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        total = push_counts(push)["total"]
        self.stdout.write(f"push {push.pk}: {version} to {total} units")
        with tqdm(total=total, unit="unit", disable=options["verbosity"] == 0) as bar:
            if options["inline"]:
                self._run_inline(push, bar)
            else:
                self._follow(push, bar, options["timeout"])
        self._report(push)

    def _spec(self, options: dict[str, Any]) -> push_services.TargetSpec:
        if options["all"]:
            return push_services.TargetSpec("all")
        if options["level"]:
            return push_services.TargetSpec("level", level=options["level"])
        if options["under"]:
            return push_services.TargetSpec(
                "subtree", under=options["under"], include_root=options["include_root"]
            )
        codes = tuple(code.strip() for code in options["codes"].split(",") if code.strip())
        return push_services.TargetSpec("codes", codes=codes)

    def _run_inline(self, push: Any, bar: tqdm) -> None:
        def report(target: PushTarget) -> None:
            if target.status == PushStatus.FAILED:
                self.stderr.write(f"{target.unit.code}: {target.error}")
            self._update(bar, push_counts(push))

        push_services.run_inline(push, progress=report)

    def _follow(self, push: Any, bar: tqdm, timeout: float | None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            counts = push_counts(push)
            self._update(bar, counts)
            if push_status(push, counts) != RUNNING:
                return
            if deadline is not None and time.monotonic() > deadline:
                self.stderr.write("timed out; the push goes on in the workers")
                return
            time.sleep(POLL_SECONDS)

    @staticmethod
    def _update(bar: tqdm, counts: dict[str, int]) -> None:
        done = counts["total"] - counts[PushStatus.PENDING] - counts[PushStatus.RUNNING]
        bar.update(done - bar.n)
        bar.set_postfix(failed=counts[PushStatus.FAILED], refresh=False)

    def _report(self, push: Any) -> None:
        counts = push_counts(push)
        failed = PushTarget.objects.filter(push=push, status=PushStatus.FAILED).select_related(
            "unit"
        )
        for target in failed:
            self.stderr.write(f"failed {target.unit.code}: {target.error}")
        summary = ", ".join(f"{status} {counts[status]}" for status in PushStatus.values)
        status = push_status(push, counts)
        summary += f" (total {counts['total']}; {status})"
        if counts[PushStatus.FAILED] or status == RUNNING:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
