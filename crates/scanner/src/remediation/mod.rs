//! Remediation: safe ways out of a risky checkpoint.
//!
//! [`weights_only`] predicts whether `torch.load(weights_only=True)` would accept a file
//! and which globals it would need. Must never evaluate anything outside the tensor-rebuild
//! subset, never write partial output, and never suggest allowlisting a dangerous global.

pub mod weights_only;
