//! The app: shared state built once per instance.

use std::any::{Any, TypeId};
use std::collections::HashMap;
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
    state: Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
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
        Arc::make_mut(&mut self.state).insert(TypeId::of::<T>(), Arc::new(value));
        self
    }

    /// The registered value of type `T`, borrowed.
    pub fn get_ref<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.state
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref::<T>())
    }

    /// The registered value of type `T`, cloned.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        self.get_ref::<T>().cloned()
    }
}
