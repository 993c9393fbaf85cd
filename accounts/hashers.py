"""Password hashing: Argon2id with OWASP's recommended parameters.

Django's PBKDF2 default (1,000,000 rounds) costs about 250 ms of CPU per login here,
which caps a two-core web node at a handful of logins per second on registration day.
Argon2id with m=19 MiB, t=2, p=1 (OWASP Password Storage Cheat Sheet) costs about
35 ms and is memory-hard, so it is both faster for us and slower for an attacker's GPU.
Hashes made with other parameters or hashers still verify and are upgraded at login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
