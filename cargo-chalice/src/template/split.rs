//! Nested stacks for large APIs: when one template would pass
//! CloudFormation's limits, the API's resources and methods move into nested
//! stacks (`Routes<Path>`, each at most 450 resources and well under the
//! 1 MB a nested template read from S3 may hold), split along the path tree
//! so that a route added under `/items` touches only the stack holding
//! `/items`.

use super::governance::{model_id, MODEL_PREFIX};
use super::rest_api::{Scope, PARAM_FUNCTION_ARN, PARAM_REST_API, PARAM_ROOT_RESOURCE};
use super::{
    Generator, NestedTemplate, TemplateSet, FUNCTION_ID, REQUEST_VALIDATOR_ID, REST_API_ID,
};
use crate::app::names;
use crate::app::rest_api::ApiResource;
use crate::cfn::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// How much one nested template may hold, as estimated before rendering.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    pub(super) resources: usize,
    pub(super) bytes: usize,
    pub(super) units: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            resources: 450,
            bytes: 900_000,
            // Each unit may need a parameter and an output (limit 200 each).
            units: 150,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Cost {
    pub(super) resources: usize,
    pub(super) bytes: usize,
    pub(super) units: usize,
}

impl Budget {
    /// Three quarters of the budget: after an estimate proved too optimistic.
    pub(super) fn shrink(&mut self) {
        self.bytes = self.bytes * 3 / 4;
        self.resources = self.resources * 3 / 4;
    }
}

impl Cost {
    fn add(self, other: Cost) -> Cost {
        Cost {
            resources: self.resources + other.resources,
            bytes: self.bytes + other.bytes,
            units: self.units + other.units,
        }
    }
    fn fits(self, budget: &Budget) -> bool {
        self.resources <= budget.resources
            && self.bytes <= budget.bytes
            && self.units <= budget.units
    }
}

