//! Gives the shared library a versioned SONAME, so that runtimes link `libsealcheck.so.0`.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsealcheck.so.0");
    }
}
