//! APIs whose safety depends on the installed version, to link a code finding to a
//! dependency finding.
//!
//! `torch.load(..., weights_only=True)` is the safe way to load a checkpoint, but only from
//! torch 2.6.0 on (CVE-2025-32434); `numpy.load` unpickles by default before 1.16.3; Keras
//! `safe_mode=True` was bypassed up to 3.13.1; PyYAML's `full_load` executed code before 5.4.
//! [`VERSION_SENSITIVE_APIS`] lists these facts; [`link_hint`] applies them to a project's
//! dependencies so the code scanner can say "this call is only as safe as torch 2.5.1".
//! This module holds data and lookups only: it never scans code itself.

use super::advisories::{Advisory, AdvisoryDb};
use super::manifests::Dependency;
use super::pep;

/// A library API that is safe (as used) only from some version on, or never.
#[derive(Debug)]
pub struct VersionSensitiveApi {
    /// PyPI name (PEP 503 normalised).
    pub package: &'static str,
    /// Fully qualified call names as the code scanner resolves them.
    pub apis: &'static [&'static str],
    /// The use whose safety depends on the version (`weights_only=True`).
    pub usage: &'static str,
    /// First version where that use is safe; `None` when no version makes it safe.
    pub safe_from: Option<&'static str>,
    /// Advisory ids (CVE or OSV) behind the statement.
    pub advisories: &'static [&'static str],
    /// For people.
    pub note: &'static str,
}

/// What brine knows about version-dependent safety of loading APIs.
pub const VERSION_SENSITIVE_APIS: &[VersionSensitiveApi] = &[
    VersionSensitiveApi {
        package: "torch",
        apis: &["torch.load"],
        usage: "weights_only=True",
        safe_from: Some("2.6.0"),
        advisories: &["CVE-2025-32434"],
        note: "torch.load(weights_only=True) can still execute code in torch < 2.6.0",
    },
    VersionSensitiveApi {
        package: "torch",
        apis: &["torch.load"],
        usage: "weights_only=True",
        safe_from: Some("2.10.0"),
        advisories: &["CVE-2026-24747"],
        note: "a second weights_only unpickler bypass is fixed only in torch 2.10.0",
    },
    VersionSensitiveApi {
        package: "numpy",
        apis: &["numpy.load"],
        usage: "allow_pickle left at its default",
        safe_from: Some("1.16.3"),
        advisories: &["CVE-2019-6446"],
        note: "numpy.load defaults to allow_pickle=True before 1.16.3",
    },
    VersionSensitiveApi {
        package: "keras",
        apis: &[
            "keras.models.load_model",
            "keras.saving.load_model",
            "tensorflow.keras.models.load_model",
        ],
        usage: "safe_mode=True (the default)",
        safe_from: Some("3.13.2"),
        advisories: &[
            "CVE-2025-1550",
            "CVE-2025-8747",
            "CVE-2025-9906",
            "CVE-2025-9905",
            "CVE-2026-1462",
        ],
        note: "Keras safe_mode was bypassed repeatedly; the last known bypass is fixed in 3.13.2",
    },
    VersionSensitiveApi {
        package: "pyyaml",
        apis: &[
            "yaml.load",
            "yaml.load_all",
            "yaml.full_load",
            "yaml.full_load_all",
        ],
        usage: "FullLoader or no explicit Loader",
        safe_from: Some("5.4"),
        advisories: &[
            "CVE-2017-18342",
            "CVE-2019-20477",
            "CVE-2020-1747",
            "CVE-2020-14343",
        ],
        note: "yaml.load without a Loader and FullLoader can build arbitrary objects before PyYAML 5.4",
    },
    VersionSensitiveApi {
        package: "joblib",
        apis: &["joblib.load"],
        usage: "any file",
        safe_from: None,
        advisories: &[],
        note: "joblib.load always unpickles; no version makes an untrusted file safe (CVE-2024-34997 was withdrawn as by design)",
    },
    VersionSensitiveApi {
        package: "skops",
        apis: &["skops.io.load", "skops.io.loads"],
        usage: "trusted types checked by skops",
        safe_from: Some("0.12.0"),
        advisories: &["CVE-2025-54412", "CVE-2025-54413"],
        note: "skops' trusted-type check was bypassable before 0.12.0",
    },
    VersionSensitiveApi {
        package: "pytorch-lightning",
        apis: &[
            "pytorch_lightning.LightningModule.load_from_checkpoint",
            "lightning.LightningModule.load_from_checkpoint",
        ],
        usage: "any checkpoint",
        safe_from: None,
        advisories: &["CVE-2026-31221"],
        note: "load_from_checkpoint unpickles the checkpoint; no fixed version is known",
    },
];

