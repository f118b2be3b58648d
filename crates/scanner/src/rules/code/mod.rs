//! Rules of the `code` family: unsafe loads in Python source (`BRN101`–`BRN199`).
//!
//! One file per rule; list each rule's `META` in [`RULES`] and each call rule's check in
//! [`CALL_CHECKS`]. Grouping, one rule per concept:
//!
//! * `BRN101` pickle family, `BRN102` shelve, `BRN103` dill/cloudpickle/jsonpickle,
//!   `BRN104` marshal, `BRN105` joblib, `BRN106` pandas, `BRN107` numpy `allow_pickle`;
//! * `BRN108` `torch.load` without `weights_only`, `BRN109` torch hub/jit/package;
//! * `BRN110` Keras safe mode off, `BRN111` unsafe YAML, `BRN112` multiprocessing `recv`;
//! * `BRN113` Hugging Face `trust_remote_code`, `BRN114` unpinned hub revision;
//! * `BRN190`–`BRN192` notes: syntax errors, source encoding, nesting budget.

use super::RuleMeta;
use crate::python::check::CallCheck;

pub mod hf_trust_remote_code;
pub mod hf_unpinned_revision;
pub mod joblib_load;
pub mod keras_unsafe;
pub mod marshal_load;
pub mod multiprocessing_recv;
pub mod nesting_limit;
pub mod numpy_allow_pickle;
pub mod pandas_read_pickle;
pub mod pickle_load;
pub mod shelve_open;
pub mod source_encoding;
pub mod syntax_error;
pub mod third_party_pickle_load;
pub mod torch_code_loading;
pub mod torch_load;
pub mod yaml_unsafe_load;

/// The rules of this family.
pub static RULES: &[&RuleMeta] = &[
    &pickle_load::META,
    &shelve_open::META,
    &third_party_pickle_load::META,
    &marshal_load::META,
    &joblib_load::META,
    &pandas_read_pickle::META,
    &numpy_allow_pickle::META,
    &torch_load::META,
    &torch_code_loading::META,
    &keras_unsafe::META,
    &yaml_unsafe_load::META,
    &multiprocessing_recv::META,
    &hf_trust_remote_code::META,
    &hf_unpinned_revision::META,
    &syntax_error::META,
    &source_encoding::META,
    &nesting_limit::META,
];

/// The rules that check resolved calls, with their checks.
pub static CALL_CHECKS: &[(&RuleMeta, CallCheck)] = &[
    (&pickle_load::META, pickle_load::check),
    (&shelve_open::META, shelve_open::check),
    (
        &third_party_pickle_load::META,
        third_party_pickle_load::check,
    ),
    (&marshal_load::META, marshal_load::check),
    (&joblib_load::META, joblib_load::check),
    (&pandas_read_pickle::META, pandas_read_pickle::check),
    (&numpy_allow_pickle::META, numpy_allow_pickle::check),
    (&torch_load::META, torch_load::check),
    (&torch_code_loading::META, torch_code_loading::check),
    (&keras_unsafe::META, keras_unsafe::check),
    (&yaml_unsafe_load::META, yaml_unsafe_load::check),
    (&multiprocessing_recv::META, multiprocessing_recv::check),
    (&hf_trust_remote_code::META, hf_trust_remote_code::check),
    (&hf_unpinned_revision::META, hf_unpinned_revision::check),
];
