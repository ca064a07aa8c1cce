//! The call finder's second pass: the SDK client method calls of each file.
//!
//! # What counts as a client (the heuristic)
//!
//! A value's kind is tracked through:
//! - types: `aws_sdk_x::Client` (also via `use aws_sdk_x::Client`,
//!   `use aws_sdk_x::Client as C`, `use aws_sdk_x as x` ... `x::Client`,
//!   `type Db = aws_sdk_x::Client`), through `&`, `Arc`, `Rc`, `Box`,
//!   `Option`, `State` and other one-parameter wrappers;
//! - function parameters and `let` bindings (annotated, or initialised from
//!   `aws_sdk_x::Client::new(..)`/`from_conf(..)`, another client value,
//!   `.clone()`, or a function returning a client), and one-field patterns
//!   such as `State(db): State<Db>`;
//! - struct fields (named or tuple) of the app's structs, through `self`,
//!   typed variables, and, when the base is unknown, any struct field of that
//!   name whose type is a client.
//!
//! Calls through traits, generics, macros or collections of clients are not
//! seen: give those permissions with `iam_policy_file`.

use super::declarations::{client_service, expand, Declarations, Kind};
use super::scan::{is_test_only, item_attrs};
use super::SdkCall;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// Second pass: the calls of one file.
struct CallFinder<'a> {
    declarations: &'a Declarations,
    file: usize,
    path: PathBuf,
    /// Variable scopes, innermost last (a heuristic: blocks push, fns reset).
    scopes: Vec<HashMap<String, Kind>>,
    /// The type of `Self` in the current impl.
    self_type: Option<syn::Type>,
    calls: Vec<SdkCall>,
}

/// Methods that are not operations: the client's own, and those of the
/// wrappers (`Option`, `Arc`, ...) the heuristic sees through.
const NOT_OPERATIONS: &[&str] = &[
    "config",
    "clone",
    "to_owned",
    "as_ref",
    "as_deref",
    "as_mut",
    "borrow",
    "deref",
    "fmt",
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_or_default",
    "is_some",
    "is_none",
    "ok_or",
    "ok_or_else",
    "map",
    "take",
    "iter",
    "lock",
    "read",
    "write",
    "get",
    "get_or_init",
];

