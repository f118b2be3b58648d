//! `brine rule CODE` prints a rule's docs; `brine rule --all` lists every rule.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use brine_scanner::rules::{self, RuleMeta};
use serde_json::json;

fn rule_json(rule: &RuleMeta) -> serde_json::Value {
    json!({
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "severity": rule.severity,
        "family": rule.family.as_str(),
        "cwe": rule.cwe,
        "mappings": rule.mappings,
        "fix": rule.fix,
        "explanation": rule.docs.trim(),
    })
}

pub fn run(args: &crate::args::RuleArgs) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if args.all {
        let all = rules::all();
        if args.json {
            let list: Vec<_> = all.iter().map(|r| rule_json(r)).collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&list)?)?;
        } else {
            for rule in all {
                writeln!(
                    out,
                    "{:<7} {:<9} {:<40} {}",
                    rule.code,
                    rule.severity.as_str(),
                    rule.name,
                    rule.summary
                )?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(key) = &args.rule else {
        bail!("name a rule (e.g. `brine rule BRN001`) or pass --all")
    };
    let Some(rule) = rules::find(key) else {
        bail!("no rule `{key}` (see `brine rule --all`)")
    };
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rule_json(rule))?)?;
    } else {
        write!(out, "{}", rules::render_markdown(rule))?;
    }
    Ok(ExitCode::SUCCESS)
}
