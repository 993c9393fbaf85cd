"""``.venv/bin/python manage.py check_integrity [--repair] [--term 2026FA ...]``: check DynamoDB and
Redis against each other and against the rules (see ``enrollment.integrity``).

Prints one line per finding and exits 1 if any is left; ``--repair`` applies the safe
fixes, says what each did, checks again and exits 1 only if findings remain (those
that need a person: a section over capacity, a student on too many waitlists).
"""

from django.core.management.base import CommandError

from core.management.stores import StoreCommand
from enrollment.integrity import Finding, integrity_check

# Progress is printed every this many sections (and for the last one).
_PROGRESS_EVERY = 50


class Command(StoreCommand):
    help = "Check that DynamoDB and Redis agree with each other and with the rules; --repair fixes what is safe."
    stores = ("tables", "redis")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="Apply the safe fixes, then check again.")
        parser.add_argument(
            "--term",
            action="append",
            dest="terms",
            metavar="TERM",
            help="Check only the sections of this term (repeatable). Queries instead of scanning.",
        )

    def handle(self, *args, repair: bool, terms: list[str] | None, **options) -> None:
        terms = [term.upper() for term in terms] if terms else None
        scope = f"the sections of {', '.join(terms)}" if terms else "every section"
        self.stdout.write(f"Checking {scope} in DynamoDB and Redis ...")
        findings = integrity_check(terms=terms, progress=self._progress)
        self._report(findings)
        if findings and repair:
            self.stdout.write("Repairing ...")
            for finding in findings:
                if finding.repair is None:
                    self.stdout.write(f"  needs a person  {finding}")
                else:
                    self.stdout.write(f"  repaired  {finding}\n            -> {finding.repair()}")
            self.stdout.write("Checking again ...")
            findings = integrity_check(terms=terms, progress=self._progress)
            self._report(findings)
        if findings:
            hint = "" if repair or not any(f.repair for f in findings) else " Run with --repair to fix what is safe."
            raise CommandError(f"{len(findings)} findings.{hint}", returncode=1)
        self.stdout.write(self.style.SUCCESS("No findings: DynamoDB and Redis agree with each other and the rules."))

    def _progress(self, index: int, total: int, section_id: str) -> None:
        if index % _PROGRESS_EVERY == 0 or index == total:
            self.stderr.write(f"  [{index}/{total}] sections checked ({section_id})")

    def _report(self, findings: list[Finding]) -> None:
        if not findings:
            return
        for finding in findings:
            fix = "repairable" if finding.repair else "needs a person"
            self.stdout.write(f"  FINDING  {finding}  [{fix}]")
        repairable = sum(1 for finding in findings if finding.repair)
        self.stdout.write(f"{len(findings)} findings, {repairable} repairable.")
