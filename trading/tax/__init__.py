"""The year's tax picture of an account (report) and its XLSX sheet (sheet).
Docs: docs/corporate-actions.md."""

from trading.tax.report import METHODS, NoSession, tax_report

__all__ = ["METHODS", "NoSession", "tax_report"]
