"""How the back office's figures read on screen, for every page and every app: money in
whole won with thousands separators, prices to at most two decimals, rates as percentages,
times in Korea time on a 24-hour clock with ISO dates, and one colour convention for gains
and losses. It imports nothing of the project, so that marketdata, trading and qbsite can
all use it."""
