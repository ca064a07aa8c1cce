//! The stage's API keys, locally. Deployed, API Gateway makes one key per
//! name of `api_keys` and chooses its value; locally each name is accepted
//! as its own value, unless `CHALICE_API_KEYS` lists the values to accept
//! (comma-separated). A route with `api_key_required` answers 403
//! `Forbidden` to a request whose `x-api-key` is missing or unknown.

/// The environment variable listing the accepted key values.
pub const API_KEYS_ENV: &str = "CHALICE_API_KEYS";

/// One accepted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Its name (`api_keys`), or `CHALICE_API_KEYS[i]`.
    pub name: String,
    /// The value a request sends in `x-api-key`.
    pub value: String,
}

/// The accepted keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiKeys {
    keys: Vec<ApiKey>,
}

impl ApiKeys {
    /// The keys for `names` (from the config), or the values of
    /// `from_environment` (the value of [`API_KEYS_ENV`]) when given.
    pub fn new(names: &[String], from_environment: Option<&str>) -> Self {
        let keys = match from_environment {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .enumerate()
                .map(|(index, value)| ApiKey {
                    name: format!("{API_KEYS_ENV}[{index}]"),
                    value: value.to_owned(),
                })
                .collect(),
            None => names
                .iter()
                .map(|name| ApiKey {
                    name: name.clone(),
                    value: name.clone(),
                })
                .collect(),
        };
        Self { keys }
    }

    /// The key whose value is `value`.
    pub fn find(&self, value: &str) -> Option<&ApiKey> {
        self.keys.iter().find(|key| key.value == value)
    }

    /// The accepted keys, in order.
    pub fn iter(&self) -> impl Iterator<Item = &ApiKey> {
        self.keys.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_their_own_values_unless_the_environment_lists_values() {
        let names = vec!["todo-dev".to_owned()];
        let keys = ApiKeys::new(&names, None);
        assert_eq!(
            keys.find("todo-dev").map(|k| k.name.as_str()),
            Some("todo-dev")
        );
        assert!(keys.find("other").is_none());
        let keys = ApiKeys::new(&names, Some(" s3cret-1 , ,s3cret-2"));
        assert!(keys.find("todo-dev").is_none());
        assert_eq!(
            keys.find("s3cret-2").map(|k| k.name.as_str()),
            Some("CHALICE_API_KEYS[1]")
        );
        assert_eq!(keys.iter().count(), 2);
    }
}
