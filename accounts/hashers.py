"""Password hashing: Argon2id with OWASP's recommended parameters.

Django's PBKDF2 default (1,000,000 rounds) costs about 250 ms of CPU per login here,
which caps a two-core web node at a handful of logins per second on registration day.
Argon2id with m=19 MiB, t=2, p=1 (OWASP Password Storage Cheat Sheet) costs about
35 ms and is memory-hard, so it is both faster for us and slower for an attacker's GPU.
Hashes made with other parameters or hashers still verify and are upgraded at login.

One hash at a time per process: each takes 19 MiB, so four threads hashing at once took
76 MiB (and glibc kept them in the heap afterwards, until the malloc settings of
bin/stack.py and the Dockerfile; README, "Benchmark"). A hash holds no GIL and gunicorn
runs about one worker per core, so the cores stay as busy as before.
"""

import threading

from django.contrib.auth.hashers import Argon2PasswordHasher

_one_hash_at_a_time = threading.Lock()


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        with _one_hash_at_a_time:
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with _one_hash_at_a_time:
            return super().verify(password, encoded)
