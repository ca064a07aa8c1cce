//! The app: shared state built once per instance.

use std::any::{Any, TypeId};
use std::sync::Arc;

/// An app instance: the typed shared state its handlers extract with
/// [`State<T>`](crate::State). Built once per Lambda instance, in the closure
/// given to [`run`](crate::run).
///
/// ```
/// use chalice_rs_runtime::App;
/// #[derive(Clone, Default)]
/// struct Db;
/// let app = App::new().state(Db::default()).state(String::from("config"));
/// assert_eq!(app.get::<String>().as_deref(), Some("config"));
/// ```
#[derive(Clone, Default)]
pub struct App {
    /// One value per type. An app has a few: a scan finds one sooner than
    /// hashing its `TypeId` would (each `State<T>` argument looks one up).
    state: Arc<Vec<(TypeId, Arc<dyn Any + Send + Sync>)>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("state_types", &self.state.len())
            .finish()
    }
}

impl App {
    /// An app without state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a value of type `T` (replacing an earlier one of that type).
    pub fn state<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        let state = Arc::make_mut(&mut self.state);
        let value: Arc<dyn Any + Send + Sync> = Arc::new(value);
        match state.iter_mut().find(|(id, _)| *id == TypeId::of::<T>()) {
            Some(slot) => slot.1 = value,
            None => state.push((TypeId::of::<T>(), value)),
        }
        self
    }

    /// The registered value of type `T`, borrowed.
    pub fn get_ref<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.state
            .iter()
            .find(|(id, _)| *id == TypeId::of::<T>())
            .and_then(|(_, value)| value.downcast_ref::<T>())
    }

    /// The registered value of type `T`, cloned.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.get_ref::<T>().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_registered_again_replaces_its_value() {
        let app = App::new()
            .state(1_u32)
            .state(String::from("a"))
            .state(2_u32);
        assert_eq!(app.get::<u32>(), Some(2));
        assert_eq!(app.get::<String>().as_deref(), Some("a"));
        assert_eq!(app.get::<u64>(), None);
        assert_eq!(format!("{app:?}"), "App { state_types: 2 }");
    }
}
