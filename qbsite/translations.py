"""Words that installed packages show on our pages but ship no Korean for (django-axes,
django-simple-history, some of django-import-export's), or a wrong one (Django's admin).
Listed here so that `make messages` puts them in our catalog (locale/ko), which Django
reads before the packages' own; nothing imports this module."""

from django.utils.translation import gettext_noop, ngettext_lazy

WORDS = [
    # django-axes: its lists of attempts, failures and logs
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Access lock out"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    # Django's admin: its Korean for read-only lists reads "보기위한 1%s 를(을) 선택"
    gettext_noop("Select %s to view"),
    # django-import-export: its export page (its Korean lacks these)
    gettext_noop("This exporter will export the following fields: "),
    gettext_noop("Select all"),
    # django-simple-history: the history pages of trades, positions, stocks and accounts
    gettext_noop("Change history: %s"),
    gettext_noop("View history: %s"),
    gettext_noop("Revert %s"),
    gettext_noop("View %s"),
    gettext_noop("Revert %(verbose_name)s"),
    gettext_noop("View %(verbose_name)s"),
    gettext_noop("Created"),
    gettext_noop("Changed"),
    gettext_noop("Deleted"),
    gettext_noop("Deleted %(type_name)s"),
    gettext_noop("Changes"),
    gettext_noop("Change History"),
    gettext_noop("Change reason"),
    gettext_noop("Changed by"),
    gettext_noop("Comment"),
    gettext_noop("Date/time"),
    gettext_noop("Object"),
    gettext_noop("Revert"),
    gettext_noop("This object doesn't have a change history."),
    gettext_noop("You may edit it again below"),
    gettext_noop(
        "Choose a date from the list below to revert to a previous version of this object."
    ),
    gettext_noop("Press the 'Change History' button below to edit the history."),
    gettext_noop("Press the 'Revert' button below to revert to this version of the object."),
    # Django's admin where its Korean reads badly: the login error ("%(username)s 와") and
    # the action bar ("액션", "을/를"). Each msgid exactly Django's.
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that "
        "both fields may be case-sensitive."
    ),
    gettext_noop("Action:"),
    gettext_noop("Run the selected action"),
    gettext_noop("0 of %(cnt)s selected"),
    gettext_noop("Select all %(total_count)s %(module_name)s"),
    ngettext_lazy("%(total_count)s selected", "All %(total_count)s selected", "total_count"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
]
