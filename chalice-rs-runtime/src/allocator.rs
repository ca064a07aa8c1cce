//! The global allocator of the Lambda build.
//!
//! The `bootstrap` is linked statically against musl, whose malloc is much
//! slower than glibc's on the many small allocations of an invocation (event
//! parsing, headers, the response). With the `musl-allocator` feature (on by
//! default) musl targets use dlmalloc, a pure-Rust port, so that the build
//! still needs no cross C toolchain. Other targets keep the system allocator.
//! An app that sets its own `#[global_allocator]` turns the feature off.

#[cfg(all(feature = "musl-allocator", target_env = "musl"))]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;
