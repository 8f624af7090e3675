//! Text edits that route what the syntax tree cannot rewrite through the guards: the
//! right-hand side of `x += y` and the methods that can amplify (`s.join(xs)`,
//! `s.replace(a, b)`, `s.format(...)`, `xs.extend(ys)`).
//!
//! starlark lets a program replace binary operators in a parsed module, but not
//! statements or method calls, so those are rewritten in the text (from the parsed
//! tree's spans) and the text parsed again:
//!
//! ```text
//! total += x        ->  total += _rtgsim_addend(x)
//! sep.join(items)   ->  _rtgsim_join(sep, items)
//! ```
//!
//! The edits are kept, so that a place in the rewritten text (where an error is
//! found) maps back to the place the author wrote.

use crate::guards::RESERVED_PREFIX;
use starlark::syntax::AstModule;
use starlark::syntax::ast::{AssignOp, AstExpr, AstNoPayload, AstStmt, ExprP, StmtP};
use starlark_syntax::lexer::{Lexer, Token};
use starlark_syntax::syntax::uniplate::Visit;

/// The methods called through a guard, and the guard.
pub(crate) const METHODS: [(&str, &str); 13] = [
    ("join", "_rtgsim_join"),
    ("replace", "_rtgsim_replace"),
    ("format", "_rtgsim_format"),
    ("extend", "_rtgsim_extend"),
    ("items", "_rtgsim_items"),
    ("popitem", "_rtgsim_popitem"),
    ("index", "_rtgsim_index"),
    ("remove", "_rtgsim_remove"),
    ("split", "_rtgsim_split"),
    ("rsplit", "_rtgsim_rsplit"),
    ("splitlines", "_rtgsim_splitlines"),
    ("elems", "_rtgsim_elems"),
    ("codepoints", "_rtgsim_codepoints"),
];

/// One edit: at `at` in the original text, `removed` bytes become `inserted`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edit {
    at: usize,
    /// Among edits at the same place, outer ones first.
    depth: usize,
    removed: usize,
    inserted: String,
}

/// The edits made to a script, to map places back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    edits: Vec<Edit>,
}

impl Edits {
    /// The offset in the original text of `offset` in the rewritten text. A place
    /// inside inserted text maps to where the insertion was made.
    pub fn original_offset(&self, offset: usize) -> usize {
        let mut shift: isize = 0;
        for edit in &self.edits {
            let start = (edit.at as isize + shift) as usize;
            if offset < start {
                break;
            }
            if offset < start + edit.inserted.len() {
                return edit.at;
            }
            shift += edit.inserted.len() as isize - edit.removed as isize;
        }
        (offset as isize - shift).max(0) as usize
    }
}

/// The first identifier in `source` that starts with the guards' prefix: a script
/// that defined one could replace a guard. Its offset and name.
pub fn reserved_name(source: &str) -> Option<(usize, String)> {
    let codemap = starlark::codemap::CodeMap::new(String::new(), source.to_owned());
    Lexer::new(source, &starlark::syntax::Dialect::Standard, codemap)
        .map_while(Result::ok)
        .find_map(|(start, token, _)| match token {
            Token::Identifier(name) if name.starts_with(RESERVED_PREFIX) => Some((start, name)),
            _ => None,
        })
}

/// A guarded method reached other than by calling it (`f = s.join`), which would
/// bypass its guard: its offset in the original text and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unguarded {
    pub offset: usize,
    pub method: String,
}

/// The rewritten text and its edits (`None` when nothing needs rewriting), or the
/// first guarded method that is not called directly.
pub fn rewrite(ast: &AstModule, source: &str) -> Result<Option<(String, Edits)>, Unguarded> {
    let mut found = Found::default();
    statement(ast.statement(), source, 0, &mut found);
    if let Some(unguarded) = found.unguarded {
        return Err(unguarded);
    }
    let mut edits = found.edits;
    if edits.is_empty() {
        return Ok(None);
    }
    edits.sort_by_key(|edit| (edit.at, edit.depth));
    let mut text = String::with_capacity(source.len() + edits.len() * 16);
    let mut copied = 0;
    for edit in &edits {
        text.push_str(&source[copied..edit.at]);
        text.push_str(&edit.inserted);
        copied = edit.at + edit.removed;
    }
    text.push_str(&source[copied..]);
    Ok(Some((text, Edits { edits })))
}

/// What the walk found: the edits, and the first method reached without a call.
#[derive(Default)]
struct Found {
    edits: Vec<Edit>,
    unguarded: Option<Unguarded>,
}

fn statement(stmt: &AstStmt, source: &str, depth: usize, found: &mut Found) {
    let edits = &mut found.edits;
    if let StmtP::AssignModify(_, AssignOp::Add, rhs) = &stmt.node {
        let (begin, end) = (offset(rhs.span.begin()), offset(rhs.span.end()));
        edits.push(insert(begin, depth, "_rtgsim_addend("));
        // Closing after everything else that ends here.
        edits.push(insert(end, usize::MAX, ")"));
    }
    stmt.visit_children(|child| visit(child, source, depth + 1, found));
}