/// The version-sensitive APIs of a package.
pub fn version_sensitive_apis(package: &str) -> impl Iterator<Item = &'static VersionSensitiveApi> {
    let name = pep::normalize_name(package);
    VERSION_SENSITIVE_APIS
        .iter()
        .filter(move |a| a.package == name)
}

/// A dependency whose version makes a code finding's API unsafe.
#[derive(Debug)]
pub struct LinkHint<'a> {
    /// The API fact.
    pub api: &'static VersionSensitiveApi,
    /// Index into the dependencies passed to [`link_hint`].
    pub dependency: usize,
    /// The version is pinned or locked (else a range merely admits an unsafe version).
    pub pinned: bool,
    /// The advisories of `api.advisories` that affect the dependency.
    pub advisories: Vec<&'a Advisory>,
}

/// For a call to `api` (fully qualified, e.g. `torch.load`), the dependencies whose
/// version or range leaves that call unsafe. A dependency with no version or range at all
/// is not linked (nothing is known about it).
#[must_use]
pub fn link_hint<'a>(
    api: &str,
    dependencies: &[Dependency],
    db: &'a AdvisoryDb,
) -> Vec<LinkHint<'a>> {
    let mut hints = Vec::new();
    for fact in VERSION_SENSITIVE_APIS
        .iter()
        .filter(|f| f.apis.contains(&api))
    {
        let safe_from = fact.safe_from.and_then(pep::parse_version);
        for (index, dependency) in dependencies.iter().enumerate() {
            if dependency.name != fact.package {
                continue;
            }
            let (unsafe_version, pinned) = match (&dependency.version, &dependency.specifier) {
                (Some(version), _) => {
                    let Some(version) = pep::parse_version(version) else {
                        continue;
                    };
                    let below = safe_from
                        .as_ref()
                        .is_none_or(|safe| pep::matching_version(&version) < *safe);
                    (below, true)
                }
                (None, Some(specifier)) => {
                    let Some(specifiers) = pep::parse_specifiers(specifier) else {
                        continue;
                    };
                    let admitted = pep::specifiers_to_intervals(&specifiers);
                    let unsafe_range = safe_from.as_ref().map_or_else(
                        || vec![pep::Interval::everything()],
                        |safe| {
                            pep::parse_advisory_range(&format!("<{safe}"))
                                .map(|i| vec![i])
                                .unwrap_or_default()
                        },
                    );
                    (pep::any_overlap(&admitted, &unsafe_range), false)
                }
                (None, None) => continue,
            };
            if !unsafe_version {
                continue;
            }
            let advisories = fact
                .advisories
                .iter()
                .filter_map(|id| db.by_id(id))
                .filter(|advisory| match &dependency.version {
                    Some(version) => advisory.package(fact.package).is_some_and(|p| {
                        pep::parse_version(version).is_some_and(|v| p.affects(&v))
                    }),
                    None => true,
                })
                .collect();
            hints.push(LinkHint {
                api: fact,
                dependency: index,
                pinned,
                advisories,
            });
        }
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deps::advisories::bundled;
    use crate::deps::manifests::span_of;

    fn dependency(name: &str, version: Option<&str>, specifier: Option<&str>) -> Dependency {
        let mut d = Dependency::named(name, span_of("", 0, 0), "requirements.txt");
        d.version = version.map(str::to_owned);
        d.specifier = specifier.map(str::to_owned);
        d
    }

    #[test]
    fn torch_load_links_to_old_torch_only() {
        let deps = vec![
            dependency("torch", Some("2.5.1+cpu"), None),
            dependency("numpy", Some("1.16.0"), None),
        ];
        let hints = link_hint("torch.load", &deps, bundled());
        assert_eq!(hints.len(), 2, "both torch facts apply to 2.5.1");
        assert!(hints[0].pinned && hints[0].dependency == 0);
        assert!(
            hints[0]
                .advisories
                .iter()
                .any(|a| a.all_ids().any(|i| i == "CVE-2025-32434"))
        );
        let new = vec![dependency("torch", Some("2.10.0"), None)];
        assert!(link_hint("torch.load", &new, bundled()).is_empty());
        let range = vec![dependency("torch", None, Some(">=2.6"))];
        let hints = link_hint("torch.load", &range, bundled());
        assert_eq!(hints.len(), 1, "only the 2.10.0 fact is admitted by >=2.6");
        assert!(!hints[0].pinned);
    }

    #[test]
    fn joblib_is_never_safe_and_facts_resolve() {
        let deps = vec![dependency("joblib", Some("1.4.2"), None)];
        assert_eq!(link_hint("joblib.load", &deps, bundled()).len(), 1);
        assert_eq!(version_sensitive_apis("PyYAML").count(), 1);
        for fact in VERSION_SENSITIVE_APIS {
            for id in fact.advisories {
                assert!(
                    bundled().by_id(id).is_some(),
                    "{id} is not in the bundled data"
                );
            }
        }
    }
}
