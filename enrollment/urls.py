from django.urls import path
from rest_framework.routers import SimpleRouter

from enrollment import views

router = SimpleRouter()
router.register("courses", views.CourseViewSet, basename="course")
router.register("sections", views.SectionViewSet, basename="section")

section_enrollments = views.SectionEnrollmentViewSet.as_view({"get": "list", "post": "create"})
section_enrollment = views.SectionEnrollmentViewSet.as_view({"get": "retrieve", "delete": "destroy"})
student_enrollments = views.StudentEnrollmentViewSet.as_view({"get": "list"})

urlpatterns = [
    *router.urls,
    path("sections/<str:section_id>/enrollments/", section_enrollments, name="section-enrollment-list"),
    path(
        "sections/<str:section_id>/enrollments/<str:student_id>/",
        section_enrollment,
        name="section-enrollment-detail",
    ),
    path("students/<str:student_id>/enrollments/", student_enrollments, name="student-enrollment-list"),
]
