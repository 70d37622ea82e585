"""Django's own messages that the project's Korean catalogue translates anew, because
Django's Korean reads badly where the desk meets it: the login error and the change lists'
action bar. The project's catalogue (locale/, LOCALE_PATHS) comes before Django's own.

They are listed here so that `make messages` keeps them in locale/ko/LC_MESSAGES/django.po;
nothing imports this module. Each msgid must stay exactly Django's (django/contrib/admin/).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_MESSAGES = (
    # django/contrib/admin/forms.py, AdminAuthenticationForm
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that "
        "both fields may be case-sensitive."
    ),
    # django/contrib/admin/templates/admin/actions.html
    gettext_noop("Action:"),
    gettext_noop("Run the selected action"),
    gettext_noop("0 of %(cnt)s selected"),
    gettext_noop("Select all %(total_count)s %(module_name)s"),
    ngettext_lazy("%(total_count)s selected", "All %(total_count)s selected", "total_count"),
    # django/contrib/admin/actions.py, delete_selected
    gettext_noop("Delete selected %(verbose_name_plural)s"),
)
