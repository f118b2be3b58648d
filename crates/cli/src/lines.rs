//! Source lines for snippets and fingerprints, read on demand and cached per file.
//! Only files with findings are read again, so a clean scan pays nothing.

use std::collections::HashMap;
use std::sync::Mutex;

use brine_scanner::report::LineSource;

#[derive(Default)]
pub struct FileLines {
    cache: Mutex<HashMap<String, Option<Vec<String>>>>,
}

impl LineSource for FileLines {
    fn line(&self, path: &str, line: u32) -> Option<String> {
        let mut cache = self.cache.lock().ok()?;
        let lines = cache.entry(path.to_owned()).or_insert_with(|| {
            std::fs::read(path).ok().map(|bytes| {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(str::to_owned)
                    .collect()
            })
        });
        lines
            .as_ref()?
            .get(usize::try_from(line).ok()?.checked_sub(1)?)
            .cloned()
    }
}
