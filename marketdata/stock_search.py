"""Which stock a person means by what they type: a code (005930), a code whose leading zeros
a spreadsheet dropped (5930), an index by name (KOSPI), or part of a Korean or English name
(삼성전자, samsung). The admin's searches and the market-data pickers all ask here."""

from django.db.models import Q

from marketdata.models import StockMetadata
from marketdata.symbols import index_code, is_symbol

MOST = 20  # candidates listed for an ambiguous term


class StockNotFound(ValueError):
    def __init__(self, term):
        self.term = term
        super().__init__(f"No stock matches {term!r}.")


class AmbiguousStock(ValueError):
    def __init__(self, term, candidates):
        self.term, self.candidates = term, candidates
        shown = ", ".join(f"{s} {n}".strip() for s, n in candidates)
        super().__init__(f"{term!r} matches {len(candidates)} stocks: {shown}.")


def _codes(term: str) -> list[str]:
    """The codes `term` can stand for as it is, surest first."""
    code = term.upper()
    codes = [code]
    if index_code(code):
        codes.append(index_code(code))
    if code.isdigit() and len(code) < 6:
        codes.append(code.zfill(6))
    return [c for c in dict.fromkeys(codes) if is_symbol(c)]


def candidates(term: str) -> tuple[bool, list[tuple[str, str]]]:
    """(exact, [(symbol, name), ...]): the listed stocks whose code `term` is (exact), else
    those whose code or Korean or English name contains it."""
    text = term.strip()
    if not text:
        return False, []
    codes = _codes(text)
    listed = dict(StockMetadata.objects.filter(symbol__in=codes).values_list("symbol", "name"))
    if listed:
        return True, [(c, listed[c]) for c in codes if c in listed]
    containing = StockMetadata.objects.filter(
        Q(symbol__icontains=text) | Q(name__icontains=text) | Q(name_en__icontains=text)
    )
    return False, list(containing.order_by("symbol").values_list("symbol", "name")[:MOST])


def symbols_for(term: str) -> list[str]:
    """The symbols a search for `term` finds: the listed stocks it means, else the codes it
    stands for (fills and bars may exist of a stock without metadata)."""
    _, found = candidates(term)
    return [s for s, _ in found] or _codes(term.strip())


def exactly_named(term: str) -> list[str]:
    """The symbols of the stocks whose Korean or English name is `term` (any case)."""
    text = term.strip()
    named = StockMetadata.objects.filter(Q(name__iexact=text) | Q(name_en__iexact=text))
    return list(named.order_by("symbol").values_list("symbol", flat=True)[:MOST])


def resolve(term: str) -> str:
    """The one symbol `term` means; StockNotFound or AmbiguousStock otherwise. A valid code
    of a stock we hold no metadata of is taken as it is, before any partial match; a name
    that is exactly one stock's (에코프로) is that stock, though others contain it
    (에코프로비엠)."""
    exact, found = candidates(term)
    if exact:
        return found[0][0]
    code = term.strip().upper()
    if is_symbol(code) or index_code(code):
        return index_code(code) or code
    if len(found) == 1:
        return found[0][0]
    named = exactly_named(term)
    if len(named) == 1:
        return named[0]
    if not found:
        raise StockNotFound(term)
    raise AmbiguousStock(term, found)
