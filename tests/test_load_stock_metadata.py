import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketdata.models import StockMetadata
from tests import factories

pytestmark = pytest.mark.django_db

KRX = (
    "Code,ISU_CD,Name,Market,Dept,Close,ChangeCode,Changes,ChagesRatio,Open,High,Low,Volume,"
    "Amount,Marcap,Stocks,MarketId\n"
    "005930,KR7005930003,삼성전자,KOSPI,,71500,1,400,0.56,71100,71800,70900,9845631,"
    "701234567890,426843295757500,5969782550,STK\n"
    "247540,KR7247540008,에코프로비엠,KOSDAQ,우량기업부,250000,2,-3000,-1.19,253000,254000,"
    "248500,412345,103456789000,24449962500000,97799850,KSQ\n"
)
KRX_DESC = (
    "Code,Name,Market,Sector,Industry,ListingDate,SettleMonth,Representative,HomePage,Region\n"
    '005930,삼성전자,KOSPI,통신 및 방송 장비 제조업,"휴대폰, 반도체",1975-06-11,12월,한종희,'
    "http://www.samsung.com/sec,경기도\n"
)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def load(*args):
    out = StringIO()
    call_command("load_stock_metadata", *map(str, args), stdout=out)
    return out.getvalue().strip()


def load_error(*args):
    with pytest.raises(CommandError) as caught:
        load(*args)
    return str(caught.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_an_fdr_krx_listing_loads_with_names_markets_and_sizes(tmp_path, encoding):
    assert load(write(tmp_path, "krx.csv", KRX, encoding)) == (
        "inserted 2, updated 0, unchanged 0, rejected 0 (fdr-krx, 2 rows)"
    )
    samsung = StockMetadata.objects.get(symbol="005930")
    assert (samsung.name, samsung.market, samsung.market_cap, samsung.listed_shares) == (
        "삼성전자",
        "KOSPI",
        426843295757500,
        5969782550,
    )
    assert StockMetadata.objects.get(symbol="247540").market == "KOSDAQ"


def test_a_krx_desc_listing_adds_sector_industry_and_listing_date_and_keeps_the_rest(tmp_path):
    load(write(tmp_path, "krx.csv", KRX))

    assert load(write(tmp_path, "desc.csv", KRX_DESC)) == (
        "inserted 0, updated 1, unchanged 0, rejected 0 (fdr-krx-desc, 1 rows)"
    )
    samsung = StockMetadata.objects.get(symbol="005930")
    assert (samsung.sector, samsung.industry, samsung.listing_date) == (
        "통신 및 방송 장비 제조업",
        "휴대폰, 반도체",
        dt.date(1975, 6, 11),
    )
    assert samsung.market_cap == 426843295757500


def test_reloading_reports_unchanged_rows(tmp_path):
    path = write(tmp_path, "krx.csv", KRX)
    load(path)
    assert load(path) == "inserted 0, updated 0, unchanged 2, rejected 0 (fdr-krx, 2 rows)"


def test_the_canonical_file_keeps_leading_zeros_and_reads_booleans(tmp_path):
    path = write(
        tmp_path,
        "stocks.csv",
        "symbol,name,name_en,market,is_active\n000660,SK하이닉스,SK hynix,KOSPI,false\n",
    )
    load(path)
    stock = StockMetadata.objects.get(symbol="000660")
    assert (stock.name_en, stock.is_active) == ("SK hynix", False)


def test_every_bad_row_is_named_and_nothing_is_written(tmp_path):
    factories.stock().save()
    path = write(
        tmp_path,
        "stocks.csv",
        "symbol,name,market,market_cap,listing_date\n"
        "005930,삼성전자 우선,KOSPI,1000,2020-01-01\n"
        "59300,삼성전자,KOSPI,,\n"
        "035720,카카오,NASDAQ,-3,2017-02-30\n"
        "000660,,KOSPI,,\n"
        "005930,삼성전자,KOSPI,,\n",
    )

    assert load_error(path) == (
        "Nothing was loaded.\n"
        f"{path}:3: symbol: 59300 is not the KRX code of a listed stock, ETF or ETN (six "
        "characters, such as 005930); funds and other securities have no bars here\n"
        f"{path}:4: market: NASDAQ is not a market (KOSPI, KOSDAQ, KONEX, KOSDAQ GLOBAL, KRX)\n"
        f"{path}:4: market_cap: -3 is not a whole number of zero or more\n"
        f"{path}:4: listing_date: 2017-02-30 is not a date (YYYY-MM-DD)\n"
        f"{path}:5: name: missing value\n"
        f"{path}:6: symbol: 005930 repeats line 2\n"
        "--skip-invalid loads the valid rows"
    )
    assert StockMetadata.objects.get().name == "삼성전자"


def test_dry_run_counts_and_writes_nothing(tmp_path):
    assert load(write(tmp_path, "krx.csv", KRX), "--dry-run") == (
        "Dry run, nothing written: would have inserted 2, updated 0, unchanged 0, rejected 0 "
        "(fdr-krx, 2 rows)"
    )
    assert not StockMetadata.objects.exists()


def test_an_unknown_header_says_what_it_found_and_lists_the_formats(tmp_path):
    path = write(tmp_path, "x.csv", "ticker,company\n005930,Samsung\n")
    assert load_error(path) == (
        f"Nothing was loaded.\n{path}:1: unknown header: found ticker, company. Known formats: "
        "fdr-krx: Code, Name, Market, Marcap, Stocks; fdr-krx-desc: Code, Name, Market, Sector, "
        "Industry, ListingDate; fdr-krx-old: Symbol, Name, Market, Sector, Industry, "
        "ListingDate; qb: symbol, name, market[, name_en, kind, sector, industry, market_cap, "
        "listed_shares, listing_date, is_active] (case and surrounding spaces do not matter)"
    )


def test_a_listing_gives_kinds_and_indices_keep_their_four_digit_codes(tmp_path):
    path = write(
        tmp_path,
        "kinds.csv",
        "symbol,name,market,kind\n1001,코스피,KOSPI,index\n069500,KODEX 200,KOSPI,ETF\n"
        "005930,삼성전자,KOSPI,\n",
    )
    load(path)
    assert dict(StockMetadata.objects.values_list("symbol", "kind")) == {
        "1001": "INDEX",
        "069500": "ETF",
        "005930": "STOCK",
    }


def test_an_index_code_for_a_stock_and_a_stock_code_for_an_index_are_refused(tmp_path):
    path = write(
        tmp_path,
        "kinds.csv",
        "symbol,name,market,kind\n1001,코스피,KOSPI,stock\n005930,X,KOSPI,index\n",
    )
    assert load_error(path).splitlines()[1:3] == [
        f"{path}:2: symbol: 1001 is not the KRX code of a listed stock, ETF or ETN (six "
        "characters, such as 005930); funds and other securities have no bars here",
        f"{path}:3: symbol: 005930 is not an index code (1001)",
    ]


def test_each_listing_change_is_in_the_stock_history_with_the_file_as_its_reason(tmp_path):
    load(write(tmp_path, "krx.csv", KRX))
    load(write(tmp_path, "renamed.csv", KRX.replace("에코프로비엠", "에코프로BM")))

    history = StockMetadata.history.filter(symbol="247540").order_by("history_date")
    assert [(h.history_type, h.name, h.history_change_reason) for h in history] == [
        ("+", "에코프로비엠", "load_stock_metadata krx.csv"),
        ("~", "에코프로BM", "load_stock_metadata renamed.csv"),
    ]
    assert StockMetadata.history.filter(symbol="005930").count() == 1
