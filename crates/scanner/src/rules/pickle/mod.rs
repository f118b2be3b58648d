//! Rules of the `pickle` family. One file per rule; list each rule's `META` in [`RULES`].

use super::RuleMeta;

pub mod call_result_invoked;
pub mod dangerous_call;
pub mod dangerous_reference;
pub mod dynamic_getattr;
pub mod global_setattr;
pub mod limit_exceeded;
pub mod malformed_stream;
pub mod non_allowlisted_global;
pub mod stdlib_gadget_call;
pub mod structural_tamper;
pub mod trailing_data;
pub mod unresolved_extension;

/// The rules of this family.
pub static RULES: &[&RuleMeta] = &[
    &dangerous_call::META,
    &dangerous_reference::META,
    &stdlib_gadget_call::META,
    &non_allowlisted_global::META,
    &unresolved_extension::META,
    &malformed_stream::META,
    &limit_exceeded::META,
    &structural_tamper::META,
    &trailing_data::META,
    &dynamic_getattr::META,
    &call_result_invoked::META,
    &global_setattr::META,
];
