//! Heap use of one verification per case: a counting allocator around the system allocator
//! records live bytes, their peak, and calls. Prints a table; no timing (the counting would
//! skew it, which is why this is its own binary). Run: `cargo bench --bench heap`.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use common::Case;
use sealcheck::crypto::RUST_CRYPTO;
use sealcheck::sigstore::TrustedRoot;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static REALLOCS: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

fn grow(n: usize) {
    let live = LIVE.fetch_add(n, Relaxed) + n;
    PEAK.fetch_max(live, Relaxed);
    TOTAL.fetch_add(n, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCS.fetch_add(1, Relaxed);
            grow(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCS.fetch_add(1, Relaxed);
            grow(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            REALLOCS.fetch_add(1, Relaxed);
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

struct Usage {
    peak: usize,
    allocs: usize,
    reallocs: usize,
    total: usize,
}

/// Runs `f` once and reports the heap it used above what was live before it.
fn measure<T>(f: impl FnOnce() -> T) -> Usage {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let (a, r, t) = (ALLOCS.load(Relaxed), REALLOCS.load(Relaxed), TOTAL.load(Relaxed));
    drop(std::hint::black_box(f()));
    Usage { peak: PEAK.load(Relaxed) - base, allocs: ALLOCS.load(Relaxed) - a, reallocs: REALLOCS.load(Relaxed) - r, total: TOTAL.load(Relaxed) - t }
}

fn row(what: &str, u: &Usage) {
    println!("| {what:<48} | {:>10} | {:>7} | {:>8} | {:>12} |", u.peak, u.allocs, u.reallocs, u.total);
}

fn main() {
    let cases = Case::load_all();
    println!("| {:<48} | {:>10} | {:>7} | {:>8} | {:>12} |", "one run of", "peak bytes", "allocs", "reallocs", "bytes allocd");
    println!("|{:-<50}|{:->12}|{:->9}|{:->10}|{:->14}|", "", "", "", "", "");
    row("TrustedRoot::from_json production (setup)", &measure(|| TrustedRoot::from_json(sealcheck::sigstore::trusted_root::PRODUCTION_TRUSTED_ROOT_JSON, &RUST_CRYPTO).unwrap()));
    // A decision under a compiled keyless policy allocates what its verification does, and no
    // more than a small record: no root parsing, no regexp compilation.
    let keyless = common::KeylessImage::load();
    keyless.decide();
    row("keyless-fulcio-rekor decision", &measure(|| keyless.decide()));
    row("keyless-fulcio-rekor bare verification", &measure(|| keyless.bare().unwrap()));
    for case in &cases {
        // Warm once so lazily initialised state is not charged to the measured run.
        case.verify().unwrap_or_else(|e| panic!("{}: {e}", case.name));
        row(&format!("{} parse+verify", case.name), &measure(|| case.verify().unwrap()));
        row(&format!("{} parse only", case.name), &measure(|| case.parse().unwrap()));
        let bundle = case.parse().unwrap();
        row(&format!("{} verify only", case.name), &measure(|| case.verify_parsed(&bundle).unwrap()));
    }
}
