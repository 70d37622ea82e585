"""Admin pages for market data, which the admin cannot register (composite key): the bar
browser with keyset paging, streamed CSV export, coverage, range deletion and the
hypertable panel. The admin site (qbsite/admin_site.py) mounts them behind staff login;
each checks its own permission."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from display import numbers
from marketdata import actions, coarser, coverage, dates, exports, facts, reads, stock_search
from marketdata.models import Interval, MarketData, StockMetadata
from marketdata.sessions import KST
from marketdata.symbols import validate_symbol
from marketdata.timescale import day_counts, introspection

PAGE = 100
COVERAGE_PAGE = 100  # series a page
VIEW, DELETE = "marketdata.view_marketdata", "marketdata.delete_marketdata"


def require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


# Dates typed as the desk writes them (2026-11-26) in every language; a browser's own date
# input would show 11/26/2026 to an American locale.
ISO_DATE = forms.DateInput(
    format="%Y-%m-%d", attrs={"placeholder": "YYYY-MM-DD", "size": 10, "inputmode": "numeric"}
)


@dataclass(frozen=True)
class Bar:
    """A bar made from finer ones, shown like a stored one."""

    time: dt.datetime
    open: object
    high: object
    low: object
    close: object
    volume: int


class SymbolField(forms.CharField):
    """A stock typed by its code, its code without leading zeros (5930) or its name
    (삼성전자): cleaned to its code (marketdata/stock_search.py). A name that several stocks
    share part of lists them as links to the same page with that stock (and `keep`, the
    page's other choices)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=100, validators=[validate_symbol], **kwargs)
        self.keep = {}

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return text
        try:
            return stock_search.resolve(text)
        except stock_search.AmbiguousStock as e:
            shown = format_html_join(
                ", ",
                '<a href="?{}">{}</a>',
                (
                    (urlencode({**self.keep, "symbol": s}), f"{s} {n}".strip())
                    for s, n in e.candidates
                ),
            )
            raise forms.ValidationError(
                mark_safe(  # noqa: S308 - the term is escaped, the links are format_html's
                    gettext("%(term)s matches several stocks: %(shown)s. Choose one.")
                    % {"term": escape(text), "shown": shown}
                )
            ) from e
        except stock_search.StockNotFound as e:
            raise forms.ValidationError(
                _("No stock matches %(term)s: type a code (005930) or a name.") % {"term": text}
            ) from e


class RangeForm(forms.Form):
    symbol = SymbolField(label=_("stock"))
    interval = forms.ChoiceField(label=_("interval"), choices=Interval.choices, initial="1d")
    start = forms.DateField(
        label=_("from"), required=False, widget=ISO_DATE, validators=[dates.validate]
    )
    end = forms.DateField(
        label=_("to"),
        required=False,
        help_text=_("included"),
        widget=ISO_DATE,
        validators=[dates.validate],
    )

    # Kept in the links of an ambiguous name's candidates.
    KEPT = ("interval", "start", "end")

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        if data:
            kept = {k: data[k] for k in self.KEPT if k in self.fields and data.get(k)}
            self.fields["symbol"].keep = kept

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data

    def query(self) -> str:
        """The cleaned range as a query string: the stock by its code, whatever was typed."""
        return urlencode({k: v for k, v in self.cleaned_data.items() if v})

    def bounds(self):
        """(first moment, moment after the last day), Korea time; None where open."""
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        return (
            dt.datetime.combine(start, dt.time(), KST) if start else None,
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), KST) if end else None,
        )

    def bars(self):
        first, after = self.bounds()
        bars = MarketData.objects.filter(
            symbol=self.cleaned_data["symbol"], interval_type=self.cleaned_data["interval"]
        )
        if first:
            bars = bars.filter(time__gte=first)
        if after:
            bars = bars.filter(time__lt=after)
        return bars

    def made_bars(self, source, *, before=None, limit=None):
        """The range's bars made from the finer bars of `source`, newest first."""
        first, after = self.bounds()
        if before is not None:
            before = before if timezone.is_aware(before) else timezone.make_aware(before)
            after = min(after, before) if after else before
        rows = coarser.read(
            reads.connection(),
            symbol=self.cleaned_data["symbol"],
            interval=source,
            width=coarser.bar_width(self.cleaned_data["interval"]),
            first=first,
            after=after,
            newest_first=True,
            limit=limit,
        )
        return [Bar(*row) for row in rows]