impl CallFinder<'_> {
    fn lookup(&self, name: &str) -> Option<Kind> {
        self.scopes
            .iter()
            .rev()
            .find_map(|scope| scope.get(name).cloned())
    }

    fn bind(&mut self, name: String, kind: Option<Kind>) {
        if let Some(scope) = self.scopes.last_mut() {
            match kind {
                Some(kind) => {
                    scope.insert(name, kind);
                }
                // Shadowing by something else hides the outer binding.
                None => {
                    scope.remove(&name);
                    if self
                        .scopes
                        .iter()
                        .rev()
                        .skip(1)
                        .any(|s| s.contains_key(&name))
                    {
                        if let Some(scope) = self.scopes.last_mut() {
                            scope.insert(name, Kind::Named(String::new()));
                        }
                    }
                }
            }
        }
    }

    /// `root.op(..)...send()` where no receiver in the chain is a known
    /// client: listed as an unidentified call (never granted).
    fn check_unresolved_request(&mut self, send: &syn::ExprMethodCall) {
        let mut methods = vec!["send()".to_owned()];
        let mut receiver = &*send.receiver;
        while let syn::Expr::MethodCall(inner) = receiver {
            if matches!(
                self.expr_kind(&inner.receiver),
                Some(Kind::Client(_) | Kind::Builder)
            ) {
                return;
            }
            methods.push(format!("{}(..)", inner.method));
            receiver = &inner.receiver;
        }
        if methods.len() < 2 || self.expr_kind(receiver) == Some(Kind::Builder) {
            return; // `tx.send(x)`: a channel; `request.send()`: a known builder.
        }
        let root = match receiver {
            syn::Expr::Path(_) | syn::Expr::Field(_) | syn::Expr::Index(_) => {
                quote::ToTokens::to_token_stream(receiver)
                    .to_string()
                    .replace(' ', "")
            }
            _ => "<expression>".to_owned(),
        };
        methods.reverse();
        self.calls.push(SdkCall {
            service_crate: String::new(),
            method: format!("{root}.{}", methods.join(".")),
            file: self.path.clone(),
            line: send.method.span().start().line,
        });
    }

    fn type_kind(&self, ty: &syn::Type) -> Option<Kind> {
        if let syn::Type::Path(path) = ty {
            if path.path.is_ident("Self") {
                let self_type = self.self_type.as_ref()?;
                return self.declarations.kind_of_type(self_type, self.file, 0);
            }
        }
        self.declarations.kind_of_type(ty, self.file, 0)
    }

    /// Binds the names of a pattern whose value has type `ty` (when given)
    /// or kind `kind`.
    fn bind_pattern(&mut self, pat: &syn::Pat, kind: Option<Kind>) {
        match pat {
            syn::Pat::Ident(ident) => self.bind(ident.ident.to_string(), kind),
            syn::Pat::Type(typed) => {
                let kind = self.type_kind(&typed.ty).or(kind);
                self.bind_pattern(&typed.pat, kind);
            }
            syn::Pat::Reference(r) => self.bind_pattern(&r.pat, kind),
            // `State(db)`, `Some(client)`, `Arc(x)`: one field carries the value.
            syn::Pat::TupleStruct(tuple) if tuple.elems.len() == 1 => {
                if let Some(inner) = tuple.elems.first() {
                    self.bind_pattern(inner, kind);
                }
            }
            other => {
                // Other patterns: bind nothing, but hide shadowed names.
                let mut names = Vec::new();
                pattern_names(other, &mut names);
                for name in names {
                    self.bind(name, None);
                }
            }
        }
    }

    /// The kind of an expression's value.
    fn expr_kind(&self, expr: &syn::Expr) -> Option<Kind> {
        match expr {
            syn::Expr::Path(path) if path.qself.is_none() => {
                let ident = path.path.get_ident()?.to_string();
                self.lookup(&ident).or_else(|| {
                    let (ty, file) = self.declarations.statics.get(&ident)?;
                    self.declarations.kind_of_type(ty, *file, 0)
                })
            }
            syn::Expr::Field(field) => {
                let member = match &field.member {
                    syn::Member::Named(ident) => ident.to_string(),
                    syn::Member::Unnamed(index) => index.index.to_string(),
                };
                match self.expr_kind(&field.base) {
                    Some(Kind::Named(name)) => self.declarations.field_kind(&name, &member),
                    Some(Kind::Client(_) | Kind::Builder) => None,
                    None => self.declarations.any_client_field(&member),
                }
            }
            syn::Expr::MethodCall(call) => {
                let method = call.method.to_string();
                if matches!(
                    method.as_str(),
                    "clone"
                        | "to_owned"
                        | "as_ref"
                        | "as_mut"
                        | "as_deref"
                        | "borrow"
                        | "deref"
                        | "unwrap"
                        | "expect"
                        | "unwrap_or_else"
                        | "lock"
                        | "read"
                        | "write"
                        | "get"
                        | "get_or_init"
                ) {
                    return self.expr_kind(&call.receiver);
                }
                // An operation or a builder's setter: a builder; `send` ends it.
                if let Some(Kind::Client(_) | Kind::Builder) = self.expr_kind(&call.receiver) {
                    return (method != "send").then_some(Kind::Builder);
                }
                self.declarations.returned(&method)
            }
            syn::Expr::Call(call) => {
                let syn::Expr::Path(func) = &*call.func else {
                    return None;
                };
                let segments: Vec<String> = func
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let full = expand(&segments, &self.declarations.uses[self.file]);
                if let Some((constructor, ty)) = full.split_last() {
                    if matches!(constructor.as_str(), "new" | "from_conf") {
                        if let Some(service) = client_service(ty) {
                            return Some(Kind::Client(service));
                        }
                        if ty.len() == 1 && self.declarations.fields.contains_key(&ty[0]) {
                            return Some(Kind::Named(ty[0].clone()));
                        }
                    }
                }
                let last = segments.last()?;
                if last == "Some" || last == "Arc" || last == "Box" || last == "Rc" {
                    return call.args.first().and_then(|arg| self.expr_kind(arg));
                }
                self.declarations.returned(last)
            }
            syn::Expr::Struct(literal) => {
                let name = literal.path.segments.last()?.ident.to_string();
                self.declarations
                    .fields
                    .contains_key(&name)
                    .then_some(Kind::Named(name))
            }
            syn::Expr::Reference(r) => self.expr_kind(&r.expr),
            syn::Expr::Paren(p) => self.expr_kind(&p.expr),
            syn::Expr::Group(g) => self.expr_kind(&g.expr),
            syn::Expr::Try(t) => self.expr_kind(&t.expr),
            syn::Expr::Await(a) => self.expr_kind(&a.base),
            syn::Expr::Cast(c) => self.type_kind(&c.ty),
            _ => None,
        }
    }
}

