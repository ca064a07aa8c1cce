//! The call finder's first pass: what the app's files declare (struct
//! fields, type aliases, statics, functions' return types, `use` names).

use super::scan::{is_test_only, item_attrs};
use std::collections::HashMap;
use std::path::Path;
use syn::visit::Visit;

/// What a value is, as far as the heuristic can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// An SDK client of this crate (`aws_sdk_dynamodb`).
    Client(String),
    /// A value of one of the app's structs (or a type alias), by name.
    Named(String),
    /// A request builder made by a client (`client.put_item()...`).
    Builder,
}

/// What all files declare: structs' fields, type aliases, functions
/// returning clients. Names are unqualified (a heuristic across modules).
#[derive(Default)]
pub(super) struct Declarations {
    /// Struct name → field (name or index) → its type, with the file's aliases.
    pub(super) fields: HashMap<String, HashMap<String, (syn::Type, usize)>>,
    /// `type Name = ...;` → its type, with the file's aliases.
    pub(super) type_aliases: HashMap<String, (syn::Type, usize)>,
    /// `static`/`const` name → its type, with the file's aliases.
    pub(super) statics: HashMap<String, (syn::Type, usize)>,
    /// Function or method name → its return type, with the file's aliases.
    pub(super) returns: HashMap<String, (syn::Type, usize)>,
    /// Per file: local name → full path (`Client` → `aws_sdk_dynamodb::Client`).
    pub(super) uses: Vec<HashMap<String, Vec<String>>>,
    /// Per file: whether it names an `aws_sdk_*` crate anywhere.
    pub(super) mentions_sdk: Vec<bool>,
}

impl Declarations {
    /// The first pass over all `files` (a file's index in `files` is its
    /// number in `uses`, `mentions_sdk` and the type maps).
    pub(super) fn collect(files: &[(&Path, &syn::File)]) -> Self {
        let mut declarations = Declarations {
            uses: vec![HashMap::new(); files.len()],
            mentions_sdk: vec![false; files.len()],
            ..Declarations::default()
        };
        for (index, (_, file)) in files.iter().enumerate() {
            DeclarationCollector {
                declarations: &mut declarations,
                file: index,
            }
            .visit_file(file);
        }
        declarations
    }

    /// The kind of a type written in file `file`.
    pub(super) fn kind_of_type(&self, ty: &syn::Type, file: usize, depth: usize) -> Option<Kind> {
        if depth > 16 {
            return None;
        }
        match ty {
            syn::Type::Reference(r) => self.kind_of_type(&r.elem, file, depth + 1),
            syn::Type::Paren(p) => self.kind_of_type(&p.elem, file, depth + 1),
            syn::Type::Group(g) => self.kind_of_type(&g.elem, file, depth + 1),
            syn::Type::Path(path) if path.qself.is_none() => {
                let segments: Vec<String> = path
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let full = expand(&segments, &self.uses[file]);
                if let Some(service) = client_service(&full) {
                    return Some(Kind::Client(service));
                }
                let last = path.path.segments.last()?;
                // One-parameter wrappers: Arc<T>, Box<T>, Option<T>, State<T>, ...
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    let types: Vec<&syn::Type> = args
                        .args
                        .iter()
                        .filter_map(|arg| match arg {
                            syn::GenericArgument::Type(t) => Some(t),
                            _ => None,
                        })
                        .collect();
                    if let [inner] = types.as_slice() {
                        return self.kind_of_type(inner, file, depth + 1);
                    }
                    return None;
                }
                let name = last.ident.to_string();
                if let Some((aliased, alias_file)) = self.type_aliases.get(&name) {
                    return self.kind_of_type(aliased, *alias_file, depth + 1);
                }
                self.fields.contains_key(&name).then_some(Kind::Named(name))
            }
            _ => None,
        }
    }

    /// The kind of field `member` of struct `name`.
    pub(super) fn field_kind(&self, name: &str, member: &str) -> Option<Kind> {
        let (ty, file) = self.fields.get(name)?.get(member)?;
        self.kind_of_type(ty, *file, 0)
    }

    /// The client kind of a field named `member` in any struct, when every
    /// struct having such a client field agrees on the service.
    pub(super) fn any_client_field(&self, member: &str) -> Option<Kind> {
        let mut found: Option<Kind> = None;
        for fields in self.fields.values() {
            if let Some((ty, file)) = fields.get(member) {
                if let Some(kind @ Kind::Client(_)) = self.kind_of_type(ty, *file, 0) {
                    if found.as_ref().is_some_and(|f| *f != kind) {
                        return None;
                    }
                    found = Some(kind);
                }
            }
        }
        found
    }

    /// The kind returned by function or method `name`.
    pub(super) fn returned(&self, name: &str) -> Option<Kind> {
        let (ty, file) = self.returns.get(name)?;
        self.kind_of_type(ty, *file, 0)
    }
}

