//! Rebuilds when migrations change (they are compiled in by `sqlx::migrate!`) and stamps
//! static assets with a content hash so browsers can cache them for a long time.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=static");
    let mut hasher = DefaultHasher::new();
    hash_dir(Path::new("static"), &mut hasher);
    println!(
        "cargo:rustc-env=CENTRIC_ASSET_VERSION={:012x}",
        hasher.finish() & 0xffff_ffff_ffff
    );
}

fn hash_dir(dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            hash_dir(&path, hasher);
        } else if let Ok(bytes) = std::fs::read(&path) {
            path.hash(hasher);
            bytes.hash(hasher);
        }
    }
}
