//! `--benchmark_filter`: the regex subset the scripts use, matched as Google Benchmark
//! does (POSIX extended syntax, searched anywhere in the cell's full name; "" and "all"
//! select everything; a leading '-' negates the filter).
//!
//! Supported: literal characters, `\` before any punctuation (a literal: what Python's
//! `re.escape` writes), `.`, `^`, `$`, `|`, groups `( )` (and `(?: )`), the quantifiers
//! `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`, bracket expressions `[...]` with ranges, a
//! leading `^` for negation and the classes `[:alpha:]`, `[:digit:]`, `[:alnum:]`,
//! `[:space:]`, `[:upper:]`, `[:lower:]`, `[:punct:]`, and the shorthands `\d \w \s \D \W
//! \S`. Anything else (back-references, lookaround, lazy quantifiers, `\b`) is refused
//! with an error naming it, never silently misread.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub pattern: String,
    pub message: String,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unsupported --benchmark_filter '{}': {}",
            self.pattern, self.message
        )
    }
}

impl std::error::Error for FilterError {}

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Class {
        items: Vec<ClassItem>,
        negated: bool,
    },
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

#[derive(Debug, Clone, Copy)]
enum ClassItem {
    Range(char, char),
    Named(fn(char) -> bool),
}

impl ClassItem {
    fn matches(self, c: char) -> bool {
        match self {
            ClassItem::Range(lo, hi) => lo <= c && c <= hi,
            ClassItem::Named(f) => f(c),
        }
    }
}

/// A compiled `--benchmark_filter`.
#[derive(Debug, Clone)]
pub struct Filter {
    root: Node,
    negative: bool,
}