def symbol_choices():
    return StockMetadata.objects.order_by("symbol").values_list("symbol", "name")


def page_context(site, request, title, **extra):
    return {
        **site.each_context(request),
        "title": title,
        "symbols": symbol_choices(),
        **extra,
    }


def cursor(text: str | None) -> dt.datetime | None:
    """The time a page of bars ends before (?before=), in Korea time, or None when absent
    or not a time the table can hold."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=KST)).astimezone(KST)
    except (ValueError, OverflowError):
        return None
    return None if dates.out_of_range(moment.date(), last=dates.last_day_to_view()) else moment


def stock_of(form) -> str | None:
    """The chosen stock as a heading names it: `005930 삼성전자`, or its code alone."""
    if not form.is_bound or not form.is_valid():
        return None
    symbol = form.cleaned_data["symbol"]
    name = StockMetadata.objects.filter(symbol=symbol).values_list("name", flat=True).first()
    return f"{symbol} {name}" if name else symbol


def browser(site, request):
    """Newest bars first, keyset paging on time (?before=...): no OFFSET, no COUNT. A series
    without bars of its own at the interval asked for is made from its 1-minute bars."""
    require(request, VIEW)
    form = RangeForm(request.GET or None)
    rows, next_query, made_from = [], None, None
    if form.is_valid():
        bars = form.bars().order_by("-time")
        before = cursor(request.GET.get("before"))
        if before:
            bars = bars.filter(time__lt=before)
        elif request.GET.get("before"):
            form.add_error(None, _("The page cursor is not a time."))
        source = coarser.stored_source(form.cleaned_data["symbol"], form.cleaned_data["interval"])
        if source == form.cleaned_data["interval"]:
            rows = list(bars[: PAGE + 1])
        else:
            made_from = Interval(source).label
            rows = form.made_bars(source, before=before, limit=PAGE + 1)
        if len(rows) > PAGE:
            rows = rows[:PAGE]
            next_query = f"{form.query()}&{urlencode({'before': rows[-1].time.isoformat()})}"
    adjust = form.is_valid() and request.GET.get("adjust") == "1"
    if adjust:
        rows = adjusted_bars(form.cleaned_data["symbol"], rows)
        if next_query:
            next_query += "&adjust=1"
    query = form.query() if form.is_valid() else ""
    return TemplateResponse(
        request,
        "admin/marketdata/browser.html",
        page_context(
            site,
            request,
            _("Market data bars"),
            form=form,
            rows=rows,
            next_query=next_query,
            query=query,
            made_from=made_from,
            adjust=adjust,
            stock=stock_of(form),
        ),
    )


@dataclass(frozen=True)
class AdjustedBar(Bar):
    factor: object = 1


def adjusted_bars(symbol, rows):
    """`rows` (bars) with prices and volumes adjusted for the symbol's corporate actions."""
    factors = actions.price_factors(symbol)
    made = []
    for row in rows:
        prices, volume, factor = actions.adjusted(
            factors,
            timezone.localtime(row.time, KST).date(),
            (row.open, row.high, row.low, row.close),
            row.volume,
        )
        made.append(AdjustedBar(row.time, *prices, volume, factor))
    return made


def _session_day(text: str) -> dt.date:
    return dt.datetime.fromisoformat(text).astimezone(KST).date()