fn visit(child: Visit<'_, AstNoPayload>, source: &str, depth: usize, found: &mut Found) {
    match child {
        Visit::Stmt(stmt) => statement(stmt, source, depth, found),
        Visit::Expr(expr) => expression(expr, source, depth, found),
    }
}

fn expression(expr: &AstExpr, source: &str, depth: usize, found: &mut Found) {
    let edits = &mut found.edits;
    // A tuple can be hashed (as a dict key), and hashing recurses: every non-empty
    // tuple a script writes is checked for depth as it is made. The doubled brackets
    // make one tuple argument whether or not the span includes the tuple's own.
    if let ExprP::Tuple(items) = &expr.node
        && !items.is_empty()
    {
        edits.push(insert(offset(expr.span.begin()), depth, "_rtgsim_tuple(("));
        edits.push(insert(offset(expr.span.end()), usize::MAX - depth, "))"));
    }
    if let ExprP::Call(callee, args) = &expr.node
        && let ExprP::Dot(receiver, name) = &callee.node
        && let Some((_, guard)) = METHODS.iter().find(|(method, _)| *method == name.node)
        && let Some(paren) = opening_paren(source, offset(name.span.end()))
    {
        let receiver_end = offset(receiver.span.end());
        edits.push(insert(
            offset(receiver.span.begin()),
            depth,
            &format!("{guard}("),
        ));
        edits.push(Edit {
            at: receiver_end,
            depth,
            removed: paren + 1 - receiver_end,
            inserted: if args.args.is_empty() {
                String::new()
            } else {
                ", ".to_string()
            },
        });
        // The method itself is handled: walk its receiver and arguments only.
        expression(receiver, source, depth + 1, found);
        for argument in &args.args {
            expression(argument.node.expr(), source, depth + 1, found);
        }
        return;
    }
    if let ExprP::Dot(_, name) = &expr.node
        && METHODS.iter().any(|(method, _)| *method == name.node)
        && found.unguarded.is_none()
    {
        found.unguarded = Some(Unguarded {
            offset: offset(name.span.begin()),
            method: name.node.clone(),
        });
    }
    expr.visit_expr(|child| expression(child, source, depth + 1, found));
}

fn insert(at: usize, depth: usize, text: &str) -> Edit {
    Edit {
        at,
        depth,
        removed: 0,
        inserted: text.to_string(),
    }
}

fn offset(pos: starlark::codemap::Pos) -> usize {
    pos.get() as usize
}

/// The `(` of a call whose method name ends at `from`: past spaces, line breaks and
/// comments.
fn opening_paren(source: &str, from: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'(' => return Some(at),
            b' ' | b'\t' | b'\r' | b'\n' | b'\\' => at += 1,
            b'#' => {
                while at < bytes.len() && bytes[at] != b'\n' {
                    at += 1;
                }
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use starlark::syntax::Dialect;

    fn rewritten(source: &str) -> String {
        let ast = AstModule::parse("t", source.to_string(), &Dialect::Standard)
            .unwrap_or_else(|e| panic!("{e}"));
        rewrite(&ast, source)
            .unwrap_or_else(|e| panic!("{e:?}"))
            .map(|(text, _)| text)
            .unwrap_or_else(|| source.to_string())
    }

    #[test]
    fn rewrites_method_calls_and_augmented_additions() {
        assert_eq!(rewritten("x = s.join(xs)\n"), "x = _rtgsim_join(s, xs)\n");
        assert_eq!(
            rewritten("x = \"{}\".format()\n"),
            "x = _rtgsim_format(\"{}\")\n"
        );
        assert_eq!(
            rewritten("x = a.join(b).replace(c, d)\n"),
            "x = _rtgsim_replace(_rtgsim_join(a, b), c, d)\n"
        );
        assert_eq!(rewritten("t += f(1)\n"), "t += _rtgsim_addend(f(1))\n");
        assert_eq!(
            rewritten("t += a.join(b)\n"),
            "t += _rtgsim_addend(_rtgsim_join(a, b))\n"
        );
        assert_eq!(rewritten("xs.append(1)\n"), "xs.append(1)\n");
        assert_eq!(
            rewritten("t = (a, (b,))\n"),
            "t = (_rtgsim_tuple((a, (_rtgsim_tuple((b,))))))\n"
        );
        assert_eq!(
            rewritten("def f(d):\n    for k, v in d:\n        pass\n"),
            "def f(d):\n    for k, v in d:\n        pass\n"
        );
    }

    #[test]
    fn maps_places_back() {
        let source = "x = s.join(xs) + y\n";
        let ast = AstModule::parse("t", source.to_string(), &Dialect::Standard)
            .unwrap_or_else(|e| panic!("{e}"));
        let (text, edits) = rewrite(&ast, source).ok().flatten().unwrap_or_default();
        let y = text.find("+ y").unwrap_or_default() + 2;
        assert_eq!(
            edits.original_offset(y),
            source.find("y\n").unwrap_or_default()
        );
        let xs = text.find("xs").unwrap_or_default();
        assert_eq!(
            edits.original_offset(xs),
            source.find("xs").unwrap_or_default()
        );
        // Inside the inserted guard name: the receiver's place.
        assert_eq!(edits.original_offset(6), 4);
    }
}
