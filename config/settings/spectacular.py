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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.query_parameters_as_parsed",
    ],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several enums have a field named "status": name each after what it is.
    "ENUM_NAME_OVERRIDES": {
        # The values of enrollment.data's SectionStatus, EnrollmentStatus, EnrollOutcome.
        "SectionStatusEnum": ["open", "full", "waitlist_full"],
        "EnrollmentStatusEnum": ["enrolled", "dropped"],
        "EnrollOutcomeEnum": ["enrolled", "waitlisted"],
    },
}
