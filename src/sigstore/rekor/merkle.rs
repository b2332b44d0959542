//! RFC 6962 Merkle trees: leaf and node hashes (§2.1) and inclusion proof verification
//! (RFC 9162 §2.1.3.2).

use crate::crypto::{ct_eq, Backend, HashAlgorithm};

/// SHA-256(0x00 ‖ leaf).
#[must_use]
pub fn leaf_hash(backend: &dyn Backend, leaf: &[u8]) -> [u8; 32] {
    let mut buf = alloc::vec::Vec::with_capacity(leaf.len() + 1);
    buf.push(0);
    buf.extend_from_slice(leaf);
    hash32(backend, &buf)
}

fn node_hash(backend: &dyn Backend, left: &[u8], right: &[u8]) -> [u8; 32] {
    let mut buf = [0u8; 65];
    buf[0] = 1;
    buf[1..33].copy_from_slice(left);
    buf[33..].copy_from_slice(right);
    hash32(backend, &buf)
}

fn hash32(backend: &dyn Backend, data: &[u8]) -> [u8; 32] {
    let d = backend.digest(HashAlgorithm::Sha256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_bytes());
    out
}

/// Verifies that `leaf` sits at `index` in the tree of `tree_size` leaves whose root is `root`.
/// Returns the reason on failure.
pub fn verify_inclusion(backend: &dyn Backend, index: u64, tree_size: u64, leaf: &[u8; 32], proof: &[alloc::vec::Vec<u8>], root: &[u8]) -> Result<(), &'static str> {
    if index >= tree_size {
        return Err("leaf index is not below the tree size");
    }
    if root.len() != 32 {
        return Err("root hash is not 32 bytes");
    }
    let (mut fi, mut sn) = (index, tree_size - 1);
    let mut r = *leaf;
    for p in proof {
        if p.len() != 32 {
            return Err("proof hash is not 32 bytes");
        }
        if sn == 0 {
            return Err("proof is longer than the tree allows");
        }
        if fi & 1 == 1 || fi == sn {
            r = node_hash(backend, p, &r);
            if fi & 1 == 0 {
                while fi & 1 == 0 && fi != 0 {
                    fi >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(backend, &r, p);
        }
        fi >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err("proof is shorter than the tree requires");
    }
    if !ct_eq(&r, root) {
        return Err("computed root does not match");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RUST_CRYPTO;
    use alloc::vec;
    use alloc::vec::Vec;

    /// Builds the RFC 6962 tree over `n` leaves and checks every inclusion proof, and that a
    /// flipped node, another leaf or an index beyond the tree fails. (The tree size itself is
    /// authenticated by the signed checkpoint, not by the proof.)
    #[test]
    fn proofs_for_every_leaf() {
        let b = &RUST_CRYPTO;
        for n in 1u64..=9 {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(b, &[i as u8])).collect();
            fn mth(b: &dyn Backend, l: &[[u8; 32]]) -> [u8; 32] {
                if l.len() == 1 {
                    return l[0];
                }
                let k = l.len().next_power_of_two() / 2;
                node_hash(b, &mth(b, &l[..k]), &mth(b, &l[k..]))
            }
            fn path(b: &dyn Backend, m: usize, l: &[[u8; 32]]) -> Vec<Vec<u8>> {
                if l.len() == 1 {
                    return vec![];
                }
                let k = l.len().next_power_of_two() / 2;
                if m < k {
                    let mut p = path(b, m, &l[..k]);
                    p.push(mth(b, &l[k..]).to_vec());
                    p
                } else {
                    let mut p = path(b, m - k, &l[k..]);
                    p.push(mth(b, &l[..k]).to_vec());
                    p
                }
            }
            let root = mth(b, &leaves);
            for m in 0..n as usize {
                let p = path(b, m, &leaves);
                assert_eq!(verify_inclusion(b, m as u64, n, &leaves[m], &p, &root), Ok(()), "n={n} m={m}");
                if let Some(first) = p.first() {
                    let mut bad = p.clone();
                    let mut h = first.clone();
                    h[0] ^= 1;
                    bad[0] = h;
                    assert!(verify_inclusion(b, m as u64, n, &leaves[m], &bad, &root).is_err());
                }
                if n > 1 {
                    let other = &leaves[(m + 1) % n as usize];
                    assert!(verify_inclusion(b, m as u64, n, other, &p, &root).is_err(), "n={n} m={m}: another leaf accepted");
                }
                assert!(verify_inclusion(b, n, n, &leaves[m], &p, &root).is_err(), "index beyond the tree");
            }
        }
    }
}
