"""Users and groups in the admin: superusers only.

Users, groups and permissions decide what everyone else may do, so no group manages them
(qbsite/roles.py gives none of their permissions); these pages also refuse anyone who is
not a superuser even if a permission was granted by hand, so that no one can raise their
own rights (a member of `admin` setting its own superuser flag, say).
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User


class SuperusersOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, *args):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


class SuperuserUserAdmin(SuperusersOnly, UserAdmin):
    pass


class SuperuserGroupAdmin(SuperusersOnly, GroupAdmin):
    pass


admin.site.unregister(User)
admin.site.register(User, SuperuserUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, SuperuserGroupAdmin)
