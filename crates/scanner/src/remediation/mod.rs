//! Remediation: safe ways out of a risky checkpoint.
//!
//! [`weights_only`] predicts whether `torch.load(weights_only=True)` would accept a file
//! and which globals it would need; [`convert`] turns PyTorch checkpoints and numpy files
//! into safetensors by evaluating only the tensor-rebuild subset of their pickles. Must never evaluate anything outside the tensor-rebuild
//! subset, never write partial output, and never suggest allowlisting a dangerous global.

pub mod convert;
pub mod weights_only;
