//! Parsing decoded source with Ruff's parser, with error recovery, and mapping byte
//! ranges to 1-based line/character spans.
//!
//! A file with syntax errors (or Python 2 syntax) still yields a full recovered tree; the
//! errors are kept for a note. Comments are collected from the token stream, so a
//! `# noqa` inside a string literal is never mistaken for a comment.
//!
//! Must never execute anything it parses and never panic on any text.

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{ModModule, PySourceType};
use ruff_python_parser::Parsed;
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::finding::Span;

/// A parsed file: the recovered tree plus what is needed to report positions.
pub struct ParsedSource<'src> {
    /// The decoded text the tree points into.
    pub text: &'src str,
    /// The tree, possibly recovered from syntax errors.
    pub parsed: Parsed<ModModule>,
    line_index: LineIndex,
}

/// One syntax error: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxProblem {
    /// Where the parser gave up on the construct.
    pub range: TextRange,
    /// The parser's message.
    pub message: String,
}

impl<'src> ParsedSource<'src> {
    /// Parse `text` as a Python module, recovering from errors.
    #[must_use]
    pub fn parse(text: &'src str) -> Self {
        let parsed = ruff_python_parser::parse_unchecked_source(text, PySourceType::Python);
        ParsedSource {
            text,
            parsed,
            line_index: LineIndex::from_source_text(text),
        }
    }

    /// The syntax errors the parser recovered from, in file order.
    #[must_use]
    pub fn syntax_problems(&self) -> Vec<SyntaxProblem> {
        self.parsed
            .errors()
            .iter()
            .map(|e| SyntaxProblem {
                range: e.location,
                message: e.error.to_string(),
            })
            .collect()
    }

    /// The 1-based line of a byte offset.
    #[must_use]
    pub fn line_of(&self, offset: TextSize) -> u32 {
        u32::try_from(self.line_index.line_index(offset).get()).unwrap_or(u32::MAX)
    }

    /// A report span for a byte range (columns count characters).
    #[must_use]
    pub fn span(&self, range: TextRange) -> Span {
        let start = self.line_index.line_column(range.start(), self.text);
        let end = self.line_index.line_column(range.end(), self.text);
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            line: to_u32(start.line.get()),
            column: to_u32(start.column.get()),
            end_line: to_u32(end.line.get()),
            end_column: to_u32(end.column.get()),
            start_byte: range.start().to_u32(),
            end_byte: range.end().to_u32(),
        }
    }

    /// Every comment with the 1-based line it sits on, in file order.
    #[must_use]
    pub fn comments(&self) -> Vec<(u32, &'src str)> {
        self.parsed
            .tokens()
            .iter()
            .filter(|t| t.kind() == TokenKind::Comment)
            .filter_map(|t| {
                let text = self.text.get(t.range().to_std_range())?;
                Some((self.line_of(t.start()), text))
            })
            .collect()
    }

    /// The source text of a range, or `""` if the range is out of bounds.
    #[must_use]
    pub fn slice(&self, range: TextRange) -> &'src str {
        self.text.get(range.to_std_range()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_characters_not_bytes() {
        let parsed = ParsedSource::parse("é = 1; x = 2\n");
        let span = parsed.span(TextRange::new(TextSize::new(9), TextSize::new(10)));
        assert_eq!((span.line, span.column), (1, 9));
        assert_eq!(span.start_byte, 9);
    }

    #[test]
    fn broken_files_keep_their_tree_and_errors() {
        let parsed = ParsedSource::parse("def broken(:\n    pass\nprint 'py2'\nx = 1\n");
        assert!(!parsed.syntax_problems().is_empty());
        assert!(parsed.parsed.syntax().body.len() >= 2);
    }

    #[test]
    fn comments_come_from_tokens_not_strings() {
        let parsed = ParsedSource::parse("s = '# noqa'\nx = 1  # real\r\n");
        assert_eq!(parsed.comments(), vec![(2, "# real")]);
    }
}