impl Generator<'_> {
    fn unit_cost(unit: &ApiResource) -> Cost {
        let resources = usize::from(unit.parent.is_some())
            + unit.routes.len()
            + usize::from(unit.cors.is_some());
        Cost {
            resources,
            // A generous estimate (a rendered method takes about 700 bytes, a
            // resource 400, a parameter and an output about 300); the rendered
            // templates are measured afterwards all the same.
            bytes: 1_200 * resources + 400,
            units: 1,
        }
    }

    /// The units of the subtree at `path`, parents first, children by segment.
    fn subtree(children: &BTreeMap<usize, Vec<usize>>, index: usize, out: &mut Vec<usize>) {
        out.push(index);
        if let Some(kids) = children.get(&index) {
            for &kid in kids {
                Self::subtree(children, kid, out);
            }
        }
    }

    /// Groups of units, each fitting `budget`, in parent-first order.
    fn groups(
        children: &BTreeMap<usize, Vec<usize>>,
        costs: &[Cost],
        index: usize,
        budget: &Budget,
    ) -> Vec<(Vec<usize>, Cost)> {
        let mut all = Vec::new();
        Self::subtree(children, index, &mut all);
        let total = all
            .iter()
            .fold(Cost::default(), |sum, &i| sum.add(costs[i]));
        if total.fits(budget) {
            return vec![(all, total)];
        }
        let mut parts = vec![(vec![index], costs[index])];
        if let Some(kids) = children.get(&index) {
            for &kid in kids {
                parts.extend(Self::groups(children, costs, kid, budget));
            }
        }
        // Pack neighbours together while they fit.
        let mut packed: Vec<(Vec<usize>, Cost)> = Vec::new();
        for (units, cost) in parts {
            match packed.last_mut() {
                Some((last_units, last_cost)) if last_cost.add(cost).fits(budget) => {
                    last_units.extend(units);
                    *last_cost = last_cost.add(cost);
                }
                _ => packed.push((units, cost)),
            }
        }
        packed
    }

    /// The root template with nested stacks holding the API's resources and methods.
    pub(super) fn split(&self, budget: &Budget) -> TemplateSet {
        let Some(api) = &self.app.rest_api else {
            return TemplateSet {
                root: self.core(),
                nested: Vec::new(),
            };
        };
        let tree = &api.resources;
        let costs: Vec<Cost> = tree.iter().map(Self::unit_cost).collect();
        let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (index, unit) in tree.iter().enumerate() {
            if let Some(parent) = unit.parent.as_ref().and_then(|p| self.by_path.get(p)) {
                children.entry(*parent).or_default().push(index);
            }
        }
        for kids in children.values_mut() {
            kids.sort_by(|a, b| tree[*a].path_part.cmp(&tree[*b].path_part));
        }
        let root_index = self.by_path.get("/").copied().unwrap_or(0);
        let mut groups = Self::groups(&children, &costs, root_index, budget);
        // `/` without methods is a unit with nothing to create.
        groups.retain(|(_, cost)| cost.resources > 0);

        let stack_id = |units: &[usize]| format!("Routes{}", self.names[&tree[units[0]].path]);
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        for (units, _) in &groups {
            let id = stack_id(units);
            for &i in units {
                if let Some(resource_id) = self.resource_id(&tree[i]) {
                    owner.insert(resource_id, id.clone());
                }
            }
        }
        let mut root = self.core();
        let mut nested = Vec::new();
        let mut exported: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut stacks = Vec::new();
        for (units, _) in &groups {
            let id = stack_id(units);
            let file_name = format!("{id}.{}", self.format.extension());
            let mut template = Template::new(format!(
                "{} (routes from {})",
                self.description(),
                tree[units[0]].path
            ));
            let mut parameters: BTreeMap<String, Expr> = BTreeMap::new();
            let members: BTreeSet<usize> = units.iter().copied().collect();
            for &i in units {
                let unit = &tree[i];
                for (resource_id, resource) in self.api_resource(api, unit, Scope::Nested) {
                    template.resources.insert(resource_id, resource);
                }
                if !unit.routes.is_empty() {
                    parameters.insert(
                        PARAM_FUNCTION_ARN.to_owned(),
                        self.app
                            .api_function()
                            .map(|f| self.invoked_arn(f))
                            .unwrap_or_else(|| Expr::get_att(FUNCTION_ID, "Arn")),
                    );
                }
                for authorizer_id in self.unit_authorizers(api, unit) {
                    parameters.insert(authorizer_id.clone(), Expr::reference(authorizer_id));
                }
                for model in unit.routes.iter().filter_map(|r| r.model.as_deref()) {
                    parameters.insert(model_id(model), Expr::reference(model_id(model)));
                    parameters.insert(
                        REQUEST_VALIDATOR_ID.to_owned(),
                        Expr::reference(REQUEST_VALIDATOR_ID),
                    );
                }
                let parent_index = unit.parent.as_ref().and_then(|p| self.by_path.get(p));
                let parent_id = parent_index.and_then(|&p| self.resource_id(&tree[p]));
                match (parent_id, parent_index) {
                    (Some(parent_id), Some(p)) if !members.contains(p) => {
                        let from = owner[&parent_id].clone();
                        exported
                            .entry(from.clone())
                            .or_default()
                            .insert(parent_id.clone());
                        parameters.insert(
                            parent_id.clone(),
                            Expr::get_att(from, format!("Outputs.{parent_id}")),
                        );
                    }
                    _ => {}
                }
                if unit.parent.is_none() || unit.parent.as_deref() == Some("/") {
                    parameters.insert(
                        PARAM_ROOT_RESOURCE.to_owned(),
                        Expr::get_att(REST_API_ID, "RootResourceId"),
                    );
                }
            }
            parameters.insert(PARAM_REST_API.to_owned(), Expr::reference(REST_API_ID));
            for name in parameters.keys() {
                let description = match name.as_str() {
                    PARAM_REST_API => "The REST API's ID".to_owned(),
                    PARAM_ROOT_RESOURCE => "The ID of the API's root resource".to_owned(),
                    PARAM_FUNCTION_ARN => "The API function's ARN".to_owned(),
                    REQUEST_VALIDATOR_ID => "The ID of the request validator".to_owned(),
                    other if other.starts_with(MODEL_PREFIX) => {
                        format!("The name of the request model {other}")
                    }
                    other
                        if api
                            .authorizers
                            .values()
                            .any(|a| names::authorizer_id(&a.stem) == other) =>
                    {
                        format!("The ID of the authorizer {other}")
                    }
                    other => format!("The ID of the API resource {other} (another nested stack)"),
                };
                template
                    .parameters
                    .insert(name.clone(), Parameter::string(description));
            }
            root.resources.insert(
                id.clone(),
                ResourceKind::Stack(StackProps {
                    template_url: file_name.clone(),
                    parameters,
                })
                .into(),
            );
            stacks.push(id.clone());
            nested.push(NestedTemplate {
                logical_id: id,
                file_name,
                template,
            });
        }
        for child in &mut nested {
            if let Some(outputs) = exported.get(&child.logical_id) {
                for resource_id in outputs {
                    child.template.outputs.insert(
                        resource_id.clone(),
                        Output {
                            description: format!("The ID of the API resource {resource_id}"),
                            value: Expr::reference(resource_id.clone()),
                        },
                    );
                }
            }
        }
        root.resources
            .insert(self.deployment_id(api), self.deployment(api, stacks));
        TemplateSet { root, nested }
    }
}
