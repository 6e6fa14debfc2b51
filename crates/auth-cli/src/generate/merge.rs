//! Merging the auth tables into a diesel schema file (`print_schema`'s `src/schema.rs`): the
//! user's own `table!` blocks, `joinable!` lines and other items stay as they are; the auth
//! tables' blocks are replaced or added; the `joinable!` lines and the tables allowed in one
//! query are the union of both.

/// A top-level item of a schema file.
enum Item {
    /// A `table!` block: its SQL name, Rust name and text.
    Table(String, String, String),
    /// A `joinable!` line.
    Join(String),
    /// An `allow_tables_to_appear_in_same_query!` call: its table names.
    Allow(Vec<String>),
    /// Anything else, verbatim.
    Other(String),
}

fn depth(line: &str, open: char, close: char) -> i32 {
    line.chars()
        .map(|c| {
            if c == open {
                1
            } else if c == close {
                -1
            } else {
                0
            }
        })
        .sum()
}

/// The SQL and Rust names of a `table!` block: the SQL name is its `#[sql_name = "…"]` before
/// the table line, else its Rust name.
fn table_name(block: &str) -> (String, String) {
    let mut sql_name = None;
    for line in block.lines().skip(1) {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("#[sql_name = \"") {
            sql_name = rest.split('"').next().map(str::to_string);
        } else if !t.starts_with("#[") && !t.starts_with("//") && !t.is_empty() {
            let ident = t
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .next()
                .unwrap_or("");
            let ident = ident
                .rsplit('.')
                .next()
                .unwrap_or(ident)
                .trim_start_matches("r#");
            return (
                sql_name.unwrap_or_else(|| ident.to_string()),
                ident.to_string(),
            );
        }
    }
    (sql_name.unwrap_or_default(), String::new())
}

fn parse(text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        let is = |m: &str| t.starts_with(&format!("diesel::{m}")) || t.starts_with(m);
        if is("table!") {
            let mut block = format!("{line}\n");
            let mut d = depth(line, '{', '}');
            while d > 0 || !block.contains('{') {
                let Some(next) = lines.next() else { break };
                d += depth(next, '{', '}');
                block.push_str(next);
                block.push('\n');
            }
            let (sql, rust) = table_name(&block);
            items.push(Item::Table(sql, rust, block));
        } else if is("joinable!") {
            items.push(Item::Join(line.trim().to_string()));
        } else if is("allow_tables_to_appear_in_same_query!") {
            let mut call = line.to_string();
            let mut d = depth(line, '(', ')');
            while d > 0 {
                let Some(next) = lines.next() else { break };
                d += depth(next, '(', ')');
                call.push(' ');
                call.push_str(next.trim());
            }
            let inner = call
                .split_once('(')
                .map_or("", |(_, r)| r)
                .rsplit_once(')')
                .map_or("", |(l, _)| l);
            items.push(Item::Allow(
                inner
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect(),
            ));
        } else {
            items.push(Item::Other(line.to_string()));
        }
    }
    items
}

/// The SQL names of the `table!` blocks in `text`.
pub fn tables(text: &str) -> Vec<String> {
    parse(text)
        .into_iter()
        .filter_map(|i| {
            if let Item::Table(n, _, _) = i {
                Some(n)
            } else {
                None
            }
        })
        .collect()
}

