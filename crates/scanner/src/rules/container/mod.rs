//! Rules of the `container` family. One file per rule; list each rule's `META` in [`RULES`].

use super::RuleMeta;

pub mod hdf5_malformed;
pub mod keras_external_module_reference;
pub mod keras_external_resource;
pub mod keras_invalid_config;
pub mod keras_lambda_layer;
pub mod keras_unsafe_deserialization_enabled;
pub mod safetensors_duplicate_key;
pub mod safetensors_invalid_header;
pub mod safetensors_invalid_layout;

/// The rules of this family.
pub static RULES: &[&RuleMeta] = &[
    &safetensors_invalid_header::META,
    &safetensors_invalid_layout::META,
    &safetensors_duplicate_key::META,
    &keras_lambda_layer::META,
    &keras_external_module_reference::META,
    &keras_unsafe_deserialization_enabled::META,
    &keras_invalid_config::META,
    &keras_external_resource::META,
    &hdf5_malformed::META,
];
