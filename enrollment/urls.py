from django.urls import re_path
from rest_framework.routers import SimpleRouter

from enrollment import views
from enrollment.data import SECTION_ID, TERM
from enrollment.serializers import HOLD_ID, USER_ID

router = SimpleRouter()
router.register("courses", views.CourseViewSet, basename="course")
router.register("sections", views.SectionViewSet, basename="section")
router.register("terms", views.TermViewSet, basename="term")

section_enrollments = views.SectionEnrollmentViewSet.as_view({"get": "list", "post": "create"})
section_enrollment = views.SectionEnrollmentViewSet.as_view({"get": "retrieve", "delete": "destroy"})
student_enrollments = views.StudentEnrollmentViewSet.as_view({"get": "list"})
section_waitlist = views.SectionWaitlistViewSet.as_view({"get": "list"})
section_waitlist_place = views.SectionWaitlistViewSet.as_view({"get": "retrieve", "delete": "destroy"})
student_swaps = views.StudentSwapViewSet.as_view({"get": "list", "post": "create"})
auto_enrollment = views.AutoEnrollmentViewSet.as_view({"get": "retrieve", "put": "update"})
time_tickets = views.TimeTicketViewSet.as_view({"put": "update"})
student_term = views.StudentTermViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
student_holds = views.StudentHoldViewSet.as_view({"get": "list", "post": "create"})
student_hold = views.StudentHoldViewSet.as_view({"delete": "destroy"})

SECTION = rf"(?P<section_id>{SECTION_ID})"
STUDENT = rf"(?P<student_id>{USER_ID})"
TERM_PART = rf"(?P<term>{TERM})"
HOLD = rf"(?P<hold_id>{HOLD_ID})"

urlpatterns = [
    *router.urls,
    re_path(rf"^sections/{SECTION}/enrollments/$", section_enrollments, name="section-enrollment-list"),
    re_path(rf"^sections/{SECTION}/enrollments/{STUDENT}/$", section_enrollment, name="section-enrollment-detail"),
    re_path(rf"^students/{STUDENT}/enrollments/$", student_enrollments, name="student-enrollment-list"),
    re_path(rf"^sections/{SECTION}/waitlist/$", section_waitlist, name="section-waitlist-list"),
    re_path(rf"^sections/{SECTION}/waitlist/{STUDENT}/$", section_waitlist_place, name="section-waitlist-detail"),
    re_path(rf"^students/{STUDENT}/swaps/$", student_swaps, name="student-swap-list"),
    re_path(r"^auto-enrollment/$", auto_enrollment, name="auto-enrollment"),
    re_path(rf"^terms/{TERM_PART}/time-tickets/$", time_tickets, name="term-time-tickets"),
    re_path(rf"^students/{STUDENT}/terms/{TERM_PART}/$", student_term, name="student-term-detail"),
    re_path(rf"^students/{STUDENT}/holds/$", student_holds, name="student-hold-list"),
    re_path(rf"^students/{STUDENT}/holds/{HOLD}/$", student_hold, name="student-hold-detail"),
]