/// `[aws_sdk_x, Client]` or `[aws_sdk_x, client, Client]` → `aws_sdk_x`.
pub(super) fn client_service(path: &[String]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    if !first.starts_with("aws_sdk_") {
        return None;
    }
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    matches!(rest.as_slice(), ["Client"] | ["client", "Client"]).then(|| first.clone())
}

/// Replaces the first segment by what `use` made it stand for.
pub(super) fn expand(segments: &[String], uses: &HashMap<String, Vec<String>>) -> Vec<String> {
    match segments.split_first() {
        Some((first, rest)) => match uses.get(first) {
            Some(full) => full.iter().chain(rest).cloned().collect(),
            None => segments.to_vec(),
        },
        None => Vec::new(),
    }
}

/// Records what the names of a `use` tree stand for.
fn collect_use(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut HashMap<String, Vec<String>>,
) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            collect_use(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) => {
            let ident = name.ident.to_string();
            if ident == "self" {
                if let Some(last) = prefix.last() {
                    out.insert(last.clone(), prefix.clone());
                }
            } else {
                let mut full = prefix.clone();
                full.push(ident.clone());
                out.insert(ident, full);
            }
        }
        syn::UseTree::Rename(rename) => {
            let mut full = prefix.clone();
            if rename.ident != "self" {
                full.push(rename.ident.to_string());
            }
            out.insert(rename.rename.to_string(), full);
        }
        syn::UseTree::Glob(_) => {
            // `use aws_sdk_x::*;` brings `Client` into scope.
            if prefix.first().is_some_and(|p| p.starts_with("aws_sdk_")) {
                let mut full = prefix.clone();
                full.push("Client".to_owned());
                if client_service(&full).is_some() {
                    out.insert("Client".to_owned(), full);
                }
            }
        }
        syn::UseTree::Group(group) => {
            for item in &group.items {
                collect_use(item, prefix, out);
            }
        }
    }
}

/// First pass: declarations of one file (test-only items skipped).
struct DeclarationCollector<'a> {
    declarations: &'a mut Declarations,
    file: usize,
}

impl<'ast> Visit<'ast> for DeclarationCollector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if let Some(attrs) = item_attrs(item) {
            if is_test_only(attrs) {
                return;
            }
        }
        syn::visit::visit_item(self, item);
    }
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        collect_use(
            &item.tree,
            &mut prefix,
            &mut self.declarations.uses[self.file],
        );
        if self.declarations.uses[self.file].values().any(|full| {
            full.first()
                .is_some_and(|first| first.starts_with("aws_sdk_"))
        }) {
            self.declarations.mentions_sdk[self.file] = true;
        }
    }
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path
            .segments
            .first()
            .is_some_and(|first| first.ident.to_string().starts_with("aws_sdk_"))
        {
            self.declarations.mentions_sdk[self.file] = true;
        }
        syn::visit::visit_path(self, path);
    }
    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        let fields = self
            .declarations
            .fields
            .entry(item.ident.to_string())
            .or_default();
        for (index, field) in item.fields.iter().enumerate() {
            let name = field
                .ident
                .as_ref()
                .map_or_else(|| index.to_string(), ToString::to_string);
            fields.insert(name, (field.ty.clone(), self.file));
        }
        syn::visit::visit_item_struct(self, item);
    }
    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.declarations
            .statics
            .insert(item.ident.to_string(), ((*item.ty).clone(), self.file));
    }
    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.declarations
            .statics
            .insert(item.ident.to_string(), ((*item.ty).clone(), self.file));
    }
    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        self.declarations
            .type_aliases
            .insert(item.ident.to_string(), ((*item.ty).clone(), self.file));
    }
    fn visit_signature(&mut self, signature: &'ast syn::Signature) {
        if let syn::ReturnType::Type(_, ty) = &signature.output {
            self.declarations
                .returns
                .insert(signature.ident.to_string(), ((**ty).clone(), self.file));
        }
    }
}
