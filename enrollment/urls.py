from django.urls import re_path
from rest_framework.routers import SimpleRouter

from enrollment import views
from enrollment.serializers import SECTION_ID, USER_ID

router = SimpleRouter()
router.register("courses", views.CourseViewSet, basename="course")
router.register("sections", views.SectionViewSet, basename="section")

section_enrollments = views.SectionEnrollmentViewSet.as_view({"get": "list", "post": "create"})
section_enrollment = views.SectionEnrollmentViewSet.as_view({"get": "retrieve", "delete": "destroy"})
student_enrollments = views.StudentEnrollmentViewSet.as_view({"get": "list"})

SECTION = rf"(?P<section_id>{SECTION_ID})"
STUDENT = rf"(?P<student_id>{USER_ID})"

urlpatterns = [
    *router.urls,
    re_path(rf"^sections/{SECTION}/enrollments/$", section_enrollments, name="section-enrollment-list"),
    re_path(rf"^sections/{SECTION}/enrollments/{STUDENT}/$", section_enrollment, name="section-enrollment-detail"),
    re_path(rf"^students/{STUDENT}/enrollments/$", student_enrollments, name="student-enrollment-list"),
]
