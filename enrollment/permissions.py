"""Who may call what, by role: one list per kind of read or write, used by the REST
views (``permissions_by_action``) and by the GraphQL resolvers alike. Rules about
*which* section or student (an instructor only for their sections, a student only for
themself) are in the selectors and services."""

from accounts.api import IsAnyRole, IsRegistrar, Role, allow_roles

IsStudentOrRegistrar = allow_roles(Role.STUDENT, Role.REGISTRAR)
IsInstructorOrRegistrar = allow_roles(Role.INSTRUCTOR, Role.REGISTRAR)

# The catalog: everyone signed in reads, the registrar writes.
CATALOG_READ = [IsAnyRole]
CATALOG_WRITE = [IsRegistrar]
# A section's roster and its waitlist in full: its instructor and the registrar.
ROSTER_READ = [IsInstructorOrRegistrar]
WAITLIST_READ = [IsInstructorOrRegistrar]
# A student's enrollments and waitlist places: the student and the registrar.
SCHEDULE_READ = [IsStudentOrRegistrar]
# The registration calendar (terms): everyone signed in reads, the registrar writes.
TERMS_READ = [IsAnyRole]
# A student's holds and term summary: the student and the registrar (per student: selectors).
REGISTRATION_READ = [IsStudentOrRegistrar]
