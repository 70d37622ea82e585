# Korea time on a 24-hour clock with ISO dates, in English as in Korean.
from display.formats.iso import *  # noqa: F403