impl Filter {
    pub fn new(spec: &str) -> Result<Filter, FilterError> {
        let (negative, pattern) = match spec.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, spec),
        };
        let pattern = if pattern.is_empty() || pattern == "all" {
            "."
        } else {
            pattern
        };
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
            pattern: spec,
        };
        let root = parser.alternation()?;
        if parser.pos != parser.chars.len() {
            return Err(parser.error("unbalanced ')'"));
        }
        Ok(Filter { root, negative })
    }

    /// Whether the cell's full name is selected.
    pub fn matches(&self, name: &str) -> bool {
        let text: Vec<char> = name.chars().collect();
        let found =
            (0..=text.len()).any(|start| matches_at(&self.root, &text, start, &mut |_| true));
        found != self.negative
    }
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    pattern: &'a str,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> FilterError {
        FilterError {
            pattern: self.pattern.to_string(),
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn alternation(&mut self) -> Result<Node, FilterError> {
        let mut branches = vec![self.concatenation()?];
        while self.peek() == Some('|') {
            self.pos += 1;
            branches.push(self.concatenation()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap()
        } else {
            Node::Alt(branches)
        })
    }

    fn concatenation(&mut self) -> Result<Node, FilterError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Ok(Node::Concat(items))
    }

    fn quantified(&mut self, mut node: Node) -> Result<Node, FilterError> {
        loop {
            let (min, max) = match self.peek() {
                Some('*') => (0, None),
                Some('+') => (1, None),
                Some('?') => (0, Some(1)),
                Some('{') => {
                    self.pos += 1;
                    let (min, max) = self.braces()?;
                    node = Node::Repeat {
                        node: Box::new(node),
                        min,
                        max,
                    };
                    continue;
                }
                _ => return Ok(node),
            };
            self.pos += 1;
            if matches!(node, Node::Start | Node::End) {
                return Err(self.error("a quantifier after an anchor"));
            }
            node = Node::Repeat {
                node: Box::new(node),
                min,
                max,
            };
            if self.peek() == Some('?') && max != Some(1) {
                return Err(self.error("lazy quantifiers are not POSIX"));
            }
        }
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn braces(&mut self) -> Result<(u32, Option<u32>), FilterError> {
        let min = self
            .number()
            .ok_or_else(|| self.error("'{' without a count"))?;
        let max = if self.peek() == Some(',') {
            self.pos += 1;
            if self.peek() == Some('}') {
                None
            } else {
                Some(self.number().ok_or_else(|| self.error("bad {m,n}"))?)
            }
        } else {
            Some(min)
        };
        if self.peek() != Some('}') {
            return Err(self.error("unterminated '{'"));
        }
        self.pos += 1;
        if max.is_some_and(|m| m < min) {
            return Err(self.error("{m,n} with n < m"));
        }
        Ok((min, max))
    }

    fn atom(&mut self) -> Result<Node, FilterError> {
        let c = self.peek().expect("atom at end");
        self.pos += 1;
        match c {
            '.' => Ok(Node::Any),
            '^' => Ok(Node::Start),
            '$' => Ok(Node::End),
            '(' => {
                if self.peek() == Some('?') {
                    if self.chars.get(self.pos + 1) == Some(&':') {
                        self.pos += 2;
                    } else {
                        return Err(self.error("lookaround and other (?...) groups"));
                    }
                }
                let inner = self.alternation()?;
                if self.peek() != Some(')') {
                    return Err(self.error("unbalanced '('"));
                }
                self.pos += 1;
                Ok(inner)
            }
            '[' => self.bracket(),
            '\\' => self.escape(),
            '*' | '+' | '?' | '{' => Err(self.error("a quantifier with nothing before it")),
            c => Ok(Node::Char(c)),
        }
    }

    fn escape(&mut self) -> Result<Node, FilterError> {
        let c = self
            .peek()
            .ok_or_else(|| self.error("a trailing backslash"))?;
        self.pos += 1;
        let class = |f: fn(char) -> bool, negated| {
            Ok(Node::Class {
                items: vec![ClassItem::Named(f)],
                negated,
            })
        };
        match c {
            'd' => class(|c| c.is_ascii_digit(), false),
            'D' => class(|c| c.is_ascii_digit(), true),
            'w' => class(is_word, false),
            'W' => class(is_word, true),
            's' => class(|c| c.is_ascii_whitespace(), false),
            'S' => class(|c| c.is_ascii_whitespace(), true),
            'n' => Ok(Node::Char('\n')),
            't' => Ok(Node::Char('\t')),
            c if c.is_ascii_alphanumeric() => Err(self.error(&format!("the escape \\{c}"))),
            c => Ok(Node::Char(c)),
        }
    }

    fn bracket(&mut self) -> Result<Node, FilterError> {
        let negated = self.peek() == Some('^');
        if negated {
            self.pos += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or_else(|| self.error("unterminated '['"))?;
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            if c == '[' && self.peek() == Some(':') {
                let rest: String = self.chars[self.pos..].iter().collect();
                let end = rest
                    .find(":]")
                    .ok_or_else(|| self.error("unterminated [: :]"))?;
                let name = &rest[1..end];
                let f: fn(char) -> bool = match name {
                    "alpha" => |c| c.is_ascii_alphabetic(),
                    "digit" => |c| c.is_ascii_digit(),
                    "alnum" => |c| c.is_ascii_alphanumeric(),
                    "space" => |c| c.is_ascii_whitespace(),
                    "upper" => |c| c.is_ascii_uppercase(),
                    "lower" => |c| c.is_ascii_lowercase(),
                    "punct" => |c| c.is_ascii_punctuation(),
                    _ => return Err(self.error(&format!("the class [:{name}:]"))),
                };
                self.pos += end + 2;
                items.push(ClassItem::Named(f));
                continue;
            }
            let lo = if c == '\\' {
                // Not POSIX (a backslash is literal inside brackets there), but what
                // re.escape writes; treat "\x" as the literal x.
                let e = self.peek().ok_or_else(|| self.error("unterminated '['"))?;
                self.pos += 1;
                e
            } else {
                c
            };
            if self.peek() == Some('-') && self.chars.get(self.pos + 1).is_some_and(|&n| n != ']') {
                let hi = self.chars[self.pos + 1];
                self.pos += 2;
                if hi < lo {
                    return Err(self.error("a reversed range in [...]"));
                }
                items.push(ClassItem::Range(lo, hi));
            } else {
                items.push(ClassItem::Range(lo, lo));
            }
        }
        Ok(Node::Class { items, negated })
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Backtracking match of `node` at `pos`, calling `k` with every end position it can reach
/// until `k` accepts one.
fn matches_at(node: &Node, text: &[char], pos: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    match node {
        Node::Char(c) => text.get(pos) == Some(c) && k(pos + 1),
        Node::Any => pos < text.len() && k(pos + 1),
        Node::Class { items, negated } => {
            text.get(pos)
                .is_some_and(|&c| items.iter().any(|i| i.matches(c)) != *negated)
                && k(pos + 1)
        }
        Node::Start => pos == 0 && k(pos),
        Node::End => pos == text.len() && k(pos),
        Node::Concat(items) => matches_sequence(items, text, pos, k),
        Node::Alt(branches) => branches.iter().any(|b| matches_at(b, text, pos, k)),
        Node::Repeat { node, min, max } => matches_repeat(node, *min, *max, 0, text, pos, k),
    }
}

fn matches_sequence(
    items: &[Node],
    text: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    match items.split_first() {
        None => k(pos),
        Some((first, rest)) => matches_at(first, text, pos, &mut |p| {
            matches_sequence(rest, text, p, k)
        }),
    }
}

fn matches_repeat(
    node: &Node,
    min: u32,
    max: Option<u32>,
    count: u32,
    text: &[char],
    pos: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    // Greedy: one more repetition first (an empty one is never repeated, so this ends),
    // then stop here if enough were matched.
    let more = max.is_none_or(|m| count < m)
        && matches_at(node, text, pos, &mut |p| {
            (p != pos || count < min) && matches_repeat(node, min, max, count + 1, text, p, k)
        });
    more || (count >= min && k(pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        Filter::new(pattern).unwrap().matches(name)
    }

    #[test]
    fn what_the_scripts_write() {
        let cell = "async_iterator/box/items:1000/real_time";
        assert!(m("", cell));
        assert!(m("all", cell));
        assert!(m("box", cell));
        assert!(m("/box/", cell));
        assert!(!m("/box_mimalloc/", cell));
        assert!(m("^async_iterator/", cell));
        assert!(!m("^iterator/", cell));
        // measure.py: "^(" + "|".join(re.escape(n)) + ")(/iterations:[0-9]+)?(/real_time)?$"
        let measure = "^(async_iterator/box/items:1000|async_iterator/sync_dyn/items:1000)(/iterations:[0-9]+)?(/real_time)?$";
        assert!(m(measure, cell));
        assert!(m(
            measure,
            "async_iterator/box/items:1000/iterations:3/real_time"
        ));
        assert!(!m(measure, "async_iterator/box/items:1000/x"));
        assert!(!m(
            measure,
            "async_iterator_suspending/box/items:1000/every:16/real_time"
        ));
        // starved.py: "^(" + "|".join(re.escape(n)) + ")(/|$)" (re.escape escapes '-' and '.')
        assert!(m(
            r"^(async_iterator/stack\-future\.x)(/|$)",
            "async_iterator/stack-future.x/real_time"
        ));
        assert!(m("^async_iterator(_suspending)?/(box|inline_local)/", cell));
        assert!(m("stack_future_[0-9]+/", "w/stack_future_64/a"));
        assert!(m("stack_future_[[:digit:]]{2,3}/", "w/stack_future_128/a"));
        assert!(!m(
            "stack_future_[[:digit:]]{2,3}/",
            "w/stack_future_2048/a"
        ));
        assert!(m("a.*z", "a/b/z"));
        assert!(m("[^a-z]", "abc1"));
        assert!(!m("[^a-z]", "abc"));
        assert!(!m("-box", cell));
        assert!(m("-sync_dyn", cell));
        assert!(m("x?y+", "yy"));
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for bad in ["(", "a)", "\\b", "(?=a)", "a*?", "[a", "*a", "\\1"] {
            assert!(Filter::new(bad).is_err(), "{bad} should be refused");
        }
    }
}
