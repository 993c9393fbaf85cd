"""The webhook tests once more, under the production settings (OWASP API7, API8).

``test_webhooks.py``, and the subscription tests about webhook URLs, run in a pytest of
their own with ``config.settings.production``: production secrets (a random SECRET_KEY,
JWT keys outside var/), this run's stores, a table prefix of its own, and no
NOTIFICATIONS_ALLOW_PRIVATE_WEBHOOKS (production refuses to start with it). There the
refusals hold without any test turning them on, and the tests that need a private
receiver see it refused before any connection.
"""

import subprocess
import sys

from django.conf import settings

from core.tests.production import production_environment


def test_the_webhook_tests_pass_under_production_settings(tmp_path):
    # Tables of its own: the inner run creates and deletes every table, as a test run does.
    environment = production_environment(tmp_path, DYNAMODB_TABLE_PREFIX=f"{settings.DYNAMODB_TABLE_PREFIX}prod_")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--ds=config.settings.production",
            "-p",
            "no:cacheprovider",
            "-rs",
            "notifications/tests/test_webhooks.py",
            # and subscribing over HTTP with a webhook URL: refused at creation
            "notifications/tests/test_views.py::test_a_webhook_to_a_private_target_is_refused",
            "notifications/tests/test_views.py::test_plain_http_is_refused_when_private_targets_are_off",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "settings: config.settings.production (from option)" in output  # pytest-django's header
    assert " passed" in output and " skipped" not in output
    print(output.strip().splitlines()[-1])  # the count, shown with -rP
