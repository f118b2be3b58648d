//! BRN112: `multiprocessing` `Connection.recv()`, which unpickles what the peer sent.

use crate::finding::{Finding, Severity};
use crate::python::check::CheckContext;
use crate::python::semantic::CallSite;
use crate::rules::{Family, RuleMeta};

/// Rule metadata and user docs.
pub const META: RuleMeta = RuleMeta {
    code: "BRN112",
    name: "multiprocessing-recv",
    summary: "A multiprocessing connection receives a pickled object from its peer.",
    severity: Severity::Medium,
    family: Family::Code,
    cwe: &[502],
    mappings: super::super::DESERIALIZATION_MAPPINGS,
    docs: r#"
## What it does
Flags `recv()` on connections from `multiprocessing.Pipe()`,
`multiprocessing.connection.Listener(...).accept()` and
`multiprocessing.connection.Client(...)`. `recv_bytes()` is not flagged.

## Why is this bad?
`Connection.recv()` unpickles whatever the other end sent. A `Listener` on a socket, or
a `Client` talking to a server you do not control, lets the peer run code in your
process; the `authkey` handshake is the only barrier (CWE-502).

## Example
```python
from multiprocessing.connection import Listener

with Listener(("0.0.0.0", 6000)) as listener:
    conn = listener.accept()
    msg = conn.recv()
```

## Use instead
```python
import json
from multiprocessing.connection import Listener

with Listener(("127.0.0.1", 6000), authkey=b"secret") as listener:
    conn = listener.accept()
    msg = json.loads(conn.recv_bytes())
```

## References
- [multiprocessing.connection: security](https://docs.python.org/3/library/multiprocessing.html#multiprocessing.connection.Connection.recv)
- [CWE-502](https://cwe.mitre.org/data/definitions/502.html)
"#,
    fix: None,
};

/// Objects whose `recv()` unpickles.
const CONNECTIONS: &[&str] = &[
    "multiprocessing.Pipe()[]",
    "multiprocessing.connection.Pipe()[]",
    "multiprocessing.connection.Listener().accept()",
    "multiprocessing.connection.Client()",
    "multiprocessing.connection.Connection()",
];

/// Flag `recv()` on a multiprocessing connection.
#[must_use]
pub fn check(site: &CallSite<'_>, ctx: &CheckContext<'_, '_>) -> Option<Finding> {
    let receiver = site.callee.strip_suffix(".recv")?;
    CONNECTIONS.contains(&receiver).then(|| {
        ctx.finding(
            &META,
            site,
            "`Connection.recv()` unpickles what the peer sent".to_owned(),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::python::test_support::rules_hit;

    #[test]
    fn flags_pipe_and_client_recv() {
        assert_eq!(
            rules_hit("import multiprocessing\na, b = multiprocessing.Pipe()\nb.recv()\n"),
            vec!["BRN112"]
        );
        assert_eq!(
            rules_hit(
                "from multiprocessing.connection import Client\nc = Client(addr)\nc.recv()\n"
            ),
            vec!["BRN112"]
        );
    }

    #[test]
    fn ignores_recv_bytes_and_sockets() {
        let source = "import multiprocessing, socket\na, b = multiprocessing.Pipe()\nb.recv_bytes()\ns = socket.socket()\ns.recv(10)\n";
        assert!(rules_hit(source).is_empty());
    }
}
