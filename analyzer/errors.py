"""Typed exceptions. The library raises these; the batch runner turns them into error records."""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base class of every error the analyzer raises on purpose."""


class ReadError(AnalyzerError):
    """A file could not be turned into text.

    ``kind`` is one of the contract's error kinds
    (unreadable|encrypted|empty|unsupported|no_text|too_large|timeout);
    ``message`` is a Chinese sentence for the user that says what is wrong and, where possible, what to do.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class BadRuleData(AnalyzerError):
    """A language-data file of the package is malformed (a programming error, never user input)."""