def export(site, request):
    """The selected range as canonical CSV, streamed from PostgreSQL's COPY in chunks
    (marketdata/exports.py)."""
    require(request, VIEW)
    form = RangeForm(request.GET)
    if not form.is_valid():
        return redirect(f"{reverse('admin:marketdata_browser')}?{request.GET.urlencode()}")
    data = form.cleaned_data
    first, end = form.bounds()
    rows = exports.canonical_csv(
        # Chosen here: the rows stream after the request's routing has ended.
        using=reads.connection().alias,
        symbol=data["symbol"],
        interval=data["interval"],
        first=first,
        end=end,
    )
    if request.GET.get("adjust") == "1":
        rows = actions.adjusted_csv(rows, actions.price_factors(data["symbol"]), _session_day)
    return StreamingHttpResponse(
        rows,
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{data["symbol"]}_{data["interval"]}.csv"'
        },
    )


class CoverageForm(forms.Form):
    symbol = SymbolField(label=_("stock"), required=False)
    interval = forms.ChoiceField(
        label=_("interval"), choices=[("", "---------"), *Interval.choices], required=False
    )


def coverage_page(site, request):
    """The series we hold, a page at a time, with what is missing from the per-day counts;
    with one series chosen, its gap report (missing sessions or minutes)."""
    require(request, VIEW)
    form = CoverageForm(request.GET)
    rows, page, report = [], None, None
    if form.is_valid():
        symbol = form.cleaned_data["symbol"] or None
        interval = form.cleaned_data["interval"] or None
        page = Paginator(facts.series(symbol=symbol, interval=interval), COVERAGE_PAGE).get_page(
            request.GET.get("page")
        )
        rows = coverage.coverage(pairs=list(page.object_list), missing=True)
        if symbol and interval:
            report = next(iter(coverage.gap_report(symbol=symbol, interval=interval)), None)
    query = urlencode({k: v for k, v in request.GET.items() if k != "page"})
    return TemplateResponse(
        request,
        "admin/marketdata/coverage.html",
        page_context(
            site,
            request,
            _("Market data coverage"),
            form=form,
            rows=rows,
            page=page,
            report=report,
            query=query,
        ),
    )


def delete_range(site, request):
    """Count what a range holds, then delete it on confirmation; logged in the admin log."""
    require(request, DELETE)
    form = RangeForm(request.POST or request.GET or None)
    count = None
    if form.is_valid():
        bars = form.bars()
        data = form.cleaned_data
        what = (
            f"{data['symbol']} {data['interval']} "
            f"{data['start'] or '...'} to {data['end'] or '...'}"
        )
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            with transaction.atomic():
                deleted, _ignored = bars.delete()
                first, after = form.bounds()
                day_counts.changed(
                    [
                        day_counts.Change(
                            symbol=data["symbol"],
                            interval=data["interval"],
                            first=first,
                            last=after - dt.timedelta(microseconds=1) if after else None,
                        )
                    ]
                )
                LogEntry.objects.create(
                    user=request.user,
                    content_type=ContentType.objects.get_for_model(MarketData),
                    object_id=f"{data['symbol']}:{data['interval']}",
                    object_repr=what[:200],
                    action_flag=DELETION,
                    change_message=f"Deleted {deleted} bars: {what}",
                )
            messages.success(
                request,
                _("Deleted %(count)s bars of %(what)s.")
                % {"count": numbers.quantity(deleted), "what": what},
            )
            return redirect(
                reverse("admin:marketdata_browser")
                + "?"
                + urlencode({"symbol": data["symbol"], "interval": data["interval"]})
            )
        count = bars.count()
    return TemplateResponse(
        request,
        "admin/marketdata/delete_range.html",
        page_context(site, request, _("Delete market data"), form=form, count=count),
    )


def hypertable_panel(site, request):
    require(request, VIEW)
    info = introspection.inspect(connection)
    return TemplateResponse(
        request,
        "admin/marketdata/hypertable.html",
        page_context(
            site,
            request,
            _("Hypertable"),
            info=info,
            chunks=introspection.chunk_sizes(connection) if info.is_hypertable else [],
        ),
    )
