"""drf-spectacular: the OpenAPI document, Swagger UI and ReDoc, served with no CDN."""

SPECTACULAR_SETTINGS = {
    "TITLE": "Course enrollment API",
    "DESCRIPTION": (
        "Courses, sections, enrollments and waitlists for the registrar, instructors and "
        "students. Errors are RFC 9457 problem details with a stable `code`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI would otherwise send the document to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None, "persistAuthorization": True},
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
}
