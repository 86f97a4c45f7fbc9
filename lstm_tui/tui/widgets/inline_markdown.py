"""Markdown's inline marks (emphasis, strong, code spans, links): highlights for a line.

Textual's Markdown highlighting reads the block grammar only (headings, lists, code
blocks). Emphasis, code and links live in tree-sitter-markdown's second, inline
grammar, which is parsed here one line at a time: a soft-wrapped paragraph is one line,
and a line's marks are kept by its text, so an edit parses only the line it changed.
"""

from __future__ import annotations

from textual.cache import LRUCache

try:
    import tree_sitter_markdown
    from tree_sitter import Language, Parser, Query, QueryCursor
except ImportError:  # textual[syntax] is a dependency; without it the text stays plain
    tree_sitter_markdown = None

# Node -> Textual's syntax style name (TextAreaTheme.syntax_styles).
QUERY = """
(emphasis) @italic
(strong_emphasis) @bold
(code_span) @inline_code
(strikethrough) @strikethrough
(link_text) @link.label
(image_description) @link.label
(link_destination) @link.uri
(uri_autolink) @link.uri
(email_autolink) @link.uri
"""

Highlight = tuple[int, int, str]  # start and end byte of the line, style name


class InlineMarks:
    """The inline highlights of lines of Markdown, by their text."""

    def __init__(self, lines: int = 4096) -> None:
        self._cache: LRUCache[str, list[Highlight]] = LRUCache(lines)
        if tree_sitter_markdown is None:
            self._parser = self._cursor = None
            return
        language = Language(tree_sitter_markdown.inline_language())
        self._parser = Parser(language)
        self._cursor = QueryCursor(Query(language, QUERY))

    def __call__(self, line: str) -> list[Highlight]:
        """Where ``line``'s inline marks are, in UTF-8 bytes as Textual's highlights are."""
        if self._parser is None or not line.strip():
            return []
        marks = self._cache.get(line)
        if marks is None:
            tree = self._parser.parse(line.encode("utf-8"))
            marks = sorted((node.start_byte, node.end_byte, name)
                           for name, nodes in self._cursor.captures(tree.root_node).items() for node in nodes)
            self._cache[line] = marks
        return marks
