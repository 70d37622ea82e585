"""The Korean catalog is complete: every message of locale/ko/LC_MESSAGES/django.po has a
translation that is not fuzzy, and the committed .mo (what Django reads) holds exactly the
.po's translations, so a .po edited without `make messages` compiling it is caught."""

import ast
import gettext
from pathlib import Path

from django.conf import settings

CATALOG = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES"


def entries(text):
    """The .po's entries as dicts: their flags, msgctxt, msgid, msgid_plural, msgstr and
    msgstr[n], with the strings unquoted."""
    found = []
    for block in text.split("\n\n"):
        entry, key = {"flags": set()}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        if "msgid" in entry:
            found.append(entry)
    return found


def translations(entry):
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def messages():
    return [e for e in entries((CATALOG / "django.po").read_text("utf-8")) if e["msgid"]]


def test_the_parser_sees_what_gettext_writes():
    parsed = entries(
        '#: a.py:1\n#, fuzzy, python-format\n#| msgid "old"\nmsgid ""\n"two "\n"lines"\n'
        'msgstr "두 줄 \\"%(n)s\\""\n\n'
        'msgctxt "stock"\nmsgid "kind"\nmsgid_plural "kinds"\nmsgstr[0] ""\n'
    )
    assert parsed[0] == {
        "flags": {"fuzzy", "python-format"},
        "msgid": "two lines",
        "msgstr": '두 줄 "%(n)s"',
    }
    assert parsed[1]["msgctxt"] == "stock" and translations(parsed[1]) == [""]


def test_every_message_is_translated_and_none_is_fuzzy():
    catalog = messages()
    assert len(catalog) > 500
    untranslated = [e["msgid"] for e in catalog if not all(translations(e))]
    fuzzy = [e["msgid"] for e in catalog if "fuzzy" in e["flags"]]
    obsolete = [e["msgid"] for e in catalog if e.get("obsolete")]
    assert (untranslated, fuzzy, obsolete) == ([], [], [])


def test_the_compiled_catalog_is_the_po():
    with open(CATALOG / "django.mo", "rb") as file:
        compiled = gettext.GNUTranslations(file)._catalog
    expected = {}
    for entry in messages():
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            for key, value in entry.items():
                if key.startswith("msgstr["):
                    expected[(msgid, int(key[7:-1]))] = value
        else:
            expected[msgid] = entry["msgstr"]
    compiled.pop("", None)
    assert compiled == expected


def test_one_english_word_with_two_meanings_has_two_korean_words():
    from django.utils import translation
    from django.utils.translation import gettext, pgettext

    with translation.override("ko"):
        # A position held (the positions filter) is not a bar's opening price.
        assert (pgettext("position", "open"), gettext("open")) == ("보유 중", "시가")
        assert pgettext("differences", "open") == "미해결"
        assert pgettext("position", "closed") == "청산"
        # An import row that changes nothing is unchanged, not skipped.
        assert (pgettext("import row", "Unchanged"), gettext("Skipped")) == ("변경 없음", "건너뜀")


def test_the_catalogue_overrides_django_s_own_korean_where_it_reads_badly():
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("ko"):
        assert gettext("Action:") == "작업:"
        assert (
            gettext("Delete selected %(verbose_name_plural)s")
            == "선택한 %(verbose_name_plural)s 삭제"
        )
