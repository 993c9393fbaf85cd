"""The roles a user may hold. A user may hold several."""

from django.db import models


class Role(models.TextChoices):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    REGISTRAR = "registrar"
