//! Reading a script's text without trusting it: a bound on its size and on how deeply
//! its code nests, checked on the tokens before starlark's parser sees them.
//!
//! starlark parses by recursive descent and compiles, walks and drops the syntax tree
//! by recursion, so a script with a few thousand nested brackets, a chain of thousands
//! of `+` terms or a long `elif` chain overflows the native stack and aborts the
//! process. The depth at which that happens depends on the machine and the build; the
//! refusal here does not: it counts tokens, so the same text is refused (or not) with
//! the same place everywhere.
//!
//! The count is an upper bound on the depth of the syntax tree. Every level of the tree
//! comes from a token: a bracket, an operator, a keyword, a `.`, an indented block or
//! an `elif`. Within brackets, the operands of one operator chain nest (`a + b + c`
//! is `(a + b) + c`), so each operator or postfix bracket adds one level to the items
//! after it in the same comma-separated item; a comma starts a sibling, which nests no
//! deeper than the container around it.

use starlark::codemap::{CodeMap, Pos, Span};
use starlark::syntax::{AstModule, Dialect};
use starlark_syntax::lexer::{Lexer, Token};

/// The largest script, in bytes. A policy is a page or two; this leaves room for
/// generated ones (a converted decision tree) while keeping every pass over the text
/// short.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;

/// The deepest a script's code may nest, counted as described in the module docs.
/// Every example and converted policy in the repository loads within it; starlark's
/// parser and compiler need well under 1 MiB of stack at this depth (a chain of 1,000
/// `+` terms overflowed a 2 MiB stack before this bound).
pub const MAX_NESTING: u32 = 100;

/// A script refused before parsing: where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureError {
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
    pub message: String,
}

/// Refuses a script too large or nested too deeply to hand to the parser. A text that
/// does not lex passes: the parser reports that error with its place, and it reads no
/// further than the bad token, all of which was checked here.
pub fn check_structure(source: &str) -> Result<(), StructureError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(StructureError {
            line: 1,
            column: 1,
            message: format!(
                "the script is {} bytes; a policy script may be at most {MAX_SOURCE_BYTES} bytes",
                source.len()
            ),
        });
    }
    let codemap = CodeMap::new(String::new(), source.to_owned());
    let mut nesting = Nesting::default();
    for lexeme in Lexer::new(source, &Dialect::Standard, codemap.clone()) {
        let Ok((start, token, _end)) = lexeme else {
            return Ok(());
        };
        let depth = nesting.step(&token);
        if depth > MAX_NESTING {
            let at = Pos::new(u32::try_from(start).unwrap_or(u32::MAX));
            let at = codemap.resolve_span(Span::new(at, at));
            return Err(StructureError {
                line: at.begin.line + 1,
                column: at.begin.column + 1,
                message: format!(
                    "the code nests too deeply here (more than {MAX_NESTING} levels of brackets, \
                     operators, blocks and elifs); split the expression or use a loop"
                ),
            });
        }
    }
    Ok(())
}

/// [`check_structure`], then starlark's parser.
pub fn parse(name: &str, source: &str, dialect: &Dialect) -> Result<AstModule, ParseError> {
    check_structure(source).map_err(ParseError::Structure)?;
    AstModule::parse(name, source.to_owned(), dialect).map_err(ParseError::Starlark)
}

/// Why a script did not parse.
#[derive(Debug)]
pub enum ParseError {
    /// Refused by [`check_structure`].
    Structure(StructureError),
    /// starlark's own syntax error.
    Starlark(starlark::Error),
}

/// The running count of [`check_structure`].
#[derive(Default)]
struct Nesting {
    /// For each open bracket (the first entry is the statement itself): operators and
    /// postfix brackets since the start of the current item.
    items: Vec<u32>,
    /// For each indented block: how many `elif`s the `if` statement at that level has
    /// had so far (each nests the rest of the chain one level deeper).
    blocks: Vec<u32>,
    /// Whether the next token starts a logical line.
    line_start: bool,
    /// Whether the last token ended an operand (so a bracket after it is a call or an
    /// index, which wraps that operand).
    after_operand: bool,
}

impl Nesting {
    /// Takes one token; returns the depth bound at that token.
    fn step(&mut self, token: &Token) -> u32 {
        if self.items.is_empty() {
            self.items.push(0);
            self.blocks.push(0);
            self.line_start = true;
        }
        let starts_line = std::mem::replace(&mut self.line_start, false);
        let after_operand = std::mem::replace(
            &mut self.after_operand,
            matches!(
                token,
                Token::Identifier(_)
                    | Token::Int(_)
                    | Token::Float(_)
                    | Token::String(_)
                    | Token::Bytes(_)
                    | Token::ClosingRound
                    | Token::ClosingSquare
                    | Token::ClosingCurly
                    | Token::FStringEnd
            ),
        );
        match token {
            Token::Indent => {
                self.blocks.push(0);
                self.line_start = true;
            }
            Token::Dedent => {
                if self.blocks.len() > 1 {
                    self.blocks.pop();
                }
                self.line_start = true;
            }
            Token::Newline | Token::Semicolon => {
                if self.items.len() == 1 {
                    self.items[0] = 0;
                    self.line_start = matches!(token, Token::Newline);
                }
            }
            Token::Comma => self.bump(|item| *item = 0),
            Token::OpeningRound
            | Token::OpeningSquare
            | Token::OpeningCurly
            | Token::FStringStart(_)
            | Token::FStringExprStart => {
                // A call or index after an operand wraps it: one more level for what
                // follows in this item. The bracket's contents are one level deeper.
                if after_operand {
                    self.bump(|item| *item += 1);
                }
                self.items.push(0);
            }
            Token::ClosingRound
            | Token::ClosingSquare
            | Token::ClosingCurly
            | Token::FStringEnd
            | Token::FStringExprEnd => {
                if self.items.len() > 1 {
                    self.items.pop();
                }
            }
            Token::Identifier(_)
            | Token::Int(_)
            | Token::Float(_)
            | Token::String(_)
            | Token::Bytes(_)
            | Token::FStringText(_)
            | Token::Comment(_)
            | Token::Tabs => {}
            _ => self.bump(|item| *item += 1),
        }
        if starts_line
            && !matches!(token, Token::Indent | Token::Dedent | Token::Newline)
            && let Some(chain) = self.blocks.last_mut()
        {
            match token {
                Token::Elif => *chain += 1,
                Token::Else => {}
                _ => *chain = 0,
            }
        }
        self.depth()
    }

    fn bump(&mut self, change: impl FnOnce(&mut u32)) {
        if let Some(item) = self.items.last_mut() {
            change(item);
        }
    }

    fn depth(&self) -> u32 {
        let expression: u32 = self.items.iter().map(|ops| ops + 1).sum();
        let blocks: u32 = self.blocks.iter().map(|elifs| elifs + 1).sum();
        expression.saturating_add(blocks)
    }
}
