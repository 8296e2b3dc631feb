"""Generated source as a string that notebooks display highlighted."""

from __future__ import annotations

import html


def highlighted_html(text: str) -> str:
    """`text` as Python highlighted in HTML (Pygments when installed, plain <pre> otherwise)."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{html.escape(text)}</pre>"
    return highlight(text, PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True))


class SourceCode(str):
    """The `.source` of a generated function: a plain `str` everywhere, which Jupyter shows as
    highlighted code rather than as a quoted string with `\\n` escapes."""

    def _repr_html_(self) -> str:
        return highlighted_html(str(self))

    def _repr_markdown_(self) -> str:
        return f"```python\n{self}\n```"