/// `existing` with `blocks` ((SQL name, Rust name, block) of the auth tables) put in place,
/// `joins` added, and every table of the file allowed in one query with every other.
pub fn merge(existing: &str, blocks: &[(String, String, String)], joins: &[String]) -> String {
    let items = parse(existing);
    let mut out: Vec<String> = Vec::new();
    let mut placed = vec![false; blocks.len()];
    let mut allowed: Vec<String> = Vec::new();
    let mut all_joins: Vec<String> = Vec::new();
    let last_table = items.iter().rposition(|i| matches!(i, Item::Table(..)));
    let (mut joins_at, mut allow_at) = (None, None);
    for (n, item) in items.into_iter().enumerate() {
        match item {
            Item::Table(name, rust, block) => {
                allowed.push(rust);
                let ours = blocks
                    .iter()
                    .position(|(t, _, _)| t.eq_ignore_ascii_case(&name));
                match ours {
                    Some(i) => {
                        out.push(blocks[i].2.trim_end().to_string());
                        placed[i] = true;
                    }
                    None => out.push(block.trim_end().to_string()),
                }
                if Some(n) == last_table {
                    for (i, (_, _, b)) in blocks.iter().enumerate() {
                        if !placed[i] {
                            out.push(String::new());
                            out.push(b.trim_end().to_string());
                            placed[i] = true;
                        }
                    }
                }
            }
            Item::Join(j) => {
                joins_at.get_or_insert(out.len());
                all_joins.push(j);
            }
            Item::Allow(names) => {
                allow_at.get_or_insert(out.len());
                allowed.extend(names);
            }
            Item::Other(line) => out.push(line),
        }
    }
    for (i, (_, _, b)) in blocks.iter().enumerate() {
        if !placed[i] {
            if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
            out.push(b.trim_end().to_string());
        }
    }
    for j in joins {
        if !all_joins.contains(j) {
            all_joins.push(j.clone());
        }
    }
    allowed.extend(blocks.iter().map(|(_, r, _)| r.clone()));
    allowed.sort();
    allowed.dedup();
    let mut allow = String::from("diesel::allow_tables_to_appear_in_same_query!(\n");
    for a in &allowed {
        allow.push_str(&format!("    {a},\n"));
    }
    allow.push_str(");");
    // Joins and the allow list go where they were, else at the end.
    let tail = out.len();
    let joins_at = joins_at.unwrap_or(tail);
    let allow_at = allow_at.unwrap_or(tail);
    let mut text: Vec<String> = Vec::new();
    for (i, line) in out.iter().enumerate() {
        if i == joins_at {
            text.extend(all_joins.iter().cloned());
        }
        if i == allow_at {
            text.push(allow.clone());
        }
        text.push(line.clone());
    }
    if joins_at == tail && !all_joins.is_empty() {
        if text.last().is_some_and(|l| !l.is_empty()) {
            text.push(String::new());
        }
        text.extend(all_joins.iter().cloned());
    }
    if allow_at == tail {
        if text.last().is_some_and(|l| !l.is_empty()) {
            text.push(String::new());
        }
        text.push(allow);
    }
    let mut s = text.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS_OWN: &str = "// @generated automatically by Diesel CLI.\n\ndiesel::table! {\n    posts (id) {\n        id -> Int4,\n        author -> Text,\n    }\n}\n\ndiesel::table! {\n    tags (id) {\n        id -> Int4,\n    }\n}\n\ndiesel::allow_tables_to_appear_in_same_query!(\n    posts,\n    tags,\n);\n";

    #[test]
    fn auth_tables_join_the_users_own() {
        let blocks = vec![
            ("user".to_string(), "user".to_string(), "diesel::table! {\n    user (id) {\n        id -> Text,\n    }\n}\n".to_string()),
            (
                "twoFactor".to_string(),
                "two_factor".to_string(),
                "diesel::table! {\n    #[sql_name = \"twoFactor\"]\n    two_factor (id) {\n        id -> Text,\n        user_id -> Text,\n    }\n}\n".to_string(),
            ),
        ];
        let joins = vec!["diesel::joinable!(two_factor -> user (user_id));".to_string()];
        let merged = merge(USERS_OWN, &blocks, &joins);
        assert!(
            merged.starts_with(
                "// @generated automatically by Diesel CLI.\n\ndiesel::table! {\n    posts (id) {"
            ),
            "{merged}"
        );
        assert!(
            merged.contains("        author -> Text,"),
            "the user's table is kept: {merged}"
        );
        assert_eq!(tables(&merged), ["posts", "tags", "user", "twoFactor"]);
        assert!(
            merged.contains("diesel::joinable!(two_factor -> user (user_id));"),
            "{merged}"
        );
        assert!(
            merged.contains("(\n    posts,\n    tags,\n    two_factor,\n    user,\n);"),
            "{merged}"
        );
        assert_eq!(
            merge(&merged, &blocks, &joins),
            merged,
            "merging again changes nothing"
        );
        let newer = vec![(
            "user".to_string(),
            "user".to_string(),
            "diesel::table! {\n    user (id) {\n        id -> Text,\n        nick -> Nullable<Text>,\n    }\n}\n".to_string(),
        ), blocks[1].clone()];
        let updated = merge(&merged, &newer, &joins);
        assert!(
            updated.contains("nick -> Nullable<Text>") && updated.contains("author -> Text"),
            "{updated}"
        );
        assert_eq!(tables(&updated), ["posts", "tags", "user", "twoFactor"]);
    }
}
