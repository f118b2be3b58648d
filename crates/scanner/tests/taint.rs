//! Data-flow behaviour end to end: messages, severities, paths across modules, and a
//! snapshot of the rendered path.

mod taint_support;

use brine_scanner::finding::{FileKind, FileReport, Severity, Verdict};
use brine_scanner::report::LineSource;
use brine_scanner::report::text::{Style, render_file};
use taint_support::{analyze, fixture_dir, program, sinks};

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect()
}

/// Source lines of the fixture files, so the snapshot shows what a user sees.
struct Files<'a>(&'a std::path::Path);

impl LineSource for Files<'_> {
    fn line(&self, path: &str, line: u32) -> Option<String> {
        let text = std::fs::read_to_string(self.0.join(path)).ok()?;
        text.lines()
            .nth(usize::try_from(line).ok()?.checked_sub(1)?)
            .map(str::to_owned)
    }
}

#[test]
fn package_flow_is_rendered_source_first() {
    let root = fixture_dir("labelled");
    let results = analyze(&program(&root, &root.join("package")));
    let mut rendered = String::new();
    for (path, findings) in results {
        let report = FileReport::new(path, FileKind::Python, findings);
        rendered.push_str(&render_file(&report, &Files(&root), Style::default()));
    }
    insta::assert_snapshot!(rendered);
}

#[test]
fn cross_module_message_names_source_sink_and_functions() {
    let program = files(&[
        ("shop/__init__.py", ""),
        (
            "shop/app.py",
            "from flask import request\nfrom .loader import load_model\n\n\ndef predict():\n    return load_model(request.files['model'])\n",
        ),
        (
            "shop/loader.py",
            "import torch\n\n\ndef load_model(path):\n    return torch.load(path)\n",
        ),
    ]);
    let results = analyze(&program);
    let loader = results
        .iter()
        .find(|(p, _)| p == "shop/loader.py")
        .map(|(_, f)| f.clone())
        .unwrap_or_default();
    let sink = loader.first();
    assert_eq!(sink.map(|f| f.tainted), Some(Some(true)));
    assert_eq!(sink.map(|f| f.severity), Some(Severity::Critical));
    assert_eq!(sink.map(|f| f.verdict), Some(Verdict::Dangerous));
    let message = sink.map(|f| f.message.clone()).unwrap_or_default();
    assert!(
        message.contains(
            "`request.files['model']` (shop/app.py:6) reaches `torch.load` (shop/loader.py:5) via load_model()"
        ),
        "{message}"
    );
    let flow = sink.map(|f| f.flow.clone()).unwrap_or_default();
    assert_eq!(flow.first().map(|s| s.path.as_str()), Some("shop/app.py"));
    assert_eq!(flow.last().map(|s| s.path.as_str()), Some("shop/loader.py"));
}

#[test]
fn untainted_sinks_stay_marked_untainted() {
    let results = analyze(&files(&[(
        "job.py",
        "import pickle\nimport sys\n\nuser = sys.argv[1]\npickle.load(open('/srv/cache.pkl', 'rb'))\n",
    )]));
    let findings = results.first().map(|(_, f)| f.clone()).unwrap_or_default();
    let sink: Vec<_> = sinks(&findings).collect();
    assert_eq!(sink.len(), 1);
    assert_eq!(sink.first().map(|f| f.tainted), Some(Some(false)));
    assert_eq!(sink.first().map(|f| f.severity), Some(Severity::High));
    assert!(sink.first().is_some_and(|f| f.flow.is_empty()));
}

#[test]
fn absolute_import_through_a_parent_folder_resolves_by_suffix() {
    let results = analyze(&files(&[
        (
            "repo/src/svc/handlers.py",
            "from svc.io import read_blob\nimport pickle\n\n\ndef lambda_handler(event, context):\n    return pickle.loads(read_blob(event['body']))\n",
        ),
        (
            "repo/src/svc/io.py",
            "import base64\n\n\ndef read_blob(text):\n    return base64.b64decode(text)\n",
        ),
    ]));
    let handler = results
        .iter()
        .find(|(p, _)| p.ends_with("handlers.py"))
        .map(|(_, f)| f.clone())
        .unwrap_or_default();
    assert_eq!(handler.first().and_then(|f| f.tainted), Some(true));
    let message = handler
        .first()
        .map(|f| f.message.clone())
        .unwrap_or_default();
    assert!(message.contains("via read_blob()"), "{message}");
}

#[test]
fn helper_returning_a_constant_does_not_taint_its_caller() {
    let results = analyze(&files(&[
        (
            "a/main.py",
            "import sys\nimport torch\nfrom a.paths import pick\n\n\ndef run():\n    return torch.load(pick(sys.argv[1]))\n",
        ),
        (
            "a/paths.py",
            "def pick(user_choice):\n    print(user_choice)\n    return '/models/fixed.pt'\n",
        ),
    ]));
    let main = results
        .iter()
        .find(|(p, _)| p == "a/main.py")
        .map(|(_, f)| f.clone())
        .unwrap_or_default();
    assert_eq!(main.first().and_then(|f| f.tainted), Some(false));
}

#[test]
fn unknown_project_function_passes_its_arguments_through() {
    // `transform` is not among the scanned files: treated like a library call.
    let results = analyze(&files(&[(
        "only.py",
        "import sys\nimport torch\nfrom elsewhere import transform\n\ntorch.load(transform(sys.argv[1]))\n",
    )]));
    let findings = results.first().map(|(_, f)| f.clone()).unwrap_or_default();
    assert_eq!(findings.first().and_then(|f| f.tainted), Some(true));
}