fn pattern_names(pat: &syn::Pat, out: &mut Vec<String>) {
    struct Names<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Names<'_> {
        fn visit_pat_ident(&mut self, ident: &'ast syn::PatIdent) {
            self.0.push(ident.ident.to_string());
            syn::visit::visit_pat_ident(self, ident);
        }
    }
    Names(out).visit_pat(pat);
}

impl<'ast> Visit<'ast> for CallFinder<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if let Some(attrs) = item_attrs(item) {
            if is_test_only(attrs) {
                return;
            }
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let outer = self.self_type.replace((*item.self_ty).clone());
        syn::visit::visit_item_impl(self, item);
        self.self_type = outer;
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        let outer = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        let outer_self = self.self_type.take();
        syn::visit::visit_item_fn(self, item);
        self.scopes = outer;
        self.self_type = outer_self;
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if is_test_only(&item.attrs) {
            return;
        }
        let outer = std::mem::replace(&mut self.scopes, vec![HashMap::new()]);
        syn::visit::visit_impl_item_fn(self, item);
        self.scopes = outer;
    }

    fn visit_fn_arg(&mut self, arg: &'ast syn::FnArg) {
        match arg {
            syn::FnArg::Receiver(_) => {
                let kind = self
                    .self_type
                    .as_ref()
                    .and_then(|ty| self.declarations.kind_of_type(ty, self.file, 0));
                self.bind("self".to_owned(), kind);
            }
            syn::FnArg::Typed(typed) => {
                let kind = self.type_kind(&typed.ty);
                self.bind_pattern(&typed.pat, kind);
            }
        }
        syn::visit::visit_fn_arg(self, arg);
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.scopes.push(HashMap::new());
        syn::visit::visit_block(self, block);
        self.scopes.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        // The initialiser is evaluated before the new names exist.
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let kind = local
            .init
            .as_ref()
            .and_then(|init| self.expr_kind(&init.expr));
        self.bind_pattern(&local.pat, kind);
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.scopes.push(HashMap::new());
        for input in &closure.inputs {
            self.bind_pattern(input, None);
        }
        self.visit_expr(&closure.body);
        self.scopes.pop();
    }

    /// Macro bodies are tokens to syn: those that parse as comma-separated
    /// expressions (`tokio::join!`, `try_join!`, `vec!`, `format!`, ...) are
    /// searched like code; others (`select!`) are not.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        use syn::parse::Parser;
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(exprs) = parser.parse2(mac.tokens.clone()) {
            for expr in &exprs {
                self.visit_expr(expr);
            }
        }
    }

    fn visit_expr_let(&mut self, expr: &'ast syn::ExprLet) {
        // `if let Some(client) = &self.client`: the binding is visible in the
        // rest of the enclosing block too (a harmless over-approximation).
        self.visit_expr(&expr.expr);
        let kind = self.expr_kind(&expr.expr);
        self.bind_pattern(&expr.pat, kind);
    }

    fn visit_expr_match(&mut self, expr: &'ast syn::ExprMatch) {
        self.visit_expr(&expr.expr);
        let kind = self.expr_kind(&expr.expr);
        for arm in &expr.arms {
            self.scopes.push(HashMap::new());
            self.bind_pattern(&arm.pat, kind.clone());
            if let Some((_, guard)) = &arm.guard {
                self.visit_expr(guard);
            }
            self.visit_expr(&arm.body);
            self.scopes.pop();
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == "send" && self.declarations.mentions_sdk[self.file] {
            self.check_unresolved_request(call);
        }
        if let Some(Kind::Client(service)) = self.expr_kind(&call.receiver) {
            let method = call.method.to_string();
            if !NOT_OPERATIONS.contains(&method.as_str()) {
                self.calls.push(SdkCall {
                    service_crate: service,
                    method,
                    file: self.path.clone(),
                    line: call.method.span().start().line,
                });
            }
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

/// The calls in already parsed files; paths are shown relative to `base`.
pub(super) fn find_calls_in(files: &[(&Path, &syn::File)], base: &Path) -> Vec<SdkCall> {
    let declarations = Declarations::collect(files);
    let mut calls = Vec::new();
    for (index, (path, file)) in files.iter().enumerate() {
        let shown = path.strip_prefix(base).unwrap_or(path).to_path_buf();
        let mut finder = CallFinder {
            declarations: &declarations,
            file: index,
            path: shown,
            scopes: vec![HashMap::new()],
            self_type: None,
            calls: Vec::new(),
        };
        finder.visit_file(file);
        calls.extend(finder.calls);
    }
    calls.sort();
    calls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{find_calls, generate};
    use serde_json::json;

    fn calls(source: &str) -> Vec<String> {
        find_calls(Path::new("src/main.rs"), source)
            .expect("parses")
            .into_iter()
            .map(|call| format!("{}::{}", call.service_crate, call.method))
            .collect()
    }

    #[test]
    fn constructor_and_let_bindings() {
        let source = r#"
            async fn f(config: &aws_config::SdkConfig) {
                let client = aws_sdk_dynamodb::Client::new(config);
                client.put_item().send().await;
                let copy = client.clone();
                copy.get_item().send().await;
                let other = String::new();
                other.len();
            }
        "#;
        assert_eq!(
            calls(source),
            ["aws_sdk_dynamodb::get_item", "aws_sdk_dynamodb::put_item"]
        );
    }

    #[test]
    fn use_aliases_and_renames() {
        let source = r#"
            use aws_sdk_s3::Client as S3;
            use aws_sdk_sqs as sqs;
            use aws_sdk_dynamodb::{self, types::AttributeValue};
            fn f(s3: &S3, queue: sqs::Client, db: &not_an_sdk::Client) {
                s3.get_object();
                queue.send_message();
                db.scan();
                let d = aws_sdk_dynamodb::Client::from_conf(conf);
                d.query();
            }
        "#;
        assert_eq!(
            calls(source),
            [
                "aws_sdk_dynamodb::query",
                "aws_sdk_s3::get_object",
                "aws_sdk_sqs::send_message"
            ]
        );
    }

    #[test]
    fn struct_fields_state_and_self() {
        let source = r#"
            use aws_sdk_dynamodb::Client;
            use std::sync::Arc;
            #[derive(Clone)]
            struct Todos { client: Client, table: String }
            #[derive(Clone)]
            struct Db(Arc<aws_sdk_sns::Client>);
            impl Todos {
                async fn save(&self) { self.client.put_item().send().await; }
            }
            #[route("/x", methods = [GET])]
            async fn handler(State(todos): State<Todos>, State(db): State<Db>) {
                todos.client.delete_item();
                db.0.publish();
                todos.table.len();
            }
        "#;
        assert_eq!(
            calls(source),
            [
                "aws_sdk_dynamodb::delete_item",
                "aws_sdk_dynamodb::put_item",
                "aws_sdk_sns::publish"
            ]
        );
    }

    #[test]
    fn functions_returning_clients_and_type_aliases() {
        let source = r#"
            type Queue = aws_sdk_sqs::Client;
            fn queue() -> Queue { todo!() }
            struct App { inner: Option<Queue> }
            impl App { fn logs(&self) -> &aws_sdk_cloudwatchlogs::Client { todo!() } }
            static SNS: std::sync::OnceLock<aws_sdk_sns::Client> = std::sync::OnceLock::new();
            async fn f(app: App) {
                SNS.get().unwrap().publish();
                queue().receive_message();
                app.logs().put_log_events();
                app.inner.unwrap().delete_message();
            }
        "#;
        assert_eq!(
            calls(source),
            [
                "aws_sdk_cloudwatchlogs::put_log_events",
                "aws_sdk_sns::publish",
                "aws_sdk_sqs::delete_message",
                "aws_sdk_sqs::receive_message"
            ]
        );
    }

    #[test]
    fn test_code_and_shadowing_are_ignored() {
        let source = r#"
            fn f(client: aws_sdk_dynamodb::Client) {
                client.get_item();
                {
                    let client = vec![1];
                    client.push(2);
                }
                let client = 5;
                client.pow(2);
            }
            #[cfg(test)]
            mod tests {
                fn setup(client: aws_sdk_dynamodb::Client) { client.create_table(); }
            }
            #[tokio::test]
            async fn t(client: aws_sdk_dynamodb::Client) { client.delete_table(); }
        "#;
        assert_eq!(calls(source), ["aws_sdk_dynamodb::get_item"]);
    }

    #[test]
    fn if_let_and_match_bindings() {
        let source = r#"
            struct S { client: Option<aws_sdk_sqs::Client> }
            fn f(s: &S) {
                if let Some(client) = &s.client { client.send_message(); }
                match s.client.clone() { Some(c) => { c.delete_message(); } None => {} }
            }
        "#;
        assert_eq!(
            calls(source),
            ["aws_sdk_sqs::delete_message", "aws_sdk_sqs::send_message"]
        );
    }

    #[test]
    fn unidentified_sdk_looking_calls_are_listed_not_granted() {
        let source = r#"
            use aws_sdk_dynamodb::types::AttributeValue;
            async fn f(clients: Vec<Box<dyn std::any::Any>>, tx: std::sync::mpsc::Sender<u8>, known: aws_sdk_dynamodb::Client) {
                clients[0].put_item().table_name("t").send().await;
                tx.send(1);
                known.get_item().send().await;
                let mut request = known.update_item().key("id", v);
                request = request.table_name("t");
                request.update_expression("SET a = :a").send().await;
            }
        "#;
        let found = find_calls(Path::new("src/main.rs"), source).expect("parses");
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 3, "{shown:?}");
        assert_eq!(found[0].service_crate, "");
        assert_eq!(
            found[0].method,
            "clients[0].put_item(..).table_name(..).send()"
        );
        assert_eq!(found[1].method, "get_item");
        assert_eq!(found[2].method, "update_item");
        let (document, unmapped) = generate(&found);
        assert_eq!(
            document.expect("document")["Statement"][0]["Action"],
            json!(["dynamodb:GetItem", "dynamodb:UpdateItem"])
        );
        assert_eq!(unmapped.len(), 1);
        assert!(
            unmapped[0].to_string().contains("cannot identify"),
            "{}",
            unmapped[0]
        );
        // Without any SDK crate in the file, `.send()` chains are someone else's.
        assert!(calls("fn g(c: reqwest::Client) { c.get(u).send(); }").is_empty());
    }

    #[test]
    fn calls_inside_macros() {
        let source = r#"
            async fn f(db: aws_sdk_dynamodb::Client, q: aws_sdk_sqs::Client) {
                let (a, b) = tokio::try_join!(db.get_item().send(), q.send_message().send()).unwrap();
                println!("{:?}", db.scan().send().await);
            }
        "#;
        assert_eq!(
            calls(source),
            [
                "aws_sdk_dynamodb::get_item",
                "aws_sdk_dynamodb::scan",
                "aws_sdk_sqs::send_message"
            ]
        );
    }

    #[test]
    fn configuration_methods_are_not_operations() {
        let source = r#"
            fn f(client: aws_sdk_dynamodb::Client) { let _ = client.config(); let c = client.clone(); }
        "#;
        assert!(calls(source).is_empty());
    }

    #[test]
    fn lines_are_reported() {
        let source = "fn f(c: aws_sdk_sns::Client) {\n    c\n        .publish();\n}\n";
        let found = find_calls(Path::new("src/main.rs"), source).expect("parses");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 3);
    }
}
